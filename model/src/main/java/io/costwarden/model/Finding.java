package io.costwarden.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A policy's verdict on one resource or one group, at one step of its life. Each transition (open,
 * acted, cancelled, resolved) is its own record on {@code costwarden.findings.v1}, keyed by {@link #id}
 * so that all transitions of a finding are in one partition, in order.
 *
 * @param id            the finding: {@link Ids#finding} of policy, subject and episode (the launch event,
 *                      the start of a quiet run, the hour a group crossed a limit), so a replay or a restart
 *                      gives the same id and the executor acts at most once
 * @param transitionId  this record: {@link Ids#hash} of id and state, the same on every replay
 * @param policyVersion content hash of the policy file that made the decision
 * @param detector      the detector word, e.g. {@code launch}
 * @param stateReason   why the finding is in this state, e.g. {@code resource stopped (StopInstances)}
 * @param resourceId    the resource's ARN; empty for a finding about a group
 * @param kind          null for a finding about a group
 * @param group         the group a group finding is about, {@code team=ml-research} or {@code account=123456789012};
 *                      empty for resource findings
 * @param figures       numbers behind the verdict, e.g. {@code rateUsdPerHour}, {@code forecastUsd}
 * @param violations    one line per broken rule, e.g. {@code instance type p4d.24xlarge is not allowed (...)}
 * @param channels      alert channels the policy names
 * @param detectedAt    data time of the condition (event or datapoint time)
 * @param actAfter      wall-clock end of the grace period
 * @param changedAt     wall-clock time of this transition
 * @param triggerEventId the event (or window) that completed the condition
 */
public record Finding(
        int schemaVersion,
        String id,
        String transitionId,
        String policy,
        String policyVersion,
        String detector,
        FindingState state,
        String stateReason,
        String resourceId,
        ResourceKind kind,
        String nativeId,
        String account,
        String region,
        String instanceType,
        int gpuCount,
        String launchedBy,
        Map<String, String> tags,
        String group,
        Map<String, Double> figures,
        List<String> violations,
        ActionKind action,
        Mode mode,
        List<String> channels,
        Instant detectedAt,
        Instant actAfter,
        Instant changedAt,
        String triggerEventId) {

    public static final int SCHEMA_VERSION = 2;

    public Finding {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        figures = figures == null ? Map.of() : Map.copyOf(figures);
        violations = violations == null ? List.of() : List.copyOf(violations);
        channels = channels == null ? List.of() : List.copyOf(channels);
        resourceId = resourceId == null ? "" : resourceId;
        nativeId = nativeId == null ? "" : nativeId;
        group = group == null ? "" : group;
        stateReason = stateReason == null ? "" : stateReason;
        instanceType = instanceType == null ? "" : instanceType;
        launchedBy = launchedBy == null ? "" : launchedBy;
    }

    /** The violations as one human sentence. */
    public String reason() {
        return String.join("; ", violations);
    }

    /** The same finding moved to {@code next}, with the record id that state gets. */
    public Finding moveTo(FindingState next, String why, Instant at) {
        return new Finding(schemaVersion, id, Ids.hash("transition", id, next.word()), policy, policyVersion, detector,
                next, why, resourceId, kind, nativeId, account, region, instanceType, gpuCount, launchedBy, tags, group,
                figures, violations, action, mode, channels, detectedAt, actAfter, at, triggerEventId);
    }

    /** The same finding under the policy as it is now: a reload between warning and action decides the action. */
    public Finding withPolicy(String version, ActionKind nowAction, Mode nowMode, List<String> nowChannels) {
        return new Finding(schemaVersion, id, transitionId, policy, version, detector, state, stateReason, resourceId,
                kind, nativeId, account, region, instanceType, gpuCount, launchedBy, tags, group, figures, violations,
                nowAction, nowMode, nowChannels, detectedAt, actAfter, changedAt, triggerEventId);
    }

    /** The same finding opened afresh: a new id (an exemption ended), a new grace period. */
    public Finding reopened(String newId, Instant at, Instant newActAfter, String why) {
        Finding f = new Finding(schemaVersion, newId, transitionId, policy, policyVersion, detector, FindingState.OPEN, why,
                resourceId, kind, nativeId, account, region, instanceType, gpuCount, launchedBy, tags, group, figures,
                violations, action, mode, channels, detectedAt, newActAfter, at, triggerEventId);
        return f.moveTo(FindingState.OPEN, why, at);
    }

    /** The same finding with the resource's current tags (they decide exemptions until the action). */
    public Finding withTags(Map<String, String> current) {
        return new Finding(schemaVersion, id, transitionId, policy, policyVersion, detector, state, stateReason,
                resourceId, kind, nativeId, account, region, instanceType, gpuCount, launchedBy, current, group, figures,
                violations, action, mode, channels, detectedAt, actAfter, changedAt, triggerEventId);
    }
}
