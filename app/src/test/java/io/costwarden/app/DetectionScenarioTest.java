package io.costwarden.app;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The detection issue's end-to-end scenario over the in-JVM broker and the real app: an idle GPU
 * notebook, a runaway p4d fleet, an untagged launch and a compliant spot launch produce exactly the
 * expected findings and no others. Inputs go in as AWS sends them (CloudTrail over HTTP, Metric Streams
 * through the Firehose endpoint); findings come out of the API.
 */
@QuarkusTest
@WithTestResource(FreshDataDir.class)
@TestProfile(DetectionScenarioTest.ScenarioPolicies.class)
class DetectionScenarioTest {
    public static class ScenarioPolicies implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("costwarden.policies.file", Path.of("src/test/resources/scenario/policies.yaml").toAbsolutePath().toString());
        }
    }

    static final String ACCOUNT = "123456789012";
    static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(90));

    static String tags(Map<String, String> tags) {
        List<String> items = new ArrayList<>();
        tags.forEach((k, v) -> items.add("{\"key\":\"" + k + "\",\"value\":\"" + v + "\"}"));
        return "[" + String.join(",", items) + "]";
    }

    static String runInstances(String eventId, String type, List<String> instanceIds, Map<String, String> tags, boolean spot) {
        List<String> instances = new ArrayList<>();
        for (String id : instanceIds) {
            instances.add("""
                    {"instanceId":"%s","instanceType":"%s","instanceState":{"code":0,"name":"pending"},
                     "placement":{"availabilityZone":"us-east-1a"},"tagSet":{"items":%s}%s}"""
                    .formatted(id, type, tags(tags), spot ? ",\"instanceLifecycle\":\"spot\"" : ""));
        }
        return """
                {"eventVersion":"1.10","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::%1$s:user/ana","accountId":"%1$s"},
                 "eventTime":"%2$s","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"us-east-1",
                 "requestParameters":{"instanceType":"%3$s","instancesSet":{"items":[{"minCount":%4$d,"maxCount":%4$d}]},
                   "tagSpecificationSet":{"items":[{"resourceType":"instance","tags":%5$s}]}%6$s},
                 "responseElements":{"instancesSet":{"items":[%7$s]}},
                 "eventID":"%8$s","eventType":"AwsApiCall","recipientAccountId":"%1$s"}"""
                .formatted(ACCOUNT, T0, type, instanceIds.size(), tags(tags),
                        spot ? ",\"instanceMarketOptions\":{\"marketType\":\"spot\"}" : "", String.join(",", instances), eventId);
    }

    static String createNotebook(String name, String type, Map<String, String> tags) {
        return """
                {"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::%1$s:user/bo","accountId":"%1$s"},
                 "eventTime":"%2$s","eventSource":"sagemaker.amazonaws.com","eventName":"CreateNotebookInstance",
                 "awsRegion":"eu-west-1","requestParameters":{"notebookInstanceName":"%3$s","instanceType":"%4$s","tags":%5$s},
                 "responseElements":{"notebookInstanceArn":"arn:aws:sagemaker:eu-west-1:%1$s:notebook-instance/%3$s"},
                 "eventID":"scenario-notebook-%3$s","eventType":"AwsApiCall","recipientAccountId":"%1$s"}"""
                .formatted(ACCOUNT, T0, name, type, tags(tags));
    }

    /** What deploy/sagemaker/notebook-activity publishes each minute for a notebook idle since T0. */
    static String notebookMinutes(String name, int minutes) {
        StringBuilder lines = new StringBuilder();
        for (int m = 1; m <= minutes; m++) {
            long at = T0.plus(Duration.ofMinutes(m)).toEpochMilli();
            for (var metric : Map.of("SecondsSinceLastActivity", m * 60.0, "BusyKernels", 0.0).entrySet()) {
                lines.append("""
                        {"metric_stream_name":"costwarden","account_id":"%s","region":"eu-west-1","namespace":"Costwarden/Notebook",\
                        "metric_name":"%s","dimensions":{"NotebookInstanceName":"%s"},"timestamp":%d,\
                        "value":{"max":%s,"min":%s,"sum":%s,"count":1.0},"unit":"None"}
                        """.formatted(ACCOUNT, metric.getKey(), name, at, metric.getValue(), metric.getValue(), metric.getValue()));
            }
        }
        return "{\"requestId\":\"scenario-1\",\"timestamp\":" + Instant.now().toEpochMilli() + ",\"records\":[{\"data\":\""
                + Base64.getEncoder().encodeToString(lines.toString().getBytes(StandardCharsets.UTF_8)) + "\"}]}";
    }

    @Test
    void exactlyTheExpectedFindingsAndNoOthers() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/resources").then().statusCode(200));
        String fleet = runInstances("scenario-fleet", "p4d.24xlarge",
                List.of("i-0f1ee7000000000a1", "i-0f1ee7000000000a2", "i-0f1ee7000000000a3", "i-0f1ee7000000000a4"),
                Map.of("team", "ml-research", "env", "prod"), false);
        String untagged = runInstances("scenario-untagged", "m5.large", List.of("i-0badc0ffee0000001"), Map.of("Name", "tmp"), false);
        String spot = runInstances("scenario-spot", "g5.xlarge", List.of("i-0a00d5b0700000001"),
                Map.of("team", "vision", "env", "dev"), true);
        String notebook = createNotebook("idle-gpu-book", "ml.g5.xlarge", Map.of("team", "nlp"));
        given().header("x-api-key", "test-ingest-key").body(Samples.gzippedLogFile(fleet, untagged, spot, notebook))
                .post("/ingest/cloudtrail").then().statusCode(200)
                .body("accepted", org.hamcrest.Matchers.equalTo(7));
        given().header("X-Amz-Firehose-Request-Id", "scenario-1").header("X-Amz-Firehose-Access-Key", "test-firehose-key")
                .contentType("application/json").body(notebookMinutes("idle-gpu-book", 65))
                .post("/ingest/firehose").then().statusCode(200);

        JsonPath findings = await().atMost(Duration.ofSeconds(60)).until(
                () -> given().queryParam("limit", "100").get("/api/findings").then().statusCode(200).extract().jsonPath(),
                json -> json.getInt("total") >= 3);
        // Give any stray finding time to appear: the pipeline is idle once actions have caught up too.
        await().atMost(Duration.ofSeconds(30)).until(() -> given().queryParam("state", "open").get("/api/findings")
                .then().extract().jsonPath().getInt("total") == 0);
        findings = given().queryParam("limit", "100").get("/api/findings").then().extract().jsonPath();

        List<String> seen = new ArrayList<>();
        for (int i = 0; i < findings.getInt("total"); i++) {
            String subject = findings.getString("items[" + i + "].resourceId");
            seen.add(findings.getString("items[" + i + "].policy") + " " + (subject.isEmpty()
                    ? findings.getString("items[" + i + "].group") : subject) + " " + findings.getString("items[" + i + "].state"));
        }
        assertThat(seen).containsExactlyInAnyOrder(
                "idle-gpu-notebooks arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/idle-gpu-book acted",
                "team-gpu-spend team=ml-research acted",
                "team-tag-required arn:aws:ec2:us-east-1:123456789012:instance/i-0badc0ffee0000001 acted");

        JsonPath spend = given().queryParam("group", "team=ml-research").get("/api/findings").then().extract().jsonPath();
        // Opened by the third p4d: the moment the rate crossed $50/h (3 x $21.957642, the bundled us-east-1 price); the fourth adds to the same finding.
        assertThat(spend.getString("items[0].violations[0]"))
                .isEqualTo("team=ml-research (GPU resources) spends $65.87/h, above the limit of $50.00/h (3 running resources)");
        double rate = given().urlEncodingEnabled(false).get("/api/spend/team=ml-research").then().statusCode(200)
                .extract().jsonPath().getDouble("gpu.rateUsdPerHour");
        assertThat(rate).isCloseTo(4 * 21.957642, org.assertj.core.data.Offset.offset(0.01));
        assertThat(given().queryParam("state", "acted").queryParam("policy", "team-tag-required").get("/api/findings")
                .then().extract().jsonPath().getInt("total")).isEqualTo(1);
        given().queryParam("state", "sideways").get("/api/findings").then().statusCode(400);
    }
}
