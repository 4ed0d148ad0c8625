package io.costwarden.actions;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ActionsControl;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The executor's guardrails through the real topology, with enforced stops sent over HTTP to WireMock:
 * the kill switch, the account allowlist, and the blast-radius limits for any interleaving of requests.
 */
class GuardrailsTest {
    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    static final String OK = """
            <StopInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <requestId>req-1</requestId><instancesSet/></StopInstancesResponse>""";
    static final String RUNNING = """
            <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <requestId>req-0</requestId><reservationSet><item><instancesSet><item><instanceId>i-x</instanceId>
              <instanceState><code>16</code><name>running</name></instanceState></item></instancesSet></item></reservationSet>
            </DescribeInstancesResponse>""";
    /** Only the stops count: every enforced stop is preceded by a DescribeInstances. */
    static final RequestPatternBuilder STOPS = postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=StopInstances&"));

    private WireMockServer aws;
    private AwsClients clients;
    private TopologyTestDriver driver;
    private TestInputTopic<String, ActionRequest> requests;
    private TestInputTopic<String, ActionsControl> control;
    private TestOutputTopic<String, ActionResult> results;

    @BeforeEach
    void aws() {
        aws = new WireMockServer(options().dynamicPort());
        aws.start();
        aws.stubFor(post("/").withRequestBody(containing("Action=StopInstances&"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(OK)));
        aws.stubFor(post("/").withRequestBody(containing("Action=DescribeInstances&"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(RUNNING)));
        clients = new AwsClients(Optional.of(URI.create("http://localhost:" + aws.port())),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")));
    }

    void start(Guardrails guardrails) {
        Executor executor = Executor.over(clients, false, new SimpleMeterRegistry(), Clock.systemUTC());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "guardrails-test");
        driver = new TopologyTestDriver(ExecutorTopology.build(executor, guardrails, new SimpleMeterRegistry()), props, T0);
        requests = driver.createInputTopic(Topics.ACTIONS.name(), Topics.ACTIONS.keySerde().serializer(),
                Topics.ACTIONS.valueSerde().serializer());
        control = driver.createInputTopic(Topics.CONTROL.name(), Topics.CONTROL.keySerde().serializer(),
                Topics.CONTROL.valueSerde().serializer());
        results = driver.createOutputTopic(Topics.ACTION_RESULTS.name(), Topics.ACTION_RESULTS.keySerde().deserializer(),
                Topics.ACTION_RESULTS.valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
        clients.close();
        aws.stop();
    }

    static ActionRequest stop(String policy, String account, String instance) {
        ResourceKind kind = ResourceKind.EC2_INSTANCE;
        String arn = kind.arn("us-east-1", account, instance);
        String findingId = Ids.finding(policy, arn, "event:" + instance);
        return new ActionRequest(ActionRequest.SCHEMA_VERSION, Ids.action(findingId, ActionKind.STOP), findingId, policy,
                "v1", ActionKind.STOP, Mode.ENFORCE, arn, kind, instance, account, "us-east-1", T0);
    }

    void send(ActionRequest r) {
        requests.pipeInput(r.resourceId(), r);
    }

    @Test
    void aPauseStopsEveryEnforcedActionUntilResumed() {
        start(Guardrails.DEFAULTS);
        control.pipeInput(ActionsControl.KEY, new ActionsControl(ActionsControl.SCHEMA_VERSION, true, "ops", "incident", T0));
        send(stop("p", "123456789012", "i-1"));
        assertThat(results.readValue()).satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SKIPPED);
            assertThat(r.errorCode()).isEqualTo("ActionsPaused");
        });
        aws.verify(0, postRequestedFor(urlEqualTo("/")));
        control.pipeInput(ActionsControl.KEY, new ActionsControl(ActionsControl.SCHEMA_VERSION, false, "ops", "over", T0));
        send(stop("p", "123456789012", "i-1"));
        assertThat(results.isEmpty()).as("a blocked action is recorded once and not retried").isTrue();
        send(stop("p", "123456789012", "i-2"));
        assertThat(results.readValue().outcome()).isEqualTo(Outcome.SUCCEEDED);
        aws.verify(1, STOPS);
    }

