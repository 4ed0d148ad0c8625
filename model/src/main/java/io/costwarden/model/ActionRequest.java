package io.costwarden.model;

import java.time.Instant;

/**
 * A decision to act on a finding, sent to the executor.
 *
 * @param actionId deterministic: {@link Ids#action} of finding id and action, the executor's dedupe key
 */
public record ActionRequest(
        int schemaVersion,
        String actionId,
        String findingId,
        String policy,
        String policyVersion,
        ActionKind action,
        Mode mode,
        String resourceId,
        ResourceKind kind,
        String nativeId,
        String account,
        String region,
        Instant requestedAt) {

    public static final int SCHEMA_VERSION = 1;
}
