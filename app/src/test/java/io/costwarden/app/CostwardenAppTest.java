package io.costwarden.app;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.model.DeadLetter;
import io.costwarden.model.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The walking skeleton end to end: the app starts its own in-JVM Kafka broker and all three roles; a
 * real CloudTrail log file goes in over HTTP; the finding, the dry-run stop and the inventory come
 * out of the REST API.
 */
@QuarkusTest
@WithTestResource(FreshDataDir.class)
class CostwardenAppTest {
    @Inject
    KafkaCluster kafka;

    static io.restassured.specification.RequestSpecification ingest() {
        return given().header("x-api-key", "test-ingest-key");
    }

    @Test
    void ingestEndpointsRequireTheirOwnCredentials() {
        byte[] body = Samples.text("demo/scenario/cloudtrail-user-guide__cloudtrail-log-file-examples__block3.json")
                .getBytes(StandardCharsets.UTF_8);
        given().body(body).post("/ingest/cloudtrail").then().statusCode(401)
                .body("error", equalTo("missing or wrong ingest credentials (x-api-key or basic auth)"));
        given().header("x-api-key", "test-ingest-kez").body(body).post("/ingest/events").then().statusCode(401);
        given().auth().preemptive().basic("eventbridge", "wrong").body(body).post("/ingest/events").then().statusCode(401);
        given().auth().preemptive().basic("eventbridge", "s3cret").body(body).post("/ingest/events").then().statusCode(200);
        ingest().body(body).post("/ingest/cloudtrail").then().statusCode(200);
    }

