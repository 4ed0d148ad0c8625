package io.costwarden.app;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Undo through the running app: an enforced stop executed by the actions role against WireMock, then
 * {@code POST /api/actions/{id}/undo} (and the {@code costwarden undo} command) sends StartInstances once;
 * wrong keys, unknown actions and a second undo are refused with the reason.
 */
@QuarkusTest
@WithTestResource(FakeAwsEndpoint.class)
class UndoApiTest {
    private static final String ACCOUNT = "123456789012";
    private static final String REGION = "us-east-1";

    @Inject
    KafkaCluster kafka;

    private void stubInstance(String id) {
        String running = describe(id, 16, "running");
        String stopped = describe(id, 80, "stopped");
        String scenario = "instance-" + id;
        FakeAwsEndpoint.server.stubFor(post("/").withRequestBody(containing("Action=DescribeInstances&"))
                .withRequestBody(containing("InstanceId.1=" + id)).inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("stopped").willReturn(xml(running)));
        FakeAwsEndpoint.server.stubFor(post("/").withRequestBody(containing("Action=DescribeInstances&"))
                .withRequestBody(containing("InstanceId.1=" + id)).inScenario(scenario).whenScenarioStateIs("stopped")
                .willReturn(xml(stopped)));
        FakeAwsEndpoint.server.stubFor(post("/").withRequestBody(containing("Action=StopInstances&"))
                .willReturn(xml("<StopInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>s-1"
                        + "</requestId><instancesSet/></StopInstancesResponse>")));
        FakeAwsEndpoint.server.stubFor(post("/").withRequestBody(containing("Action=StartInstances&"))
                .willReturn(xml("<StartInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>st-1"
                        + "</requestId><instancesSet/></StartInstancesResponse>")));
    }

    private static String describe(String id, int code, String state) {
        return "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>d</requestId>"
                + "<reservationSet><item><instancesSet><item><instanceId>" + id + "</instanceId><instanceState><code>" + code
                + "</code><name>" + state + "</name></instanceState></item></instancesSet></item></reservationSet>"
                + "</DescribeInstancesResponse>";
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder xml(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(body);
    }

    /** An enforced stop, as the decisions topology would request it, executed by the running actions role. */
    private String enforcedStop(String instance) throws Exception {
        stubInstance(instance);
        ResourceKind kind = ResourceKind.EC2_INSTANCE;
        String arn = kind.arn(REGION, ACCOUNT, instance);
        String findingId = Ids.finding("idle-hosts", arn, "window:1");
        ActionRequest r = new ActionRequest(ActionRequest.SCHEMA_VERSION, Ids.action(findingId, ActionKind.STOP), findingId,
                "idle-hosts", "v1", ActionKind.STOP, Mode.ENFORCE, arn, kind, instance, ACCOUNT, REGION, Instant.now());
        try (KafkaProducer<String, ActionRequest> producer = new KafkaProducer<>(Map.copyOf(kafka.clientSettings()),
                Topics.ACTIONS.keySerde().serializer(), Topics.ACTIONS.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.ACTIONS.name(), arn, r)).get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/actions/" + r.actionId()).then()
                .statusCode(200).body("outcome", equalTo("SUCCEEDED")).body("previous.state", equalTo("running")));
        return r.actionId();
    }

    @Test
    void anOperatorUndoesAStopOnceAndASecondUndoIsRefused() throws Exception {
        String stopped = enforcedStop("i-0undo00000000001");

        given().header("x-api-key", "wrong").post("/api/actions/" + stopped + "/undo").then().statusCode(401);
        given().header("x-api-key", "test-admin-key").post("/api/actions/no-such-action/undo").then().statusCode(404)
                .body("error", containsString("no action no-such-action"));
        String undoId = given().header("x-api-key", "test-admin-key").queryParam("by", "ana")
                .post("/api/actions/" + stopped + "/undo").then().statusCode(202)
                .body("undoOf", equalTo(stopped)).body("requestedBy", equalTo("ana"))
                .extract().path("undoActionId");

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/actions/" + undoId).then()
                .statusCode(200).body("outcome", equalTo("SUCCEEDED")).body("undoOf", equalTo(stopped))
                .body("requestedBy", equalTo("ana")).body("request.operation", equalTo("StartInstances")));
        FakeAwsEndpoint.server.verify(1, postRequestedFor(urlEqualTo("/"))
                .withRequestBody(containing("Action=StartInstances&Version=2016-11-15&InstanceId.1=i-0undo00000000001")));
        given().header("x-api-key", "test-admin-key").post("/api/actions/" + stopped + "/undo").then().statusCode(409)
                .body("error", containsString("was already undone by " + undoId));
    }

    @Test
    void theUndoCommandAsksTheRunningAppAndPrintsTheResult() throws Exception {
        String stopped = enforcedStop("i-0undo00000000002");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String url = "http://localhost:" + RestAssured.port;

        int exit = io.costwarden.app.cli.Undo.run(new String[] {stopped, "--url", url, "--by", "cli-test"},
                name -> name.equals("COSTWARDEN_API_KEY") ? "test-admin-key" : null, new PrintStream(out, true),
                new PrintStream(err, true));

        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"undoOf\":\"" + stopped + "\"").contains("SUCCEEDED");

        int again = io.costwarden.app.cli.Undo.run(new String[] {stopped, "--url", url},
                name -> "test-admin-key", new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true));
        assertThat(again).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("undo refused (409)");
    }
}
