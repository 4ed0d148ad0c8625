package io.costwarden.streams.quota;

import io.costwarden.model.Resource;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One group's running GPU resources and which of them each gpu-quota policy has reported over quota.
 *
 * @param members by resource ARN: the resource as last seen and when its running period began
 * @param over    per policy name, per resource ARN, the episode reported, so each occurrence is reported once
 *
 * <p>The maps are mutable copies: the detector updates them in place and then writes the record back.
 */
public record QuotaGroup(String dimension, Map<String, Member> members, Map<String, Map<String, String>> over) {

    /** A resource counted in the group. */
    public record Member(Resource resource, Instant since) {
        int gpus() {
            return Math.max(0, resource.gpuCount());
        }
    }

    public QuotaGroup {
        members = members == null ? new HashMap<>() : new HashMap<>(members);
        Map<String, Map<String, String>> copy = new HashMap<>();
        if (over != null) {
            over.forEach((policy, arns) -> copy.put(policy, new HashMap<>(arns)));
        }
        over = copy;
    }

    boolean isEmpty() {
        return members.isEmpty() && over.values().stream().allMatch(Map::isEmpty);
    }
}
