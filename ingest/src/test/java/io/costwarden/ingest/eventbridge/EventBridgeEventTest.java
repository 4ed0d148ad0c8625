package io.costwarden.ingest.eventbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.ParseResult;
import io.costwarden.ingest.cloudtrail.CloudTrailParser;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.Verb;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** EventBridge deliveries through the same parser the /ingest/events endpoint uses. */
class EventBridgeEventTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T00:00:00Z"), ZoneOffset.UTC);
    private final CloudTrailParser parser = new CloudTrailParser(InstanceCatalog.bundled(), InputLimits.DEFAULT, CLOCK);

    static Stream<Path> samples() throws IOException, URISyntaxException {
        Path dir = Path.of(EventBridgeEventTest.class.getResource("/samples/eventbridge").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList().stream();
        }
    }

    static String sample(String name) {
        try (InputStream in = EventBridgeEventTest.class.getResourceAsStream("/samples/eventbridge/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every published sample is an event, a counted skip, or a precise error: documentation samples with
     * placeholder times, and powertools' fixture that spells the field {@code instance_id} (AWS sends
     * {@code instance-id}).
     */
    @ParameterizedTest
    @MethodSource("samples")
    void everyPublishedSampleIsUsedSkippedOrPreciselyRefused(Path sample) throws IOException {
        String text = Files.readString(sample);
        ParseResult r = parser.parse(text.getBytes(StandardCharsets.UTF_8));
        assertThat(r.records()).isEqualTo(1);
        if (!r.errors().isEmpty()) {
            assertThat(r.errors()).singleElement().satisfies(e -> {
                if (e.location().equals("time")) {
                    assertThat(text).containsAnyOf("yyyy-mm-dd", "\"1583831889050\"");
                } else {
                    assertThat(e.describe()).isEqualTo("detail.instance-id: missing");
                    assertThat(text).contains("\"instance_id\"");
                }
            });
        } else {
            assertThat(r.events().size() + r.skipped().size()).isPositive();
        }
    }

    @Test
    void stateChangesMoveTheInventoryAndTransitionsAreSkipped() {
        ParseResult terminated = parser.parse(sample("eventbridge-user-guide__eb-events__block1.json").getBytes(StandardCharsets.UTF_8));
        assertThat(terminated.events()).singleElement().satisfies(e -> {
            assertThat(e.verb()).isEqualTo(Verb.TERMINATE);
            assertThat(e.eventId()).isEqualTo("6a7e8feb-b491-4cf7-a9f1-bf3703467718");
            assertThat(e.resourceId()).endsWith(":instance/i-1234567890abcdef0");
            assertThat(e.time()).isEqualTo(Instant.parse("2017-12-22T18:43:48Z"));
        });
        ParseResult pending = parser.parse(sample("ec2-user-guide__monitoring-instance-state-changes__block1.json")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(pending.skipped()).containsEntry("transitional-state:pending", 1);
    }

    @Test
    void spotInterruptionMarksTheInstanceSpot() {
        // The published sample's time is the placeholder "yyyy-mm-ddThh:mm:ssZ"; a real time is put in.
        String event = sample("ec2-user-guide__spot-instance-termination-notices__block1.json")
                .replace("yyyy-mm-ddThh:mm:ssZ", "2026-11-20T10:00:00Z");
        ResourceEvent e = parser.parse(event.getBytes(StandardCharsets.UTF_8)).events().get(0);
        assertThat(e.verb()).isEqualTo(Verb.SPOT_INTERRUPTION);
        assertThat(e.purchase()).isEqualTo(PurchaseOption.SPOT);
        assertThat(e.nativeId()).isEqualTo("i-1234567890abcdef0");
    }

    @Test
    void autoScalingLaunchesAndTerminationsCarryTheGroup() {
        // The published samples' time is the placeholder "yyyy-mm-ddThh:mm:ssZ"; a real time is put in.
        String launch = sample("ec2-auto-scaling-user-guide__ec2-auto-scaling-event-reference__block2.json")
                .replace("yyyy-mm-ddThh:mm:ssZ", "2026-11-20T10:00:00Z");
        ResourceEvent e = parser.parse(launch.getBytes(StandardCharsets.UTF_8)).events().get(0);
        assertThat(e.verb()).isEqualTo(Verb.START);
        assertThat(e.tags()).containsKey("aws:autoscaling:groupName");
        String terminate = sample("ec2-auto-scaling-user-guide__ec2-auto-scaling-event-reference__block5.json")
                .replace("yyyy-mm-ddThh:mm:ssZ", "2026-11-20T11:00:00Z");
        assertThat(parser.parse(terminate.getBytes(StandardCharsets.UTF_8)).events()).singleElement()
                .satisfies(t -> assertThat(t.verb()).isEqualTo(Verb.TERMINATE));
    }

    @Test
    void sageMakerTrainingJobsAndEndpointsFollowTheirStateChanges() {
        ResourceEvent done = parser.parse(sample("sagemaker-developer-guide__automating-sagemaker-with-eventbridge__block1.json")
                .getBytes(StandardCharsets.UTF_8)).events().get(0);
        assertThat(done.verb()).as("Completed").isEqualTo(Verb.TERMINATE);
        assertThat(done.kind()).isEqualTo(io.costwarden.model.ResourceKind.SAGEMAKER_TRAINING_JOB);
        assertThat(done.count()).isEqualTo(3);
        // The published endpoint sample's time is epoch milliseconds in a string; a real time is put in.
        String endpoint = sample("sagemaker-developer-guide__automating-sagemaker-with-eventbridge__block4.json")
                .replace("\"1583831889050\"", "\"2020-03-10T09:18:09Z\"");
        ResourceEvent inService = parser.parse(endpoint.getBytes(StandardCharsets.UTF_8)).events().get(0);
        assertThat(inService.verb()).isEqualTo(Verb.START);
        assertThat(inService.resourceId()).isEqualTo("arn:aws:sagemaker:us-west-2:123456789012:endpoint/myendpoint");
    }

    @Test
    void aPlaceholderTimeIsRefusedPrecisely() {
        ParseResult r = parser.parse(sample("ec2-user-guide__rebalance-recommendations__block1.json").getBytes(StandardCharsets.UTF_8));
        assertThat(r.errors()).singleElement().satisfies(e ->
                assertThat(e.describe()).isEqualTo("time: not an ISO-8601 time: 'yyyy-mm-ddThh:mm:ssZ'"));
    }
}
