package io.costwarden.streams.launch;

import static io.costwarden.streams.Events.arn;
import static io.costwarden.streams.Events.event;
import static io.costwarden.streams.Events.launch;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.ActionKind;
import io.costwarden.model.Finding;
import io.costwarden.model.Mode;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.Topics;
import io.costwarden.model.Verb;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.Pipeline;
import java.time.Instant;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LaunchPolicyTopologyTest {
    static final String POLICIES = """
            policies:
              - name: gpu-launch-needs-team-tag
                resource: ec2-instance
                detect:
                  launch:
                    required-tags: [team, owner]
                    allowed-instance-types: ["t3.*", "m5.*", "g5.xlarge"]
                action: stop
                mode: dry-run
              - name: notebooks-small
                resource: sagemaker-notebook
                detect:
                  launch:
                    allowed-instance-types: ["ml.t3.*"]
            """;

    private Pipeline pipeline;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws InvalidPolicyException {
        PolicySet policies = PolicyFile.parse("policies.yaml", POLICIES);
        pipeline = new Pipeline(() -> policies, meters, Instant.parse("2026-11-20T10:00:00Z"),
                (builder, changes) -> LaunchPolicyTopology.build(builder, changes, () -> policies));
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    private void send(ResourceEvent e) {
        pipeline.send(e);
    }

    @Test
    void untaggedGpuLaunchOfADisallowedTypeIsOneFindingNamingBothRules() {
        send(launch("i-gpu", "p4d.24xlarge", 8, Map.of("Name", "train"), "2026-11-20T10:00:00Z"));

        List<Finding> out = pipeline.opened();
        assertThat(out).singleElement().satisfies(f -> {
            assertThat(f.policy()).isEqualTo("gpu-launch-needs-team-tag");
            assertThat(f.resourceId()).isEqualTo(arn("i-gpu"));
            assertThat(f.violations()).containsExactly(
                    "instance type p4d.24xlarge is not allowed (allowed: t3.*, m5.*, g5.xlarge)",
                    "missing required tags: owner, team");
            assertThat(f.gpuCount()).isEqualTo(8);
            assertThat(f.action()).isEqualTo(ActionKind.STOP);
            assertThat(f.mode()).isEqualTo(Mode.DRY_RUN);
            assertThat(f.policyVersion()).hasSize(32);
            assertThat(f.detector()).isEqualTo("launch");
        });
        assertThat(meters.counter("costwarden.findings", "policy", "gpu-launch-needs-team-tag", "detector", "launch",
                "state", "open").count()).isEqualTo(1.0);
    }

    @Test
    void aCompliantLaunchMakesNoFinding() {
        send(launch("i-ok", "g5.xlarge", 1, Map.of("team", "vision", "owner", "ana"), "2026-11-20T10:00:00Z"));
        assertThat(pipeline.opened().isEmpty()).isTrue();
    }

    @Test
    void findingIdsAreTheSameWhenTheSameEventIsReplayedIntoFreshState() throws InvalidPolicyException {
        ResourceEvent e = launch("i-gpu", "p4d.24xlarge", 8, Map.of(), "2026-11-20T10:00:00Z");
        send(e);
        String first = pipeline.opened().get(0).id();
        stop();
        start();
        send(e);
        assertThat(pipeline.opened().get(0).id()).isEqualTo(first);
    }

    @Test
    void aRedeliveredLaunchIsNotASecondFinding() {
        ResourceEvent e = launch("i-gpu", "p4d.24xlarge", 8, Map.of(), "2026-11-20T10:00:00Z");
        send(e);
        send(e);
        assertThat(pipeline.opened()).hasSize(1);
    }

    @Test
    void retypingToADisallowedTypeIsAFindingButOtherModificationsAreNot() {
        send(launch("i-2", "m5.large", 0, Map.of("team", "a", "owner", "b"), "2026-11-20T10:00:00Z"));
        send(event("ModifyInstanceAttribute", Verb.MODIFY, "i-2", "", 0, Map.of(), "2026-11-20T10:10:00Z"));
        assertThat(pipeline.opened().isEmpty()).isTrue();
        send(event("ModifyInstanceAttribute", Verb.MODIFY, "i-2", "p5.48xlarge", 8, Map.of(), "2026-11-20T10:20:00Z"));
        assertThat(pipeline.opened()).singleElement()
                .satisfies(f -> assertThat(f.violations()).containsExactly(
                        "instance type p5.48xlarge is not allowed (allowed: t3.*, m5.*, g5.xlarge)"));
    }

    @Test
    void tagsAddedBeforeTheRetypeAreSeenBecauseTheCheckReadsTheInventoryState() {
        send(launch("i-3", "m5.large", 0, Map.of(), "2026-11-20T10:00:00Z"));
        pipeline.opened();
        send(event("CreateTags", Verb.TAG, "i-3", "", 0, Map.of("team", "a", "owner", "b"), "2026-11-20T10:05:00Z"));
        send(event("ModifyInstanceAttribute", Verb.MODIFY, "i-3", "t3.large", 0, Map.of(), "2026-11-20T10:20:00Z"));
        assertThat(pipeline.opened().isEmpty()).isTrue();
    }

    @Test
    void aLaunchDeliveredAfterTheTerminationIsNotAFinding() {
        send(event("TerminateInstances", Verb.TERMINATE, "i-5", "", 0, Map.of(), "2026-11-20T11:00:00Z"));
        send(launch("i-5", "p4d.24xlarge", 8, Map.of(), "2026-11-20T10:00:00Z"));
        assertThat(pipeline.opened().isEmpty()).isTrue();
    }

    @Test
    void policiesOnlyApplyToTheirResourceKind() {
        send(launch("i-4", "t3.micro", 0, Map.of("team", "a", "owner", "b"), "2026-11-20T10:00:00Z"));
        assertThat(pipeline.opened().isEmpty()).isTrue();
    }
}
