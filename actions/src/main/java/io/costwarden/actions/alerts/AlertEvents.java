package io.costwarden.actions.alerts;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which finding transitions and action results become alerts, and what they say.
 *
 * <ul>
 *   <li>open with a grace period: {@link AlertKind#WARNING}; open without one: nothing, because the
 *       acted step follows within a second and one message is enough;</li>
 *   <li>acted, for a policy that requests an action: nothing yet; the executor's result says
 *       {@link AlertKind#ACTED} or {@link AlertKind#FAILED} with the outcome, so the message tells what
 *       happened rather than what was asked;</li>
 *   <li>acted, for a notify-only policy or mode: {@link AlertKind#ACTED};</li>
 *   <li>cancelled and resolved: their own kinds.</li>
 * </ul>
 */
public final class AlertEvents {
    /** The spend detector's live rate of a group, in {@link Finding#figures()}. */
    static final String RATE_FIGURE = "rateUsdPerHour";

    /** The hourly on-demand list price of one instance, when known. */
    @FunctionalInterface
    public interface Pricing {
        Optional<BigDecimal> usdPerHour(String instanceType, String region);

        Pricing NONE = (type, region) -> Optional.empty();
    }

    private final List<String> ownerTags;
    private final Pricing pricing;
    private final Function<String, List<String>> currentChannels;

    /**
     * @param ownerTags       tag keys that name a resource's owner; the first present is the owner shown ({@code owner}, {@code costwarden:notify})
     * @param currentChannels a policy's {@code notify} channels as the policies now stand, for results whose
     *                        finding is not known here
     */
    public AlertEvents(List<String> ownerTags, Pricing pricing, Function<String, List<String>> currentChannels) {
        this.ownerTags = List.copyOf(ownerTags);
        this.pricing = pricing;
        this.currentChannels = currentChannels;
    }

    /** Whether the decision step requested an action at this acted transition (its result then tells the outcome). */
    static boolean requestsAction(Finding f) {
        return f.action() != null && f.action() != ActionKind.NOTIFY && f.mode() != Mode.NOTIFY
                && !f.resourceId().isEmpty();
    }

    public Optional<AlertEvent> of(Finding f) {
        if (f.state() == null || f.id() == null) {
            return Optional.empty();
        }
        AlertKind kind;
        switch (f.state()) {
            case OPEN -> {
                if (f.actAfter() == null || f.changedAt() == null || !f.actAfter().isAfter(f.changedAt())) {
                    return Optional.empty();
                }
                kind = AlertKind.WARNING;
            }
            case ACTED -> {
                if (requestsAction(f)) {
                    return Optional.empty();
                }
                kind = AlertKind.ACTED;
            }
            case CANCELLED -> kind = AlertKind.CANCELLED;
            case RESOLVED -> kind = AlertKind.RESOLVED;
            default -> {
                return Optional.empty();
            }
        }
        String id = f.transitionId() == null || f.transitionId().isBlank()
                ? Ids.hash("transition", f.id(), f.state().word()) : f.transitionId();
        AlertEvent.Action action = new AlertEvent.Action(word(f.action()), word(f.mode()), "", "", "", "", "");
        return Optional.of(event(id, kind, f.changedAt() == null ? f.detectedAt() : f.changedAt(), f, action));
    }

    /**
     * The alert for an action result. {@code finding} is the finding it acted on, when known here; without
     * it the message carries what the result knows and is routed by the policy's current channels.
     */
    public Optional<AlertEvent> of(ActionResult r, Optional<Finding> finding) {
        Optional<AlertKind> kind = kindOf(r);
        if (kind.isEmpty() || r.actionId() == null || r.at() == null) {
            return Optional.empty();
        }
        String id = Ids.hash("alert", r.actionId(), r.outcome().name());
        AlertEvent.Action action = new AlertEvent.Action(word(r.action()), word(r.mode()), r.actionId(),
                r.outcome().name().toLowerCase(Locale.ROOT).replace('_', '-'), r.message(), r.errorCode(),
                r.awsRequestId());
        if (finding.isPresent()) {
            return Optional.of(event(id, kind.get(), r.at(), finding.get(), action));
        }
        String arn = r.resourceId() == null ? "" : r.resourceId();
        String[] parts = arn.split(":", 6);
        String nativeId = "";
        if (r.kind() != null) {
            try {
                nativeId = r.kind().nativeId(arn);
            } catch (IllegalArgumentException e) {
                // An ARN that does not match its kind still makes an alert; the short name falls back to the ARN.
                nativeId = "";
            }
        }
        List<String> channels = r.policy() == null ? List.of() : currentChannels.apply(r.policy());
        return Optional.of(new AlertEvent(id, kind.get(), r.at(), r.findingId(), r.policy(), "", "", List.of(), arn,
                r.kind() == null ? "" : r.kind().word(), nativeId, parts.length > 4 ? parts[4] : "",
                parts.length > 3 ? parts[3] : "", "", "", "", "", Map.of(), Map.of(), channels, r.at(), action,
                AlertEvent.Spend.UNKNOWN));
    }

    /**
     * The alert kind of a result. An undo that succeeded is {@link AlertKind#UNDONE}; one that failed or was
     * refused is {@link AlertKind#FAILED}, since the operator who asked expected the change to be reverted.
     * An outcome this code does not know yet makes no alert rather than a wrong one.
     */
    static Optional<AlertKind> kindOf(ActionResult r) {
        if (r.outcome() == null) {
            return Optional.empty();
        }
        Outcome o = r.outcome();
        if (r.isUndo()) {
            return Optional.of(o == Outcome.SUCCEEDED ? AlertKind.UNDONE : AlertKind.FAILED);
        }
        if (o == Outcome.FAILED) {
            return Optional.of(AlertKind.FAILED);
        }
        if (o == Outcome.SUCCEEDED || o == Outcome.DRY_RUN || o == Outcome.SKIPPED || o == Outcome.RECOMMENDED) {
            return Optional.of(AlertKind.ACTED);
        }
        return Optional.empty();
    }

    private AlertEvent event(String id, AlertKind kind, java.time.Instant at, Finding f, AlertEvent.Action action) {
        return new AlertEvent(id, kind, at, f.id(), f.policy(), f.detector(), f.stateReason(), f.violations(),
                f.resourceId(), f.kind() == null ? "" : f.kind().word(), f.nativeId(), f.account(), f.region(),
                f.instanceType(), f.group(), owner(f.tags()), f.launchedBy(), f.tags(), f.figures(), f.channels(),
                kind == AlertKind.WARNING ? f.actAfter() : at, action, spend(f));
    }

    /** The first owner tag present with a value. */
    String owner(Map<String, String> tags) {
        for (String key : ownerTags) {
            String v = tags.get(key);
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return "";
    }

    private AlertEvent.Spend spend(Finding f) {
        Double rate = f.figures().get(RATE_FIGURE);
        if (rate != null && Double.isFinite(rate)) {
            return new AlertEvent.Spend(rate, "group spend rate");
        }
        if (!f.instanceType().isEmpty() && f.region() != null && !f.region().isEmpty()) {
            try {
                return pricing.usdPerHour(f.instanceType(), f.region())
                        .map(p -> new AlertEvent.Spend(p.doubleValue(),
                                "on-demand price of " + f.instanceType() + " in " + f.region()))
                        .orElse(AlertEvent.Spend.UNKNOWN);
            } catch (RuntimeException e) {
                // A price is a nicety in a message; a catalog problem must not cost the alert.
                return AlertEvent.Spend.UNKNOWN;
            }
        }
        return AlertEvent.Spend.UNKNOWN;
    }

    private static String word(ActionKind a) {
        return a == null ? "" : a.word();
    }

    private static String word(Mode m) {
        return m == null ? "" : m.word();
    }
}
