package io.costwarden.actions;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.costwarden.actions.aws.AwsClients;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * WireMock standing in for EC2, SageMaker and STS on one endpoint (every call of these protocols is a POST
 * to "/"), with answers reduced from the ones AWS documents. Calls are told apart by the query protocol's
 * {@code Action} or the JSON protocol's {@code X-Amz-Target}.
 */
final class FakeAws implements AutoCloseable {
    static final String OWN_KEY = "AKIDEXAMPLE";
    /** The SDK's standard strategy with millisecond waits, so a throttling test takes no time. */
    static final AwsClients.Retries FAST = new AwsClients.Retries(3, Duration.ofMillis(1), Duration.ofMillis(1),
            Duration.ofMillis(5));

    final WireMockServer server = new WireMockServer(options().dynamicPort());

    FakeAws() {
        server.start();
        // SageMaker's Describe calls carry no tags; every enforced SageMaker action reads them with ListTags.
        // Untagged unless a test stubs them (a lower number wins in WireMock).
        server.stubFor(sageMaker("ListTags").atPriority(10).willReturn(json(200, "list-tags-req", "{\"Tags\":[]}")));
    }

    URI endpoint() {
        return URI.create("http://localhost:" + server.port());
    }

    AwsClients clients() {
        return clients(Optional.empty());
    }

    AwsClients clients(Optional<AwsClients.AssumeRole> role) {
        return new AwsClients(Optional.of(endpoint()), StaticCredentialsProvider.create(AwsBasicCredentials.create(OWN_KEY,
                "secret")), role, FAST);
    }

    // ---- stubs

    /** A query-protocol call (EC2, STS) by its Action. */
    static MappingBuilder query(String action) {
        return post("/").withRequestBody(containing("Action=" + action + "&"));
    }

    /** A SageMaker JSON-protocol call by its operation. */
    static MappingBuilder sageMaker(String operation) {
        return post("/").withHeader("X-Amz-Target", equalTo("SageMaker." + operation));
    }

    void stub(MappingBuilder call, ResponseDefinitionBuilder answer) {
        server.stubFor(call.willReturn(answer));
    }

    /**
     * The first matching call gets {@code first}, every later one {@code then}. A supplier: a WireMock mapping
     * builder is mutable, so each stub needs its own.
     */
    void stubFirstThen(Supplier<MappingBuilder> call, ResponseDefinitionBuilder first, ResponseDefinitionBuilder then) {
        String scenario = "first-then-" + server.getStubMappings().size();
        server.stubFor(call.get().inScenario(scenario).whenScenarioStateIs(Scenario.STARTED).willSetStateTo("answered")
                .willReturn(first));
        server.stubFor(call.get().inScenario(scenario).whenScenarioStateIs("answered").willReturn(then));
    }

    /**
     * Answers matching calls in order, the last one from then on: a resource passing through states while a
     * waiter polls it. A supplier, for the reason given at {@link #stubFirstThen}.
     */
    void stubSequence(Supplier<MappingBuilder> call, ResponseDefinitionBuilder... answers) {
        String scenario = "sequence-" + server.getStubMappings().size();
        for (int i = 0; i < answers.length; i++) {
            String state = i == 0 ? Scenario.STARTED : "answer-" + i;
            var b = call.get().inScenario(scenario).whenScenarioStateIs(state);
            server.stubFor((i < answers.length - 1 ? b.willSetStateTo("answer-" + (i + 1)) : b).willReturn(answers[i]));
        }
    }

    /** An EC2 answer: the element named for the action, with a request id and the given content. */
    static ResponseDefinitionBuilder ec2(String action, String requestId, String content) {
        return xml(200, "<" + action + "Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>" + requestId
                + "</requestId>" + content + "</" + action + "Response>");
    }

    /** An Auto Scaling answer, with its Result element and ResponseMetadata. */
    static ResponseDefinitionBuilder autoScaling(String action, String requestId, String result) {
        return xml(200, "<" + action + "Response xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><" + action
                + "Result>" + result + "</" + action + "Result><ResponseMetadata><RequestId>" + requestId
                + "</RequestId></ResponseMetadata></" + action + "Response>");
    }

    static ResponseDefinitionBuilder autoScalingError(int status, String code, String message, String requestId) {
        return xml(status, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error><Type>Sender</Type>"
                + "<Code>" + code + "</Code><Message>" + message + "</Message></Error><RequestId>" + requestId
                + "</RequestId></ErrorResponse>");
    }

