package io.costwarden.app;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard in deploy/grafana and the alert rules in deploy/prometheus name only metrics the app
 * really exports: after a scenario, every metric either names appears in a scrape of /q/metrics. And no
 * exported Costwarden metric carries a resource id as a label.
 */
@QuarkusTest
@TestProfile(SecuredApp.class)
class MetricsContractTest {
    private static final Pattern METRIC = Pattern.compile("\\b((?:costwarden|kafka)_[a-z0-9_]+)\\b");
    private static final Path DEPLOY = Path.of("..", "deploy");

    static Set<String> referenced() throws IOException {
        Set<String> names = new TreeSet<>();
        for (Path file : new Path[] {DEPLOY.resolve("grafana/costwarden-dashboard.json"),
                DEPLOY.resolve("prometheus/costwarden-alerts.yaml")}) {
            Matcher m = METRIC.matcher(Files.readString(file, StandardCharsets.UTF_8));
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    static Set<String> exported(String scrape) {
        return scrape.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsNameIsExported() throws Exception {
        Set<String> wanted = referenced();
        assertThat(wanted).contains("costwarden_events_in_total", "costwarden_dlq_total", "costwarden_findings_total",
                "costwarden_actions_total", "costwarden_actions_blocked_total", "costwarden_spend_rate_usd_per_hour",
                "costwarden_detection_latency_seconds_bucket", "kafka_consumer_fetch_manager_records_lag_max");
        byte[] launches = getClass().getResourceAsStream("/demo/scenario/synthetic-gpu-launches.json").readAllBytes();
        given().header("x-api-key", "test-ingest-key").contentType("application/json").body(launches)
                .post("/ingest/cloudtrail").then().statusCode(200);
        given().header("x-api-key", "test-ingest-key").contentType("application/json")
                .body("{\"Records\":[{\"eventVersion\":\"1.08\",\"eventTime\":\"not a time\"}]}")
                .post("/ingest/cloudtrail");
        byte[] metrics = getClass().getResourceAsStream("/demo/scenario/synthetic-idle-gpu-metrics.firehose.json")
                .readAllBytes();
        given().header("X-Amz-Firehose-Request-Id", "metrics-contract").header("X-Amz-Firehose-Access-Key",
                "test-firehose-key").contentType("application/json").body(metrics).post("/ingest/firehose")
                .then().statusCode(200);

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Set<String> names = exported(given().get("/q/metrics").then().statusCode(200).extract().asString());
            assertThat(names).containsAll(wanted);
        });
    }

    @Test
    void noCostwardenMetricCarriesAResourceId() {
        String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(scrape.lines().filter(l -> l.startsWith("costwarden_")))
                .noneMatch(l -> l.contains("arn:aws") || l.matches(".*\"i-[0-9a-f]{8,}\".*"));
    }
}
