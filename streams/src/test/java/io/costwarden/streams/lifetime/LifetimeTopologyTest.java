package io.costwarden.streams.lifetime;

import static io.costwarden.streams.Events.ACCOUNT;
import static io.costwarden.streams.Events.REGION;
import static io.costwarden.streams.Events.arn;
import static io.costwarden.streams.Events.event;
import static io.costwarden.streams.Events.launch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Ids;
import io.costwarden.model.JsonSerde;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Verb;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.Pipeline;
import io.costwarden.streams.decisions.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LifetimeTopologyTest {
    static final String FOUR_HOURS = """
            policies:
              - name: instances-live-four-hours
                resource: ec2-instance
                detect:
                  lifetime:
                    max: 4h
                action: stop
                mode: dry-run
            """;
    static final String POLICY = "instances-live-four-hours";
    static final Instant T = Instant.parse("2026-11-20T10:00:00Z");

    private Pipeline pipeline;

    private void start(String policyFile, Instant wallClock) throws InvalidPolicyException {
        PolicySet policies = PolicyFile.parse("policies.yaml", policyFile);
        pipeline = new Pipeline(() -> policies, new SimpleMeterRegistry(), wallClock,
                (builder, changes) -> LifetimeTopology.build(builder, changes, () -> policies));
    }

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private KeyValueStore<String, ResourceLife> store() {
        return pipeline.driver().getKeyValueStore(LifetimeTopology.STORE);
    }

    @Test
    void anInstanceRunningPastItsLifetimeIsAFindingAtTheNextHalfMinuteCheck() throws InvalidPolicyException {
        start(FOUR_HOURS, T);
        pipeline.send(launch("i-old", "g5.xlarge", 1, Map.of("team", "ml"), "2026-11-20T10:00:00Z"));

        pipeline.advance(Duration.ofHours(4));
        assertThat(pipeline.opened()).as("exactly four hours is not past a four-hour lifetime").isEmpty();

        pipeline.advance(LifetimeTopology.CHECK_EVERY);
        assertThat(pipeline.opened()).singleElement().satisfies(f -> {
            assertThat(f.policy()).isEqualTo(POLICY);
            assertThat(f.detector()).isEqualTo("lifetime");
            assertThat(f.resourceId()).isEqualTo(arn("i-old"));
            assertThat(f.id()).isEqualTo(Ids.finding(POLICY, arn("i-old"), "lifetime:" + T.toEpochMilli()));
            assertThat(f.violations()).containsExactly(
                    "running for 4h since its launch at 2026-11-20T10:00:00Z; the policy allows 4h");
            assertThat(f.figures()).containsEntry("maxHours", 4.0);
        });
    }

    @Test
    void aLaunchDeliveredAfterItsDeadlineIsAFindingAtOnce() throws InvalidPolicyException {
        start(FOUR_HOURS, T.plus(Duration.ofHours(5)));

        ResourceEvent late = launch("i-late", "p4d.24xlarge", 8, Map.of(), "2026-11-20T10:00:00Z");
        pipeline.send(late);

        assertThat(pipeline.opened()).singleElement().satisfies(f -> {
            assertThat(f.triggerEventId()).isEqualTo(late.eventId());
            assertThat(f.violations()).containsExactly(
                    "running for 5h since its launch at 2026-11-20T10:00:00Z; the policy allows 4h");
            assertThat(f.detectedAt()).isEqualTo(T.plus(Duration.ofHours(5)));
        });
    }

    @Test
    void aResourceWhoseLaunchWasNotSeenAgesFromTheFirstEventSeenUntilItsLaunchArrives() throws InvalidPolicyException {
        start(FOUR_HOURS, Instant.parse("2026-11-20T15:00:00Z"));

        pipeline.send(event("CreateTags", Verb.TAG, "i-pre", "", 0, Map.of("team", "ml"), "2026-11-20T14:55:00Z"));
        assertThat(pipeline.opened()).isEmpty();

        // CloudTrail delivers the RunInstances from an older log file: it was launched five hours ago.
        pipeline.send(launch("i-pre", "p4d.24xlarge", 8, Map.of(), "2026-11-20T10:00:00Z"));
        assertThat(pipeline.opened()).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo(Ids.finding(POLICY, arn("i-pre"), "lifetime:" + T.toEpochMilli()));
            assertThat(f.violations()).containsExactly(
                    "running for 5h since its launch at 2026-11-20T10:00:00Z; the policy allows 4h");
        });
    }

    @Test
    void aResourceKnownOnlyFromLaterEventsIsCountedFromTheFirstOneAndTheFindingSaysSo() throws InvalidPolicyException {
        start(FOUR_HOURS, T);
        pipeline.send(event("CreateTags", Verb.TAG, "i-pre", "", 0, Map.of("team", "ml"), "2026-11-20T10:00:00Z"));

        pipeline.advance(Duration.ofHours(4).plusMinutes(10));

        assertThat(pipeline.opened()).singleElement().satisfies(f -> assertThat(f.violations()).containsExactly(
                "running for 4h10m since 2026-11-20T10:00:00Z, when Costwarden first saw it (its launch was not seen);"
                        + " the policy allows 4h"));
    }

    @Test
    void anOccurrenceIsReportedOnceWhateverHappensAfterIt() throws InvalidPolicyException {
        start(FOUR_HOURS, T);
        pipeline.send(launch("i-old", "g5.xlarge", 1, Map.of(), "2026-11-20T10:00:00Z"));
        pipeline.advance(Duration.ofHours(5));
        assertThat(pipeline.opened()).hasSize(1);

        pipeline.advance(LifetimeTopology.CHECK_EVERY);
        pipeline.send(event("CreateTags", Verb.TAG, "i-old", "", 0, Map.of("team", "ml"), "2026-11-20T15:01:00Z"));
        pipeline.advance(Duration.ofHours(1));

        assertThat(pipeline.opened()).isEmpty();
        assertThat(store().get(arn("i-old")).reported()).containsOnlyKeys(POLICY);
    }

    @Test
    void aStoppedInstanceIsNotFlaggedAndItsRestartIsANewFinding() throws InvalidPolicyException {
        start(FOUR_HOURS, T);
        pipeline.send(launch("i-s", "g5.xlarge", 1, Map.of(), "2026-11-20T10:00:00Z"));
        pipeline.advance(Duration.ofMinutes(270));
        Finding first = pipeline.opened().get(0);

        pipeline.send(event("StopInstances", Verb.STOP, "i-s", "", 0, Map.of(), "2026-11-20T14:31:00Z"));
        assertThat(pipeline.transitions()).extracting(Finding::id, Finding::state)
                .containsExactly(tuple(first.id(), FindingState.RESOLVED));
        pipeline.advance(Duration.ofHours(2));
        assertThat(pipeline.opened()).as("stopped: nothing runs past its lifetime").isEmpty();

        // Still past its lifetime when it runs again: at once, under a new id, so the stop is requested anew.
        pipeline.send(event("StartInstances", Verb.START, "i-s", "", 0, Map.of(), "2026-11-20T16:30:00Z"));
        assertThat(pipeline.opened()).singleElement().satisfies(f -> {
            assertThat(f.id()).isNotEqualTo(first.id()).isEqualTo(Ids.finding(POLICY, arn("i-s"), "lifetime:"
                    + T.toEpochMilli() + ":restarted:" + Instant.parse("2026-11-20T16:30:00Z").toEpochMilli()));
            assertThat(f.violations()).containsExactly(
                    "running for 6h30m since its launch at 2026-11-20T10:00:00Z; the policy allows 4h");
        });
    }

    @Test
    void aTerminatedInstanceIsForgotten() throws InvalidPolicyException {
        start(FOUR_HOURS, T);
        pipeline.send(launch("i-t", "g5.xlarge", 1, Map.of(), "2026-11-20T10:00:00Z"));
        assertThat(store().get(arn("i-t"))).isNotNull();

        pipeline.send(event("TerminateInstances", Verb.TERMINATE, "i-t", "", 0, Map.of(), "2026-11-20T11:00:00Z"));
        pipeline.advance(Duration.ofHours(5));

        assertThat(store().get(arn("i-t"))).isNull();
        assertThat(pipeline.opened()).isEmpty();
    }

    @Test
    void onlyResourcesInScopeAreFlaggedAndLeavingTheScopeCancelsTheFinding() throws InvalidPolicyException {
        start("""
                policies:
                  - name: prod-lives-an-hour
                    resource: ec2-instance
                    detect:
                      lifetime:
                        max: 1h
                    scope:
                      tags: {env: prod}
                    action: stop
                    grace: 30m
                """, T);
        pipeline.send(launch("i-prod", "g5.xlarge", 1, Map.of("env", "prod"), "2026-11-20T10:00:00Z"));
        pipeline.send(launch("i-dev", "g5.xlarge", 1, Map.of("env", "dev"), "2026-11-20T10:00:00Z"));
        pipeline.advance(Duration.ofMinutes(70));
        List<Finding> opened = pipeline.opened();
        assertThat(opened).singleElement().satisfies(f -> assertThat(f.resourceId()).isEqualTo(arn("i-prod")));
        Finding open = opened.get(0);

        pipeline.send(event("CreateTags", Verb.TAG, "i-prod", "", 0, Map.of("env", "dev"), "2026-11-20T11:11:00Z"));

        assertThat(pipeline.transitions()).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo(open.id());
            assertThat(f.state()).isEqualTo(FindingState.CANCELLED);
            assertThat(f.stateReason()).isEqualTo("resource is no longer in the policy's scope");
        });
    }

    @Test
    void kindsThePoliciesDoNotWatchAreRememberedButNotFlagged() throws InvalidPolicyException {
        start(FOUR_HOURS, T);
        ResourceKind kind = ResourceKind.SAGEMAKER_NOTEBOOK;
        String notebook = kind.arn(REGION, ACCOUNT, "research");
        pipeline.send(new ResourceEvent(ResourceEvent.SCHEMA_VERSION, "nb-1", "CreateNotebookInstance", T, ACCOUNT, REGION,
                "arn:aws:iam::" + ACCOUNT + ":user/ana", Verb.LAUNCH, kind, notebook, "research", "ml.g5.xlarge", 1,
                PurchaseOption.ON_DEMAND, Map.of(), 1));

        pipeline.advance(Duration.ofHours(5));

        assertThat(pipeline.opened()).isEmpty();
        // A lifetime policy for notebooks added later must know when this one was created.
        assertThat(store().get(notebook).start()).isEqualTo(T);
    }

    @Test
    void nullChangesAndChangesWithoutAResourceAreSkipped() throws InvalidPolicyException {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, ResourceChange> changes = builder.stream("changes",
                Consumed.with(Serdes.String(), JsonSerde.of(ResourceChange.class)));
        PolicySet policies = PolicyFile.parse("policies.yaml", FOUR_HOURS);
        List<Verdict> verdicts = new ArrayList<>();
        LifetimeTopology.build(builder, changes, () -> policies).foreach((k, v) -> verdicts.add(v));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "lifetime-test");
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props, T.plus(Duration.ofHours(5)))) {
            TestInputTopic<String, ResourceChange> in = driver.createInputTopic("changes", Serdes.String().serializer(),
                    JsonSerde.of(ResourceChange.class).serializer());
            ResourceEvent launch = launch("i-ok", "g5.xlarge", 1, Map.of(), "2026-11-20T10:00:00Z");

            in.pipeInput(arn("i-ok"), null);
            in.pipeInput(arn("i-ok"), new ResourceChange(null, null));
            in.pipeInput(arn("i-ok"), new ResourceChange(launch, null));
            in.pipeInput(arn("i-ok"), new ResourceChange(launch, Resource.from(launch)));

            assertThat(verdicts).singleElement().satisfies(v -> assertThat(v.subjectId()).isEqualTo(arn("i-ok")));
        }
    }

    @Test
    void durationsAreSpelledAsPolicyFilesSpellThem() {
        assertThat(LifetimeTopology.spell(Duration.ofMinutes(0))).isEqualTo("0m");
        assertThat(LifetimeTopology.spell(Duration.ofMinutes(90))).isEqualTo("1h30m");
        assertThat(LifetimeTopology.spell(Duration.ofDays(1).plusMinutes(5))).isEqualTo("1d5m");
        assertThat(LifetimeTopology.spell(Duration.ofDays(2).plusHours(3).plusSeconds(59))).isEqualTo("2d3h");
    }
}
