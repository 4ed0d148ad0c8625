package io.costwarden.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A decision to act on a finding, or an operator's request to undo an earlier action, sent to the executor.
 *
 * @param actionId     deterministic: {@link Ids#action} of finding id and action (or {@link Ids#undo} of the action
 *                     undone), the executor's dedupe key
 * @param instanceType the type the inventory knew at detection (dry-runs and recommendations name it); may be empty
 * @param options      the policy's parameters for its action, as in force when the grace period ended
 * @param exemptTags   the policy's own exempt tag filters, checked again against live tags just before acting
 * @param undoOf       for an undo, the id of the action it reverses; empty otherwise
 * @param requestedBy  who asked: {@code policy} or, for an undo, the operator as the API caller named themselves
 *                     ({@code ?by=}; self-reported while the operator endpoints share one admin key)
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
        String instanceType,
        ActionOptions options,
        Map<String, List<String>> exemptTags,
        String undoOf,
        String requestedBy,
        Instant requestedAt) {

    public static final int SCHEMA_VERSION = 2;
    public static final String BY_POLICY = "policy";

    public ActionRequest {
        instanceType = instanceType == null ? "" : instanceType;
        options = options == null ? ActionOptions.NONE : options;
        exemptTags = exemptTags == null ? Map.of() : Map.copyOf(exemptTags);
        undoOf = undoOf == null ? "" : undoOf;
        requestedBy = requestedBy == null || requestedBy.isEmpty() ? BY_POLICY : requestedBy;
    }

    /** A policy's request with default options, as schema 1 carried it. */
    public ActionRequest(int schemaVersion, String actionId, String findingId, String policy, String policyVersion,
            ActionKind action, Mode mode, String resourceId, ResourceKind kind, String nativeId, String account,
            String region, Instant requestedAt) {
        this(schemaVersion, actionId, findingId, policy, policyVersion, action, mode, resourceId, kind, nativeId, account,
                region, "", ActionOptions.NONE, Map.of(), "", BY_POLICY, requestedAt);
    }

    public boolean isUndo() {
        return !undoOf.isEmpty();
    }

    public ActionRequest withOptions(ActionOptions options) {
        return new ActionRequest(schemaVersion, actionId, findingId, policy, policyVersion, action, mode, resourceId, kind,
                nativeId, account, region, instanceType, options, exemptTags, undoOf, requestedBy, requestedAt);
    }

    /** This request aimed at the resource {@code original} acted on: an undo's target comes from the ledger. */
    public ActionRequest at(ActionResult original) {
        return new ActionRequest(schemaVersion, actionId, findingId, policy, policyVersion, original.action(), mode,
                original.resourceId(), original.kind(), original.nativeId(), original.account(), original.region(),
                instanceType, options, exemptTags, undoOf, requestedBy, requestedAt);
    }

    /** An undo of {@code original}: always enforce (an operator asked for it), id derived from the action undone. */
    public static ActionRequest undo(ActionResult original, String operator, Instant at) {
        return undo(original, operator, at, 1);
    }

    /** Attempt {@code attempt} at undoing {@code original}, after earlier attempts that did not succeed. */
    public static ActionRequest undo(ActionResult original, String operator, Instant at, int attempt) {
        return new ActionRequest(SCHEMA_VERSION, Ids.undo(original.actionId(), attempt), original.findingId(), original.policy(), "",
                original.action(), Mode.ENFORCE, original.resourceId(), original.kind(), original.nativeId(),
                original.account(), original.region(), "", ActionOptions.NONE, Map.of(), original.actionId(), operator, at);
    }
}