    /** The app may have just started for this class; the inventory answers 503 until its store is up. */
    @BeforeEach
    void inventoryAnswering() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/resources").then().statusCode(200));
    }

    @Test
    void aGpuLaunchThatBreaksPolicyBecomesAFindingAndADryRunStop() {
        ingest().body(Samples.gzippedLogFile(Samples.text(Samples.GPU_LAUNCH)))
                .post("/ingest/cloudtrail")
                .then().statusCode(200).body("accepted", equalTo(1)).body("byVerb.LAUNCH", equalTo(1));

        JsonPath finding = await().atMost(Duration.ofSeconds(60)).until(
                () -> given().queryParam("resource", Samples.GPU_ARN).get("/api/findings").then().statusCode(200)
                        .extract().jsonPath(),
                json -> json.getInt("total") == 1);
        assertThat(finding.getString("items[0].policy")).isEqualTo("gpu-launch-needs-team-tag");
        assertThat(finding.getList("items[0].violations", String.class)).containsExactly(
                "instance type p2.xlarge is not allowed (allowed: t3.*, m5.*, g5.xlarge)",
                "missing required tags: owner, team");
        String findingId = finding.getString("items[0].id");

        JsonPath action = await().atMost(Duration.ofSeconds(60)).until(
                () -> given().queryParam("finding", findingId).get("/api/actions").then().statusCode(200)
                        .extract().jsonPath(),
                json -> json.getInt("total") == 1);
        assertThat(action.getString("items[0].outcome")).isEqualTo("DRY_RUN");
        assertThat(action.getString("items[0].request.body"))
                .isEqualTo("Action=StopInstances&Version=2016-11-15&InstanceId.1=" + Samples.GPU_INSTANCE);
        assertThat(action.getString("items[0].request.url")).isEqualTo("https://ec2.us-west-2.amazonaws.com");

        given().urlEncodingEnabled(false).get("/api/resources/" + URLEncoder.encode(Samples.GPU_ARN, StandardCharsets.UTF_8))
                .then().log().ifValidationFails().statusCode(200)
                .body("instanceType", equalTo("p2.xlarge"))
                .body("gpuCount", equalTo(1))
                .body("state", equalTo("pending"))
                .body("launchedBy", equalTo("arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling"));
        given().queryParam("kind", "ec2-instance").get("/api/resources").then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.hasItem(Samples.GPU_ARN));

        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("costwarden_events_in_total{source=\"cloudtrail\",verb=\"LAUNCH\"}"))
                .body(containsString("costwarden_findings_total{detector=\"launch\",policy=\"gpu-launch-needs-team-tag\",state=\"open\"}"))
                .body(containsString("costwarden_actions_total{action=\"stop\",outcome=\"DRY_RUN\"}"));
    }

    @Test
    void aBrokenRecordIsReportedPreciselyDeadLetteredAndTheRestIngested() {
        String good = Samples.text("demo/scenario/cloudtrail-user-guide__cloudtrail-log-file-examples__block3.json");
        String record = good.substring(good.indexOf('[') + 1, good.lastIndexOf(']'));
        String marker = UUID.randomUUID().toString();
        String broken = record.replace("2014-03-06T21:22:54Z", "not-a-time-" + marker);
        String other = record.replace("i-ebeaf9e2", "i-0fedcba9876543210");

        JsonPath report = ingest().body(Samples.gzippedLogFile(record, broken, other)).post("/ingest/cloudtrail")
                .then().statusCode(200).extract().jsonPath();
        assertThat(report.getInt("accepted")).isEqualTo(2);
        assertThat(report.getInt("rejected")).isEqualTo(1);
        assertThat(report.getList("errors", String.class))
                .containsExactly("Records[1].eventTime: not an ISO-8601 time: 'not-a-time-" + marker + "'");

        Map<String, Object> props = new HashMap<>(kafka.clientSettings());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-test-" + marker);
        try (KafkaConsumer<String, DeadLetter> dlq = new KafkaConsumer<>(props, new StringDeserializer(),
                Topics.DLQ.valueSerde().deserializer())) {
            dlq.subscribe(List.of(Topics.DLQ.name()));
            List<DeadLetter> letters = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                dlq.poll(Duration.ofMillis(200)).forEach(r -> letters.add(r.value()));
                return letters.stream().anyMatch(l -> l.raw().contains(marker));
            });
            DeadLetter letter = letters.stream().filter(l -> l.raw().contains(marker)).findFirst().orElseThrow();
            assertThat(letter.source()).isEqualTo("http:/ingest/cloudtrail");
            assertThat(letter.location()).isEqualTo("Records[1].eventTime");
            assertThat(letter.reason()).startsWith("not an ISO-8601 time");
        }
    }

    @Test
    void unreadableBodiesGetA400NamingTheProblem() {
        ingest().body("this is not json").post("/ingest/cloudtrail")
                .then().statusCode(400).body("rejected", equalTo(1)).body("errors[0]", containsString("not JSON"));
        ingest().body(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0}).post("/ingest/cloudtrail")
                .then().statusCode(400).body("errors[0]", equalTo("gzip input is truncated"));
    }

    @Test
    void apiErrorsAreConsistentJson() {
        given().urlEncodingEnabled(false).get("/api/resources/" + URLEncoder.encode("arn:aws:ec2:us-east-1:1:instance/i-nope", StandardCharsets.UTF_8))
                .then().statusCode(404).body("status", equalTo(404)).body("error", containsString("i-nope"));
        given().queryParam("limit", 0).get("/api/findings")
                .then().statusCode(400).body("error", equalTo("limit must be between 1 and 1000, was 0"));
        given().queryParam("offset", "ten").get("/api/resources")
                .then().statusCode(400).body("error", equalTo("offset must be a whole number, was 'ten'"));
        given().queryParam("outcome", "maybe").get("/api/actions")
                .then().statusCode(400).body("error", containsString("outcome must be one of"));
    }

    @Test
    void readyOnceEveryRoleRuns() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP")));
    }

    @Test
    void theKillSwitchIsARecordEveryExecutorFollows() {
        given().header("x-api-key", "wrong").post("/api/actions/pause").then().statusCode(401);
        given().header("x-api-key", "test-admin-key").queryParam("reason", "incident 42").queryParam("by", "ops")
                .post("/api/actions/pause").then().statusCode(200)
                .body("paused", equalTo(true)).body("reason", equalTo("incident 42"));
        Map<String, Object> props = new HashMap<>(kafka.clientSettings());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "control-test-" + UUID.randomUUID());
        try (KafkaConsumer<String, io.costwarden.model.ActionsControl> consumer = new KafkaConsumer<>(props,
                new StringDeserializer(), Topics.CONTROL.valueSerde().deserializer())) {
            consumer.subscribe(List.of(Topics.CONTROL.name()));
            List<io.costwarden.model.ActionsControl> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                return seen.stream().anyMatch(c -> c.paused() && c.by().equals("ops"));
            });
        }
        given().header("x-api-key", "test-admin-key").post("/api/actions/resume").then().statusCode(200)
                .body("paused", equalTo(false));
    }
}
