package io.costwarden.model;

import java.time.Instant;

/**
 * The audit record of one action: what was (or would have been) sent and how it ended.
 *
 * @param errorCode    the AWS error code when {@link Outcome#FAILED}, else empty
 * @param awsRequestId the AWS request id when AWS answered, else empty
 */
public record ActionResult(
        int schemaVersion,
        String actionId,
        String findingId,
        String policy,
        ActionKind action,
        Mode mode,
        String resourceId,
        ResourceKind kind,
        Outcome outcome,
        WireRequest request,
        String errorCode,
        String message,
        String awsRequestId,
        Instant at) {

    public static final int SCHEMA_VERSION = 1;

    public ActionResult {
        errorCode = errorCode == null ? "" : errorCode;
        message = message == null ? "" : message;
        awsRequestId = awsRequestId == null ? "" : awsRequestId;
    }
}
