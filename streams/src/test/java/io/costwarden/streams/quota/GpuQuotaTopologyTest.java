package io.costwarden.streams.quota;

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
import io.costwarden.model.Topics;
import io.costwarden.model.Verb;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.decisions.DecisionTopology;
import io.costwarden.streams.decisions.Verdict;
import io.costwarden.streams.inventory.InventoryTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuQuotaTopologyTest {
    static final String TEAM_QUOTA = """
            policies:
              - name: sixteen-gpus-per-team
                resource: ec2-instance
                detect:
                  gpu-quota:
                    group-by: team
                    max-gpus: 16
                action: stop
                mode: dry-run
                grace: 10m
            """;
    static final String POLICY = "sixteen-gpus-per-team";
    static final String P4D = "p4d.24xlarge";
    static final Instant WALL_CLOCK = Instant.parse("2026-11-20T10:00:00Z");

    @TempDir
    Path stateDir;

    private final AtomicReference<PolicySet> policies = new AtomicReference<>();
    private TopologyTestDriver driver;
    private TestInputTopic<String, ResourceEvent> events;
    private TestOutputTopic<String, Finding> findings;

    /** The real inventory, this detector and the real decisions for groups, as CostwardenTopology wires them. */
    private void start(String policyFile) throws InvalidPolicyException {
        policies.set(PolicyFile.parse("policies.yaml", policyFile));
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, ResourceChange> changes = InventoryTopology.build(builder);
        DecisionTopology.forGroups(builder, GpuQuotaTopology.build(builder, changes, policies::get), policies::get,
                new SimpleMeterRegistry());
        driver = new TopologyTestDriver(builder.build(), props(), WALL_CLOCK);
        events = driver.createInputTopic(Topics.EVENTS.name(), Topics.EVENTS.keySerde().serializer(),
                Topics.EVENTS.valueSerde().serializer());
        findings = driver.createOutputTopic(Topics.FINDINGS.name(), Topics.FINDINGS.keySerde().deserializer(),
                Topics.FINDINGS.valueSerde().deserializer());
    }

    private Properties props() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gpu-quota-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return props;
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    private void send(ResourceEvent e) {
        events.pipeInput(e.resourceId(), e);
    }

    private List<Finding> transitions() {
        return findings.readValuesToList();
    }

    private List<Finding> opened() {
        return transitions().stream().filter(f -> f.state() == FindingState.OPEN).toList();
    }

    private QuotaGroup group(String key) {
        return driver.<String, QuotaGroup>getKeyValueStore(GpuQuotaTopology.GROUPS).get(key);
    }

    private Membership membership(String arn) {
        return driver.<String, Membership>getKeyValueStore(GpuQuotaTopology.MEMBERSHIP).get(arn);
    }

    private static ResourceEvent p4d(String id, String team, String at) {
        return launch(id, P4D, 8, team == null ? Map.of() : Map.of("team", team), at);
    }

    /** An EC2 launch in any account and region, for the dimensions and scopes the shared helper does not vary. */
    private static ResourceEvent launchIn(String account, String region, String id, Map<String, String> tags, String at) {
        ResourceKind kind = ResourceKind.EC2_INSTANCE;
        return new ResourceEvent(ResourceEvent.SCHEMA_VERSION, "RunInstances-" + id, "RunInstances", Instant.parse(at),
                account, region, "arn:aws:iam::" + account + ":user/ana", Verb.LAUNCH, kind, kind.arn(region, account, id),
                id, P4D, 8, PurchaseOption.ON_DEMAND, tags, 1);
    }

    private static String episode(String group, String at) {
        return "gpu-quota:" + group + ":" + Instant.parse(at).toEpochMilli();
    }

    @Test
    void theLaunchThatTakesATeamPastItsQuotaIsTheFinding() throws InvalidPolicyException {
        start(TEAM_QUOTA);
        send(p4d("i-a", "ml", "2026-11-20T10:00:00Z"));
        send(p4d("i-b", "ml", "2026-11-20T10:01:00Z"));
        send(launch("i-cpu", "m5.large", 0, Map.of("team", "ml"), "2026-11-20T10:01:30Z"));
        assertThat(opened()).as("16 GPUs is the quota, not past it; CPU-only instances count nothing").isEmpty();

        send(p4d("i-c", "ml", "2026-11-20T10:02:00Z"));

        assertThat(opened()).singleElement().satisfies(f -> {
            assertThat(f.policy()).isEqualTo(POLICY);
            assertThat(f.detector()).isEqualTo("gpu-quota");
            assertThat(f.resourceId()).isEqualTo(arn("i-c"));
            assertThat(f.group()).isEqualTo("team=ml");
            assertThat(f.id()).isEqualTo(Ids.finding(POLICY, arn("i-c"), episode("team=ml", "2026-11-20T10:02:00Z")));
            assertThat(f.violations()).containsExactly("team=ml runs 24 GPUs with this launch; the policy allows 16");
            assertThat(f.figures()).containsEntry("gpusRunning", 24.0).containsEntry("maxGpus", 16.0);
            assertThat(f.gpuCount()).isEqualTo(8);
            assertThat(f.detectedAt()).isEqualTo(Instant.parse("2026-11-20T10:02:00Z"));
            assertThat(f.triggerEventId()).isEqualTo(p4d("i-c", "ml", "2026-11-20T10:02:00Z").eventId());
        });
    }

    @Test
    void stoppingAnOlderInstanceCancelsTheNewestOnesFindingAndItsRestartIsOverInstead() throws InvalidPolicyException {
        start(TEAM_QUOTA);
        send(p4d("i-a", "ml", "2026-11-20T10:00:00Z"));
        send(p4d("i-b", "ml", "2026-11-20T10:01:00Z"));
        send(p4d("i-c", "ml", "2026-11-20T10:02:00Z"));
        String third = opened().get(0).id();

        send(event("StopInstances", Verb.STOP, "i-a", "", 0, Map.of(), "2026-11-20T10:30:00Z"));

        assertThat(transitions()).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo(third);
            assertThat(f.state()).isEqualTo(FindingState.CANCELLED);
            assertThat(f.stateReason()).isEqualTo("back within the quota: team=ml runs 16 GPUs with this resource;"
                    + " the policy allows 16");
        });

        // Started again it is the newest in the team: it is now the one past the quota.
        send(event("StartInstances", Verb.START, "i-a", "", 0, Map.of(), "2026-11-20T11:00:00Z"));
        assertThat(opened()).singleElement().satisfies(f -> {
            assertThat(f.resourceId()).isEqualTo(arn("i-a"));
            assertThat(f.violations()).containsExactly("team=ml runs 24 GPUs with this start; the policy allows 16");
        });
    }

    @Test
    void theInstanceOverQuotaLeavesTheGroupWhenItIsTerminated() throws InvalidPolicyException {
        start(TEAM_QUOTA);
        send(p4d("i-a", "ml", "2026-11-20T10:00:00Z"));
        send(p4d("i-b", "ml", "2026-11-20T10:01:00Z"));
        send(p4d("i-c", "ml", "2026-11-20T10:02:00Z"));
        String third = opened().get(0).id();

        send(event("TerminateInstances", Verb.TERMINATE, "i-c", "", 0, Map.of(), "2026-11-20T10:10:00Z"));
        assertThat(transitions()).extracting(Finding::id, Finding::state, Finding::stateReason)
                .containsExactly(tuple(third, FindingState.CANCELLED, "resource terminated (TerminateInstances)"));
        assertThat(membership(arn("i-c"))).isNull();

        send(p4d("i-d", "ml", "2026-11-20T10:20:00Z"));
        assertThat(opened()).extracting(Finding::resourceId).containsExactly(arn("i-d"));
    }

    @Test
    void aTagChangeMovesAnInstanceToAnotherTeam() throws InvalidPolicyException {
        start(TEAM_QUOTA);
        send(p4d("i-a", "ml", "2026-11-20T10:00:00Z"));
        send(p4d("i-b", "ml", "2026-11-20T10:01:00Z"));
        send(p4d("i-c", "ml", "2026-11-20T10:02:00Z"));
        send(p4d("i-d", "vision", "2026-11-20T10:03:00Z"));
        String third = opened().get(0).id();

        send(event("CreateTags", Verb.TAG, "i-a", "", 0, Map.of("team", "vision"), "2026-11-20T10:10:00Z"));

        assertThat(transitions()).extracting(Finding::id, Finding::state).containsExactly(tuple(third, FindingState.CANCELLED));
        // vision now runs i-a (launched first) and i-d: 16 GPUs, at the quota. One more is past it.
        send(p4d("i-e", "vision", "2026-11-20T10:20:00Z"));
        assertThat(opened()).singleElement().satisfies(f -> {
            assertThat(f.resourceId()).isEqualTo(arn("i-e"));
            assertThat(f.group()).isEqualTo("team=vision");
            assertThat(f.violations()).containsExactly("team=vision runs 24 GPUs with this launch; the policy allows 16");
        });
    }

    @Test
    void movingTheInstanceOverQuotaToAnotherTeamEndsItsFindingThereWithTheReason() throws InvalidPolicyException {
        start(TEAM_QUOTA);
        send(p4d("i-a", "ml", "2026-11-20T10:00:00Z"));
        send(p4d("i-b", "ml", "2026-11-20T10:01:00Z"));
        send(p4d("i-c", "ml", "2026-11-20T10:02:00Z"));
        opened();

        send(event("CreateTags", Verb.TAG, "i-c", "", 0, Map.of("team", "vision"), "2026-11-20T10:10:00Z"));

        assertThat(transitions()).singleElement().satisfies(f -> {
            assertThat(f.resourceId()).isEqualTo(arn("i-c"));
            assertThat(f.group()).isEqualTo("team=ml");
            assertThat(f.stateReason()).isEqualTo("moved to team=vision (CreateTags)");
        });
    }

    @Test
    void instancesWithoutTheTagOrWithABlankOneFormTheUntaggedGroup() throws InvalidPolicyException {
        start(TEAM_QUOTA);
        send(p4d("i-a", null, "2026-11-20T10:00:00Z"));
        send(p4d("i-b", " ", "2026-11-20T10:01:00Z"));
        send(p4d("i-x", "ml", "2026-11-20T10:01:30Z"));
        send(p4d("i-c", null, "2026-11-20T10:02:00Z"));

        assertThat(opened()).singleElement().satisfies(f -> {
            assertThat(f.resourceId()).isEqualTo(arn("i-c"));
            assertThat(f.group()).isEqualTo("team=(untagged)");
            assertThat(f.violations()).containsExactly("team=(untagged) runs 24 GPUs with this launch; the policy allows 16");
        });
    }

    @Test
    void anAccountQuotaCountsEachAccountOnItsOwn() throws InvalidPolicyException {
        start("""
                policies:
                  - name: eight-gpus-per-account
                    resource: ec2-instance
                    detect:
                      gpu-quota:
                        group-by: account
                        max-gpus: 8
                """);
        send(launchIn("111111111111", REGION, "i-a", Map.of("team", "ml"), "2026-11-20T10:00:00Z"));
        send(launchIn("222222222222", REGION, "i-b", Map.of("team", "ml"), "2026-11-20T10:01:00Z"));
        assertThat(opened()).as("one instance per account, whatever the team").isEmpty();

        send(launchIn("111111111111", "eu-west-1", "i-c", Map.of("team", "vision"), "2026-11-20T10:02:00Z"));

        assertThat(opened()).singleElement().satisfies(f -> {
            assertThat(f.resourceId()).isEqualTo(ResourceKind.EC2_INSTANCE.arn("eu-west-1", "111111111111", "i-c"));
            assertThat(f.group()).isEqualTo("account=111111111111");
            assertThat(f.violations()).containsExactly("account=111111111111 runs 16 GPUs with this launch; the policy allows 8");
        });
    }

    @Test
    void onlyResourcesOfThePolicysKindAndScopeCount() throws InvalidPolicyException {
        start("""
                policies:
                  - name: prod-gpus-in-us
                    resource: ec2-instance
                    detect:
                      gpu-quota:
                        group-by: team
                        max-gpus: 8
                    scope:
                      regions: ["us-*"]
                      tags: {env: prod}
                """);
        send(launchIn(ACCOUNT, REGION, "i-prod", Map.of("team", "ml", "env", "prod"), "2026-11-20T10:00:00Z"));
        send(launchIn(ACCOUNT, REGION, "i-dev", Map.of("team", "ml", "env", "dev"), "2026-11-20T10:01:00Z"));
        send(launchIn(ACCOUNT, "eu-west-1", "i-eu", Map.of("team", "ml", "env", "prod"), "2026-11-20T10:02:00Z"));
        ResourceKind notebook = ResourceKind.SAGEMAKER_NOTEBOOK;
        send(new ResourceEvent(ResourceEvent.SCHEMA_VERSION, "nb-1", "CreateNotebookInstance",
                Instant.parse("2026-11-20T10:03:00Z"), ACCOUNT, REGION, "", Verb.LAUNCH, notebook,
                notebook.arn(REGION, ACCOUNT, "big"), "big", "ml.p3.8xlarge", 4, PurchaseOption.ON_DEMAND,
                Map.of("team", "ml", "env", "prod"), 1));
        assertThat(opened()).isEmpty();

        send(launchIn(ACCOUNT, REGION, "i-prod2", Map.of("team", "ml", "env", "prod"), "2026-11-20T10:04:00Z"));
        String over = opened().get(0).id();

        // Leaving the scope is leaving the count: the newest is back within the quota (its stop was requested
        // at once, as the policy has no grace, so its finding is resolved rather than cancelled).
        send(event("CreateTags", Verb.TAG, "i-prod", "", 0, Map.of("env", "staging"), "2026-11-20T10:10:00Z"));
        assertThat(transitions()).extracting(Finding::id, Finding::state, Finding::stateReason).containsExactly(tuple(over,
                FindingState.RESOLVED, "back within the quota: team=ml runs 8 GPUs with this resource; the policy allows 8"));
    }

    @Test
    void leavingTheScopeEndsTheResourcesOwnFinding() throws InvalidPolicyException {
        start("""
                policies:
                  - name: prod-gpus
                    resource: ec2-instance
                    detect:
                      gpu-quota:
                        max-gpus: 8
                    scope:
                      tags: {env: prod}
                    grace: 10m
                """);
        send(p4dTagged("i-a", "2026-11-20T10:00:00Z"));
        send(p4dTagged("i-b", "2026-11-20T10:01:00Z"));
        String over = opened().get(0).id();

        send(event("CreateTags", Verb.TAG, "i-b", "", 0, Map.of("env", "dev"), "2026-11-20T10:10:00Z"));

        assertThat(transitions()).extracting(Finding::id, Finding::stateReason)
                .containsExactly(tuple(over, "resource is no longer in the policy's scope"));
    }

    private static ResourceEvent p4dTagged(String id, String at) {
        return launch(id, P4D, 8, Map.of("team", "ml", "env", "prod"), at);
    }

    @Test
    void aPolicyAddedOrTightenedByAReloadCountsTheGpusAlreadyRunning() throws InvalidPolicyException {
        start("""
                policies:
                  - name: launch-tags
                    resource: ec2-instance
                    detect:
                      launch:
                        required-tags: [team]
                """);
        send(p4d("i-a", "ml", "2026-11-20T10:00:00Z"));
        send(p4d("i-b", "ml", "2026-11-20T10:01:00Z"));

        policies.set(PolicyFile.parse("policies.yaml", TEAM_QUOTA));
        driver.advanceWallClockTime(GpuQuotaTopology.RELOAD_CHECK_EVERY);
        assertThat(opened()).isEmpty();
        send(p4d("i-c", "ml", "2026-11-20T10:02:00Z"));
        assertThat(opened()).extracting(Finding::resourceId).containsExactly(arn("i-c"));

        policies.set(PolicyFile.parse("policies.yaml", TEAM_QUOTA.replace("max-gpus: 16", "max-gpus: 8")));
        driver.advanceWallClockTime(GpuQuotaTopology.RELOAD_CHECK_EVERY);
        assertThat(opened()).singleElement().satisfies(f -> {
            assertThat(f.resourceId()).isEqualTo(arn("i-b"));
            assertThat(f.violations()).containsExactly("team=ml runs 16 GPUs with this launch; the policy allows 8");
        });
    }

    @Test
    void replayingTheSameEventsIntoFreshStateGivesTheSameFindingIds() throws InvalidPolicyException {
        List<ResourceEvent> history = List.of(p4d("i-a", "ml", "2026-11-20T10:00:00Z"),
                p4d("i-b", "ml", "2026-11-20T10:01:00Z"), p4d("i-c", "ml", "2026-11-20T10:02:00Z"),
                p4d("i-d", "ml", "2026-11-20T10:03:00Z"));
        start(TEAM_QUOTA);
        history.forEach(this::send);
        List<String> first = opened().stream().map(Finding::id).toList();
        stop();

        start(TEAM_QUOTA);
        history.forEach(this::send);

        assertThat(first).hasSize(2);
        assertThat(opened()).extracting(Finding::id).containsExactlyElementsOf(first);
    }

    @Test
    void groupKeysAreTheDimensionAndTheValue() {
        ResourceEvent e = launch("i-k", P4D, 8, Map.of("team", "ml-research", "owner", ""), "2026-11-20T10:00:00Z");
        Resource r = Resource.from(e);
        assertThat(GpuQuotaTopology.groupKey("team", r)).isEqualTo("team=ml-research");
        assertThat(GpuQuotaTopology.groupKey("owner", r)).isEqualTo("owner=(untagged)");
        assertThat(GpuQuotaTopology.groupKey("project", r)).isEqualTo("project=(untagged)");
        assertThat(GpuQuotaTopology.groupKey("account", r)).isEqualTo("account=" + ACCOUNT);
    }

    @Test
    void nullChangesAndChangesWithoutAResourceAreSkipped() throws InvalidPolicyException {
        PolicySet set = PolicyFile.parse("policies.yaml", TEAM_QUOTA.replace("max-gpus: 16", "max-gpus: 0"));
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, ResourceChange> changes = builder.stream("changes",
                Consumed.with(Serdes.String(), JsonSerde.of(ResourceChange.class)));
        List<Verdict> verdicts = new ArrayList<>();
        GpuQuotaTopology.build(builder, changes, () -> set).foreach((k, v) -> verdicts.add(v));
        try (TopologyTestDriver raw = new TopologyTestDriver(builder.build(), props(), WALL_CLOCK)) {
            TestInputTopic<String, ResourceChange> in = raw.createInputTopic("changes", Serdes.String().serializer(),
                    JsonSerde.of(ResourceChange.class).serializer());
            ResourceEvent launch = p4d("i-ok", "ml", "2026-11-20T10:00:00Z");

            in.pipeInput(arn("i-ok"), null);
            in.pipeInput(arn("i-ok"), new ResourceChange(null, null));
            in.pipeInput(arn("i-ok"), new ResourceChange(launch, null));
            in.pipeInput(arn("i-ok"), new ResourceChange(launch, Resource.from(launch)));

            assertThat(verdicts).singleElement().satisfies(v -> {
                assertThat(v.subjectId()).isEqualTo(arn("i-ok"));
                assertThat(v.group()).isEqualTo("team=ml");
                assertThat(v.holds()).isTrue();
            });
        }
    }

    @Test
    void aRetypeToAnInstanceWithoutGpusLeavesTheGroup() throws InvalidPolicyException {
        start(TEAM_QUOTA);
        send(p4d("i-a", "ml", "2026-11-20T10:00:00Z"));
        send(p4d("i-b", "ml", "2026-11-20T10:01:00Z"));
        send(p4d("i-c", "ml", "2026-11-20T10:02:00Z"));
        opened();

        send(event("ModifyInstanceAttribute", Verb.MODIFY, "i-c", "m5.large", 0, Map.of(), "2026-11-20T10:05:00Z"));

        assertThat(transitions()).extracting(Finding::resourceId, Finding::stateReason).containsExactly(
                tuple(arn("i-c"), "resource has no GPUs after ModifyInstanceAttribute (instance type m5.large)"));
        assertThat(group("team=ml").members()).containsOnlyKeys(arn("i-a"), arn("i-b"));
    }

    @Test
    void anEmptyGroupIsForgotten() throws InvalidPolicyException {
        start(TEAM_QUOTA);
        send(p4d("i-a", "ml", "2026-11-20T10:00:00Z"));
        assertThat(group("team=ml")).isNotNull();

        send(event("StopInstances", Verb.STOP, "i-a", "", 0, Map.of(), "2026-11-20T10:05:00Z"));

        assertThat(group("team=ml")).isNull();
        assertThat(membership(arn("i-a"))).isNull();
    }
}
