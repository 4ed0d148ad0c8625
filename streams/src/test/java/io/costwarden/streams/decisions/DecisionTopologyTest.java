package io.costwarden.streams.decisions;

import static io.costwarden.streams.Events.arn;
import static io.costwarden.streams.Events.event;
import static io.costwarden.streams.Events.launch;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.Verb;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.Pipeline;
import io.costwarden.streams.launch.LaunchPolicyTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The finding lifecycle, driven by the real launch detector: a launch of a disallowed type without its
 * team tag opens a finding; a CreateTags, a stop or an exemption ends it. The wall clock drives grace.
 */
class DecisionTopologyTest {
    static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");
    static final String POLICY = """
            policies:
              - name: team-tag
                resource: ec2-instance
                detect:
                  launch:
                    required-tags: [team]
                action: %s
                mode: %s
                grace: %s
                exempt:
                  lifecycle: keep
            """;

    private final AtomicReference<PolicySet> policies = new AtomicReference<>();
    private Pipeline pipeline;

    void start(String action, String mode, String grace) throws InvalidPolicyException {
        policies.set(PolicyFile.parse("p.yaml", POLICY.formatted(action, mode, grace)));
        pipeline = new Pipeline(policies::get, new SimpleMeterRegistry(), NOW,
                (builder, changes) -> LaunchPolicyTopology.build(builder, changes, policies::get));
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    void untaggedLaunch(String id, Map<String, String> tags) {
        pipeline.send(launch(id, "p4d.24xlarge", 8, tags, NOW.toString()));
    }

    @Test
    void aWarningAtDetectionAndTheActionOnlyWhenTheGraceEndsWithTheConditionHolding() throws InvalidPolicyException {
        start("stop", "dry-run", "15m");
        untaggedLaunch("i-1", Map.of());
        List<Finding> opened = pipeline.transitions();
        assertThat(opened).singleElement().satisfies(f -> {
            assertThat(f.state()).isEqualTo(FindingState.OPEN);
            assertThat(f.actAfter()).isEqualTo(NOW.plus(Duration.ofMinutes(15)));
            assertThat(f.stateReason()).contains("stop after the grace period ends at 2026-11-20T10:15:00Z");
        });
        pipeline.advance(Duration.ofMinutes(14));
        assertThat(pipeline.actions()).as("still in grace").isEmpty();
        pipeline.advance(Duration.ofMinutes(2));
        List<ActionRequest> requests = pipeline.actions();
        assertThat(requests).singleElement().satisfies(r -> {
            assertThat(r.actionId()).isEqualTo(Ids.action(opened.get(0).id(), ActionKind.STOP));
            assertThat(r.mode()).isEqualTo(Mode.DRY_RUN);
            assertThat(r.nativeId()).isEqualTo("i-1");
        });
        assertThat(pipeline.transitions()).singleElement().satisfies(f -> {
            assertThat(f.state()).isEqualTo(FindingState.ACTED);
            assertThat(f.id()).isEqualTo(opened.get(0).id());
            assertThat(f.transitionId()).isNotEqualTo(opened.get(0).transitionId());
        });
        pipeline.advance(Duration.ofMinutes(30));
        assertThat(pipeline.actions()).as("acted once").isEmpty();
    }

    @Test
    void tagsAddedDuringTheGraceCancelTheFindingAndNothingIsDone() throws InvalidPolicyException {
        start("stop", "enforce", "15m");
        untaggedLaunch("i-1", Map.of());
        pipeline.send(event("CreateTags", Verb.TAG, "i-1", "", 0, Map.of("team", "vision"), "2026-11-20T10:03:00Z"));
        assertThat(pipeline.transitions()).extracting(Finding::state).containsExactly(FindingState.OPEN, FindingState.CANCELLED);
        pipeline.advance(Duration.ofHours(1));
        assertThat(pipeline.actions()).isEmpty();
        assertThat(pipeline.transitions()).isEmpty();
    }

    @Test
    void aStopBeforeTheActionCancelsAndAStopAfterItResolves() throws InvalidPolicyException {
        start("stop", "enforce", "15m");
        untaggedLaunch("i-1", Map.of());
        untaggedLaunch("i-2", Map.of());
        pipeline.send(event("StopInstances", Verb.STOP, "i-1", "", 0, Map.of(), "2026-11-20T10:05:00Z"));
        pipeline.advance(Duration.ofMinutes(16));
        pipeline.send(event("StopInstances", Verb.STOP, "i-2", "", 0, Map.of(), "2026-11-20T10:20:00Z"));
        List<Finding> all = pipeline.transitions();
        assertThat(all).filteredOn(f -> f.resourceId().equals(arn("i-1"))).extracting(Finding::state)
                .containsExactly(FindingState.OPEN, FindingState.CANCELLED);
        assertThat(all).filteredOn(f -> f.resourceId().equals(arn("i-2"))).extracting(Finding::state)
                .containsExactly(FindingState.OPEN, FindingState.ACTED, FindingState.RESOLVED);
        assertThat(all).filteredOn(f -> f.state() == FindingState.RESOLVED).singleElement()
                .satisfies(f -> assertThat(f.stateReason()).isEqualTo("resource stopped (StopInstances)"));
        assertThat(pipeline.actions()).extracting(ActionRequest::nativeId).containsExactly("i-2");
    }

    @Test
    void theExemptTagStopsBothTheWarningAndTheAction() throws InvalidPolicyException {
        start("stop", "enforce", "15m");
        untaggedLaunch("i-forever", Map.of("costwarden:exempt", ""));
        untaggedLaunch("i-until", Map.of("costwarden:exempt", "2026-12-31"));
        untaggedLaunch("i-policy", Map.of("lifecycle", "keep"));
        assertThat(pipeline.transitions()).isEmpty();
        untaggedLaunch("i-later", Map.of());
        pipeline.send(event("CreateTags", Verb.TAG, "i-later", "", 0, Map.of("costwarden:exempt", "true"),
                "2026-11-20T10:01:00Z"));
        pipeline.advance(Duration.ofMinutes(20));
        List<Finding> later = pipeline.transitions();
        // The CreateTags re-check still sees the team tag missing; the exemption is what ends it.
        assertThat(later).extracting(Finding::state).containsExactly(FindingState.OPEN, FindingState.CANCELLED);
        assertThat(later.get(1).stateReason()).isEqualTo("exempt by tag costwarden:exempt=true");
        assertThat(pipeline.actions()).isEmpty();
    }

    @Test
    void anExpiredOrUnreadableExemptionExemptsNothingAndTheFindingSaysWhy() throws InvalidPolicyException {
        start("notify", "notify", "0m");
        untaggedLaunch("i-old", Map.of("costwarden:exempt", "2026-11-19"));
        untaggedLaunch("i-vague", Map.of("costwarden:exempt", "until friday"));
        List<Finding> opened = pipeline.opened();
        assertThat(opened).hasSize(2);
        assertThat(opened.get(0).violations()).contains("costwarden:exempt=2026-11-19 has expired");
        assertThat(opened.get(1).violations()).anySatisfy(v -> assertThat(v).startsWith("costwarden:exempt=until friday ignored"));
    }

    @Test
    void oneCurrentFindingPerPolicyAndResource() throws InvalidPolicyException {
        start("notify", "notify", "0m");
        untaggedLaunch("i-1", Map.of());
        pipeline.send(event("CreateTags", Verb.TAG, "i-1", "", 0, Map.of("Name", "x"), "2026-11-20T10:02:00Z"));
        pipeline.send(event("ModifyInstanceAttribute", Verb.MODIFY, "i-1", "p5.48xlarge", 8, Map.of(), "2026-11-20T10:03:00Z"));
        assertThat(pipeline.opened()).hasSize(1);
    }

    @Test
    void notifyModeActsWithoutARequest() throws InvalidPolicyException {
        start("stop", "notify", "0m");
        untaggedLaunch("i-1", Map.of());
        assertThat(pipeline.transitions()).extracting(Finding::state).containsExactly(FindingState.OPEN, FindingState.ACTED);
        assertThat(pipeline.actions()).isEmpty();
    }

    @Test
    void aFindingWhosePolicyWasRemovedIsCancelledWhenItsGraceEnds() throws InvalidPolicyException {
        start("stop", "enforce", "10m");
        untaggedLaunch("i-1", Map.of());
        pipeline.transitions();
        policies.set(PolicyFile.parse("p.yaml", "policies: []\n"));
        pipeline.advance(Duration.ofMinutes(11));
        assertThat(pipeline.transitions()).singleElement().satisfies(f -> {
            assertThat(f.state()).isEqualTo(FindingState.CANCELLED);
            assertThat(f.stateReason()).startsWith("policy team-tag is not in policy version");
        });
        assertThat(pipeline.actions()).isEmpty();
    }

    @Test
    void everyTransitionHasTheSameIdsOnAReplayIntoFreshState() throws InvalidPolicyException {
        start("stop", "dry-run", "0m");
        untaggedLaunch("i-1", Map.of());
        List<String> first = pipeline.transitions().stream().map(Finding::transitionId).toList();
        stop();
        start("stop", "dry-run", "0m");
        untaggedLaunch("i-1", Map.of());
        assertThat(pipeline.transitions().stream().map(Finding::transitionId).toList()).isEqualTo(first).hasSize(2);
    }

    @Test
    void aReloadDuringTheGraceDecidesTheActionsMode() throws InvalidPolicyException {
        start("stop", "enforce", "15m");
        untaggedLaunch("i-1", Map.of());
        policies.set(PolicyFile.parse("p.yaml", POLICY.formatted("stop", "dry-run", "15m")));
        pipeline.advance(Duration.ofMinutes(16));
        assertThat(pipeline.actions()).singleElement().satisfies(r -> assertThat(r.mode()).isEqualTo(Mode.DRY_RUN));
        assertThat(pipeline.transitions()).filteredOn(f -> f.state() == FindingState.ACTED).singleElement()
                .satisfies(f -> assertThat(f.policyVersion()).isEqualTo(policies.get().version()));
    }

    @Test
    void anExemptionThatExpiresOrIsRemovedLetsTheFindingOpen() throws InvalidPolicyException {
        start("stop", "enforce", "15m");
        untaggedLaunch("i-today", Map.of("costwarden:exempt", "2026-11-20"));
        untaggedLaunch("i-removed", Map.of("costwarden:exempt", "true"));
        assertThat(pipeline.transitions()).isEmpty();
        pipeline.send(event("DeleteTags", Verb.UNTAG, "i-removed", "", 0, Map.of("costwarden:exempt", ""),
                "2026-11-20T10:05:00Z"));
        assertThat(pipeline.opened()).extracting(Finding::resourceId).containsExactly(arn("i-removed"));
        pipeline.advance(Duration.ofHours(14));
        List<Finding> later = pipeline.transitions();
        assertThat(later).filteredOn(f -> f.resourceId().equals(arn("i-today"))).singleElement().satisfies(f -> {
            assertThat(f.state()).isEqualTo(FindingState.OPEN);
            assertThat(f.stateReason()).isEqualTo("exemption ended; the condition still holds");
        });
    }

    @Test
    void anActedFindingWhosePolicyWasRemovedIsResolved() throws InvalidPolicyException {
        start("notify", "notify", "0m");
        untaggedLaunch("i-1", Map.of());
        assertThat(pipeline.transitions()).extracting(Finding::state).containsExactly(FindingState.OPEN, FindingState.ACTED);
        policies.set(PolicyFile.parse("p.yaml", "policies: []\n"));
        pipeline.advance(Duration.ofSeconds(2));
        assertThat(pipeline.transitions()).extracting(Finding::state).containsExactly(FindingState.RESOLVED);
    }
}
