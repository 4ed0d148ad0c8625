package io.costwarden.app;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The ingest module's hostile-input corpus through every HTTP ingest path. No input may get a 5xx or
 * take the process down; every one must be dead-lettered.
 */
@QuarkusTest
@WithTestResource(FreshDataDir.class)
class HostileInputEndpointsTest {
    static final Path CORPUS = Path.of("..", "ingest", "src", "test", "resources", "hostile");

    static List<Path> corpus() throws IOException {
        return Files.readAllLines(CORPUS.resolve("corpus.tsv")).stream().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> CORPUS.resolve(l.split("\t")[0])).toList();
    }

    @Test
    void everyHostileInputIsRefusedPreciselyOnEveryPathAndTheProcessStaysHealthy() throws IOException {
        double before = dlqTotal();
        List<Path> files = corpus();
        assertThat(files).hasSizeGreaterThanOrEqualTo(50);
        String goodLine = Samples.text("samples/metricstreams/cwmetricstream_single_record.json");
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            for (String path : List.of("/ingest/cloudtrail", "/ingest/events")) {
                given().header("x-api-key", "test-ingest-key").body(bytes).post(path)
                        .then().statusCode(anyOf(is(200), is(400)));
            }
            String delivery = "{\"requestId\":\"h\",\"timestamp\":1,\"records\":[" + data(goodLine) + "," + data(bytes)
                    + "," + data(goodLine) + "]}";
            given().header("X-Amz-Firehose-Access-Key", "test-firehose-key").body(delivery).post("/ingest/firehose")
                    .then().statusCode(200);
        }
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        assertThat(dlqTotal() - before).as("every input dead-lettered on each of three paths")
                .isGreaterThanOrEqualTo(3.0 * files.size());
    }

    @io.quarkus.test.common.http.TestHTTPResource("/ingest/cloudtrail")
    java.net.URI cloudTrail;

    /** Over quarkus.http.limits.max-body-size (10 MiB by default); sent with Expect: 100-continue as large uploads are. */
    @Test
    void anOversizedBodyIsRefusedWith413() throws Exception {
        byte[] big = new byte[11 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) ' ');
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(java.net.http.HttpRequest
                .newBuilder(cloudTrail).expectContinue(true).header("x-api-key", "test-ingest-key")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(big)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        given().get("/q/health/live").then().statusCode(200);
    }

    private static String data(String text) {
        return data(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String data(byte[] bytes) {
        return "{\"data\":\"" + Base64.getEncoder().encodeToString(bytes) + "\"}";
    }

    /** The sum of costwarden_dlq_total over its reasons, from the Prometheus endpoint. */
    private static double dlqTotal() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^costwarden_dlq_total\\{[^}]*\\} ([0-9.eE+]+)$").matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }
}
