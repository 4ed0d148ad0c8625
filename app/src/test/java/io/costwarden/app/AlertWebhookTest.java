package io.costwarden.app;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.costwarden.model.Json;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Alerts end to end: the app with its embedded broker, a real CloudTrail launch in over HTTP, and the
 * signed webhook's request arriving at a local HTTP server, where it is verified the way
 * docs/webhooks.md tells receivers to.
 */
@QuarkusTest
@WithTestResource(FreshDataDir.class)
@TestProfile(AlertWebhookTest.SignedWebhook.class)
class AlertWebhookTest {
    static final String SECRET = "test-webhook-secret-0123456789abcdef";
    static final String URL_KEY = "costwarden.alerts.channels.audit.url";

    public static class SignedWebhook implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "costwarden.alerts.channels.audit.type", "webhook",
                    "costwarden.alerts.channels.audit.secret", SECRET,
                    "costwarden.alerts.default-channel", "audit",
                    "costwarden.alerts.api-base-url", "https://costwarden.example.com",
                    "costwarden.alerts.initial-backoff", "PT0.2S");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ReceiverPort.class));
        }
    }

    /** Picks the receiver's port before the app reads its configuration; the test listens on it. */
    public static class ReceiverPort implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                // Bound only once the app has started (and opened many client connections): see ListenPort.
                return Map.of(URL_KEY, "http://127.0.0.1:" + ListenPort.unused() + "/hooks/costwarden");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
        }
    }

    record Received(Map<String, String> headers, String body, Instant at) {
    }

    static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    static HttpServer server;

    @BeforeEach
    void listen() throws IOException {
        if (server == null) {
            URI url = URI.create(ConfigProvider.getConfig().getValue(URL_KEY, String.class));
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", url.getPort()), 0);
            server.createContext(url.getPath(), exchange -> {
                Map<String, String> headers = new TreeMap<>();
                exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
                try (InputStream in = exchange.getRequestBody()) {
                    RECEIVED.add(new Received(headers, new String(in.readAllBytes(), StandardCharsets.UTF_8), Instant.now()));
                }
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            server.start();
        }
    }

    @AfterAll
    static void close() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** A receiver's check, from docs/webhooks.md: HMAC-SHA256 over "timestamp.body", within five minutes. */
    static boolean verified(Received r) throws Exception {
        String ts = r.headers().get("costwarden-timestamp");
        String sig = r.headers().get("costwarden-signature");
        if (ts == null || sig == null || Math.abs(r.at().getEpochSecond() - Long.parseLong(ts)) > 300) {
            return false;
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] expected = mac.doFinal((ts + "." + r.body()).getBytes(StandardCharsets.UTF_8));
        for (String part : sig.split(",")) {
            if (part.trim().startsWith("v1=")
                    && MessageDigest.isEqual(expected, HexFormat.of().parseHex(part.trim().substring(3)))) {
                return true;
            }
        }
        return false;
    }

    private static List<Received> about(String resource) {
        return RECEIVED.stream().filter(r -> r.body().contains(resource)).toList();
    }

    @Test
    void aGpuLaunchBreakingPolicyReachesTheWebhookOnceSignedAndVerifiable() throws Exception {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/resources").then().statusCode(200));
        CostwardenAppTest.ingest().body(Samples.gzippedLogFile(Samples.text(Samples.GPU_LAUNCH)))
                .post("/ingest/cloudtrail").then().statusCode(200);

        await().atMost(Duration.ofSeconds(90)).until(() -> !about(Samples.GPU_ARN).isEmpty());
        // One state change, one message: the dry-run stop. No warning (the policy has no grace), no repeat.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> about(Samples.GPU_ARN).size() == 1);

        Received r = about(Samples.GPU_ARN).get(0);
        assertThat(verified(r)).as("signature over timestamp.body within the replay window").isTrue();
        assertThat(verified(new Received(r.headers(), r.body().replace("dry-run", "succeeded"), r.at()))).isFalse();
        JsonNode body = Json.mapper().readTree(r.body());
        assertThat(body.get("type").asText()).isEqualTo("acted");
        assertThat(r.headers().get("costwarden-event-id")).isEqualTo(body.get("id").asText());
        assertThat(r.headers().get("costwarden-event-type")).isEqualTo("acted");
        assertThat(body.get("finding").get("policy").asText()).isEqualTo("gpu-launch-needs-team-tag");
        assertThat(body.get("subject").get("resourceId").asText()).isEqualTo(Samples.GPU_ARN);
        assertThat(body.get("subject").get("instanceType").asText()).isEqualTo("p2.xlarge");
        assertThat(body.get("action").get("action").asText()).isEqualTo("stop");
        assertThat(body.get("action").get("outcome").asText()).isEqualTo("dry-run");
        assertThat(body.get("links").get("resource").asText()).isEqualTo("https://costwarden.example.com/api/resources/"
                + java.net.URLEncoder.encode(Samples.GPU_ARN, StandardCharsets.UTF_8));

        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("costwarden_alerts_total{channel=\"audit\",result=\"delivered\",type=\"acted\"}"));
    }
}
