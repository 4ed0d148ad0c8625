package io.costwarden.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A policy's verdict on one resource.
 *
 * @param id            deterministic: {@link Ids#finding} of policy, resource and window, so a replay or a
 *                      restart re-emits the same id and the actions side dedupes on it
 * @param policyVersion content hash of the policy file that made the decision
 * @param detector      the detector word, e.g. {@code launch}
 * @param violations    one line per broken rule, e.g. {@code instance type p4d.24xlarge not in [t3.*, m5.*]}
 * @param triggerEventId the ResourceEvent that completed the condition
 */
public record Finding(
        int schemaVersion,
        String id,
        String policy,
        String policyVersion,
        String detector,
        FindingState state,
        String resourceId,
        ResourceKind kind,
        String nativeId,
        String account,
        String region,
        String instanceType,
        int gpuCount,
        String launchedBy,
        Map<String, String> tags,
        List<String> violations,
        ActionKind action,
        Mode mode,
        Instant detectedAt,
        String triggerEventId) {

    public static final int SCHEMA_VERSION = 1;

    public Finding {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        violations = violations == null ? List.of() : List.copyOf(violations);
    }

    /** The violations as one human sentence. */
    public String reason() {
        return String.join("; ", violations);
    }
}
