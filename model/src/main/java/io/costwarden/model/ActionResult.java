package io.costwarden.model;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The audit record of one action: what was (or would have been) sent and how it ended.
 *
 * @param request      the call that does the action (StopInstances, ModifyInstanceAttribute, ...), or the last
 *                     call sent when it failed earlier; empty when nothing was sent
 * @param requests     every call, in order: sent (reads, each waiter's last poll, changes) or, for a dry-run, the
 *                     changes that would be sent
 * @param errorCode    the AWS error code when {@link Outcome#FAILED}, a guardrail's code when blocked, else empty
 * @param awsRequestId the AWS request id of the last call AWS answered, else empty
 * @param previous     what the action changed, as it was before (the instance type, the capacity, the launch
 *                     template): what an undo restores; empty when nothing was changed
 * @param hourlySaving the estimated saving in USD per hour, where the action knows it; null otherwise
 * @param undoOf       for an undo, the action it reversed; empty otherwise
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
        String nativeId,
        String account,
        String region,
        Outcome outcome,
        WireRequest request,
        List<WireRequest> requests,
        String errorCode,
        String message,
        String awsRequestId,
        Map<String, String> previous,
        BigDecimal hourlySaving,
        String undoOf,
        String requestedBy,
        Instant at) {

    public static final int SCHEMA_VERSION = 2;

    public ActionResult {
        nativeId = nativeId == null ? "" : nativeId;
        account = account == null ? "" : account;
        region = region == null ? "" : region;
        requests = requests == null ? (request == null || request.operation().isEmpty() ? List.of() : List.of(request))
                : List.copyOf(requests);
        errorCode = errorCode == null ? "" : errorCode;
        message = message == null ? "" : message;
        awsRequestId = awsRequestId == null ? "" : awsRequestId;
        previous = previous == null ? Map.of() : Map.copyOf(previous);
        undoOf = undoOf == null ? "" : undoOf;
        requestedBy = requestedBy == null || requestedBy.isEmpty() ? ActionRequest.BY_POLICY : requestedBy;
    }

    /** A policy action's result as schema 1 carried it: one request, nothing to undo. */
    public ActionResult(int schemaVersion, String actionId, String findingId, String policy, ActionKind action, Mode mode,
            String resourceId, ResourceKind kind, Outcome outcome, WireRequest request, String errorCode, String message,
            String awsRequestId, Instant at) {
        this(schemaVersion, actionId, findingId, policy, action, mode, resourceId, kind, "", "", "", outcome, request, null,
                errorCode, message, awsRequestId, Map.of(), null, "", ActionRequest.BY_POLICY, at);
    }

    public boolean isUndo() {
        return !undoOf.isEmpty();
    }

    /** Whether AWS state was changed, so that an undo has something to restore. */
    public boolean changedSomething() {
        return outcome == Outcome.SUCCEEDED && !previous.isEmpty();
    }
}
