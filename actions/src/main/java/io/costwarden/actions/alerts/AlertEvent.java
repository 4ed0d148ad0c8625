package io.costwarden.actions.alerts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One state change worth telling people about, with everything a message needs and nothing it must
 * look up later. Built by {@link AlertEvents} from a finding transition or an action result; rendered
 * by each {@link AlertChannel} into its own request body.
 *
 * @param id             the dedupe key: the finding transition's id, or a hash of action id and outcome;
 *                       the same on every redelivery and replay, sent as {@code Costwarden-Event-Id}
 * @param at             when the state changed (the transition's or the result's wall-clock time)
 * @param reason         why the finding is in this state ({@code stateReason})
 * @param resourceId     the resource's ARN; empty for a finding about a group
 * @param resourceKind   the resource kind's word ({@code ec2-instance}); empty for a group
 * @param group          the group a group finding is about ({@code team=ml-research}); else empty
 * @param owner          the first owner tag present on the resource (see {@link AlertEvents}); else empty
 * @param policyChannels the channels the policy names in {@code notify}
 * @param actAfter       when the grace period ends (warnings); otherwise the same as {@code at}
 */
public record AlertEvent(
        String id,
        AlertKind kind,
        Instant at,
        String findingId,
        String policy,
        String detector,
        String reason,
        List<String> violations,
        String resourceId,
        String resourceKind,
        String nativeId,
        String account,
        String region,
        String instanceType,
        String group,
        String owner,
        String launchedBy,
        Map<String, String> tags,
        Map<String, Double> figures,
        List<String> policyChannels,
        Instant actAfter,
        Action action,
        Spend spend) {

    public AlertEvent {
        reason = text(reason);
        detector = text(detector);
        violations = violations == null ? List.of() : List.copyOf(violations);
        resourceId = text(resourceId);
        resourceKind = text(resourceKind);
        nativeId = text(nativeId);
        account = text(account);
        region = text(region);
        instanceType = text(instanceType);
        group = text(group);
        owner = text(owner);
        launchedBy = text(launchedBy);
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        figures = figures == null ? Map.of() : Map.copyOf(figures);
        policyChannels = policyChannels == null ? List.of() : List.copyOf(policyChannels);
        actAfter = actAfter == null ? at : actAfter;
        action = action == null ? Action.NONE : action;
        spend = spend == null ? Spend.UNKNOWN : spend;
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }

    /** What the finding is about: the resource's ARN, else its group. */
    public String subject() {
        return resourceId.isEmpty() ? group : resourceId;
    }

    /** A short name for people: the instance id or notebook name, else the group. */
    public String subjectName() {
        return !nativeId.isEmpty() ? nativeId : subject();
    }

    /**
     * The action a policy asked for and, once the executor has reported, how it ended.
     *
     * @param action   the action word ({@code stop}, {@code notify}); empty when unknown
     * @param mode     {@code dry-run}, {@code notify} or {@code enforce}
     * @param actionId the executor's action id; empty before there is a result
     * @param outcome  {@code dry-run}, {@code succeeded}, {@code failed}, {@code skipped}; empty when the
     *                 action has not run (a warning) or has no AWS call (notify-only)
     * @param message  the executor's message (why skipped, AWS's error message, why dry-run)
     */
    public record Action(String action, String mode, String actionId, String outcome, String message,
            String errorCode, String awsRequestId) {
        public static final Action NONE = new Action("", "", "", "", "", "", "");

        public Action {
            action = text(action);
            mode = text(mode);
            actionId = text(actionId);
            outcome = text(outcome);
            message = text(message);
            errorCode = text(errorCode);
            awsRequestId = text(awsRequestId);
        }

        /** {@code stop (dry-run)}, {@code notify}, or empty. */
        public String describe() {
            if (action.isEmpty()) {
                return "";
            }
            return mode.isEmpty() || action.equals("notify") ? action : action + " (" + mode + ")";
        }
    }

    /**
     * How fast the subject spends, when known.
     *
     * @param usdPerHour US dollars per hour; meaningful only when {@code basis} is not empty
     * @param basis      where the figure comes from: {@code group spend rate} (the spend detector's live
     *                   rate) or {@code on-demand price of p4d.24xlarge in us-east-1} (one instance, list
     *                   price); empty when unknown
     */
    public record Spend(double usdPerHour, String basis) {
        public static final Spend UNKNOWN = new Spend(0, "");

        public Spend {
            basis = text(basis);
        }

        public boolean known() {
            return !basis.isEmpty();
        }
    }
}