    @Test
    void onlyAllowedAccountsAreActedOn() {
        start(new Guardrails(Set.of("111111111111"), 10, 50, Duration.ofHours(1)));
        send(stop("p", "222222222222", "i-1"));
        send(stop("p", "111111111111", "i-2"));
        List<ActionResult> out = results.readValuesToList();
        assertThat(out).extracting(ActionResult::errorCode).containsExactly("AccountNotAllowed", "");
        assertThat(out).extracting(ActionResult::outcome).containsExactly(Outcome.SKIPPED, Outcome.SUCCEEDED);
    }

    @Test
    void dryRunsNeitherCountNorAreBlocked() {
        start(new Guardrails(Set.of(), 1, 1, Duration.ofHours(1)));
        for (int i = 0; i < 3; i++) {
            ActionRequest enforce = stop("p", "123456789012", "i-" + i);
            send(new ActionRequest(enforce.schemaVersion(), enforce.actionId(), enforce.findingId(), "p", "v1",
                    ActionKind.STOP, Mode.DRY_RUN, enforce.resourceId(), enforce.kind(), enforce.nativeId(),
                    enforce.account(), enforce.region(), T0));
        }
        assertThat(results.readValuesToList()).extracting(ActionResult::outcome).containsOnly(Outcome.DRY_RUN);
    }

    static Stream<Long> seeds() {
        return IntStream.range(0, 20).mapToObj(i -> (long) i);
    }

    /**
     * For generated interleavings of requests from several policies, at generated times: no sliding
     * window ever holds more enforced calls than the limits allow, per policy or in all; every request has
     * exactly one result; a blocked request is never sent later; AWS saw exactly the calls recorded as sent.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void theBlastRadiusLimitHoldsForAnyInterleaving(long seed) {
        Random random = new Random(seed);
        int perPolicy = 1 + random.nextInt(4);
        int global = perPolicy + random.nextInt(6);
        Duration window = Duration.ofMinutes(10 + random.nextInt(50));
        start(new Guardrails(Set.of(), perPolicy, global, window));
        List<Instant> sentAt = new ArrayList<>();
        List<String> sentPolicy = new ArrayList<>();
        Instant now = T0;
        int n = 20 + random.nextInt(60);
        for (int i = 0; i < n; i++) {
            Duration gap = Duration.ofSeconds(random.nextInt(random.nextBoolean() ? 30 : 900));
            driver.advanceWallClockTime(gap);
            now = now.plus(gap);
            String policy = "p" + random.nextInt(4);
            send(stop(policy, "123456789012", "i-" + seed + "-" + i));
            ActionResult r = results.readValue();
            assertThat(r.outcome()).isIn(Outcome.SUCCEEDED, Outcome.SKIPPED);
            if (r.outcome() == Outcome.SUCCEEDED) {
                sentAt.add(now);
                sentPolicy.add(policy);
            } else {
                assertThat(r.errorCode()).isEqualTo("BlastRadiusLimit");
            }
        }
        assertThat(results.isEmpty()).isTrue();
        aws.verify(sentAt.size(), STOPS);
        for (int i = 0; i < sentAt.size(); i++) {
            Instant end = sentAt.get(i);
            Instant start = end.minus(window);
            long all = 0;
            long mine = 0;
            for (int j = 0; j <= i; j++) {
                if (sentAt.get(j).isAfter(start)) {
                    all++;
                    mine += sentPolicy.get(j).equals(sentPolicy.get(i)) ? 1 : 0;
                }
            }
            assertThat(all).as("calls in the window ending at call %d", i).isLessThanOrEqualTo(global);
            assertThat(mine).as("calls of %s in the window ending at call %d", sentPolicy.get(i), i).isLessThanOrEqualTo(perPolicy);
        }
        assertThat(sentAt).as("the limits are not vacuous: something was sent").isNotEmpty();
    }
}
