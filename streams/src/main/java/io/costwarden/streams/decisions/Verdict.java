package io.costwarden.streams.decisions;

import io.costwarden.model.Resource;
import io.costwarden.model.policy.Policy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A detector's word on one subject under one policy: the condition holds (open a finding, unless one
 * is already open) or it no longer holds (cancel or resolve the open one). Detectors only say this;
 * {@link DecisionTopology} owns the finding's life, grace and exemptions.
 *
 * @param subjectId the resource ARN, or for a finding about a group its group key ({@code team=ml})
 * @param episode   identifies this occurrence of the condition, so the finding id is the same on replay
 * @param at        data time the verdict refers to (event or datapoint time)
 * @param resource  the resource as the detector saw it; null for a finding about a group
 * @param group     for group detectors, the group ({@code team=ml}); empty otherwise
 * @param figures   numbers behind the verdict, for the finding
 */
public record Verdict(Policy policy, String subjectId, boolean holds, String episode, List<String> violations,
        Instant at, String triggerEventId, Resource resource, String group, Map<String, Double> figures)
        implements DecisionInput {

    public Verdict {
        violations = List.copyOf(violations);
        figures = figures == null ? Map.of() : Map.copyOf(figures);
        group = group == null ? "" : group;
    }

    public static Verdict holds(Policy policy, Resource r, String episode, List<String> violations, Instant at,
            String triggerEventId) {
        return new Verdict(policy, r.id(), true, episode, violations, at, triggerEventId, r, "", Map.of());
    }

    /** The condition no longer holds, and why (the finding's cancel or resolve reason). */
    public static Verdict clears(Policy policy, Resource r, String why, Instant at) {
        return new Verdict(policy, r.id(), false, "", List.of(why), at, "", r, "", Map.of());
    }
}