    /**
     * DescribeInstances with one instance in full: what a replacement copies.
     *
     * @param extra more elements of the instance item (tagSet, instanceLifecycle)
     */
    static ResponseDefinitionBuilder ec2InstanceFull(String instanceId, String state, String type, String requestId,
            String extra) {
        return ec2("DescribeInstances", requestId, """
                <reservationSet><item><reservationId>r-0123456789abcdef0</reservationId><ownerId>123456789012</ownerId>
                  <instancesSet><item><instanceId>%s</instanceId><instanceType>%s</instanceType>
                    <instanceState><code>%d</code><name>%s</name></instanceState>
                    <placement><availabilityZone>us-east-1a</availabilityZone></placement>
                    <subnetId>subnet-0a1b2c3d</subnetId><keyName>ml-team</keyName>
                    <groupSet><item><groupId>sg-0aa11bb22</groupId><groupName>notebooks</groupName></item></groupSet>
                    <iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/notebook</arn><id>AIPAEXAMPLE</id></iamInstanceProfile>
                    %s
                  </item></instancesSet>
                </item></reservationSet>""".formatted(instanceId, type, ec2StateCode(state), state, extra));
    }

    static ResponseDefinitionBuilder xml(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "text/xml").withBody(body);
    }

    static ResponseDefinitionBuilder json(int status, String requestId, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withHeader("x-amzn-RequestId", requestId).withBody(body);
    }

    static ResponseDefinitionBuilder ec2Instance(String instanceId, String state, String requestId) {
        return xml(200, """
                <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
                  <requestId>%s</requestId>
                  <reservationSet><item><reservationId>r-0123456789abcdef0</reservationId><ownerId>123456789012</ownerId>
                    <instancesSet><item><instanceId>%s</instanceId><instanceType>g5.xlarge</instanceType>
                      <instanceState><code>%d</code><name>%s</name></instanceState>
                    </item></instancesSet>
                  </item></reservationSet>
                </DescribeInstancesResponse>""".formatted(requestId, instanceId, ec2StateCode(state), state));
    }

    static ResponseDefinitionBuilder ec2Stopping(String instanceId, String requestId) {
        return xml(200, """
                <StopInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
                  <requestId>%s</requestId>
                  <instancesSet><item><instanceId>%s</instanceId>
                    <currentState><code>64</code><name>stopping</name></currentState>
                    <previousState><code>16</code><name>running</name></previousState>
                  </item></instancesSet>
                </StopInstancesResponse>""".formatted(requestId, instanceId));
    }

    static ResponseDefinitionBuilder ec2Error(int status, String code, String message, String requestId) {
        return xml(status, """
                <Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors>
                <RequestID>%s</RequestID></Response>""".formatted(code, message, requestId));
    }

    static ResponseDefinitionBuilder sageMakerError(int status, String type, String message, String requestId) {
        return json(status, requestId, "{\"__type\":\"" + type + "\",\"Message\":\"" + message + "\"}");
    }

    private static int ec2StateCode(String state) {
        return switch (state) {
            case "pending" -> 0;
            case "running" -> 16;
            case "shutting-down" -> 32;
            case "terminated" -> 48;
            case "stopping" -> 64;
            default -> 80;
        };
    }

    // ---- what was received

    /** Every call received, in order, by operation: {@code DescribeInstances}, {@code StopNotebookInstance}, ... */
    List<String> calls() {
        return received().stream().map(FakeAws::operation).toList();
    }

    List<LoggedRequest> received() {
        return server.findAll(anyRequestedFor(anyUrl()));
    }

    /** The one received call of this operation; fails when there were none or several. */
    LoggedRequest only(String operation) {
        List<LoggedRequest> matching = received().stream().filter(r -> operation(r).equals(operation)).toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected one " + operation + ", received " + calls());
        }
        return matching.get(0);
    }

    static String operation(LoggedRequest r) {
        String target = r.getHeader("X-Amz-Target");
        if (target != null) {
            return target.substring(target.indexOf('.') + 1);
        }
        return Arrays.stream(r.getBodyAsString().split("&"))
                .filter(p -> p.startsWith("Action="))
                .map(p -> URLDecoder.decode(p.substring("Action=".length()), StandardCharsets.UTF_8))
                .findFirst().orElse("?");
    }

    @Override
    public void close() {
        server.stop();
    }
}
