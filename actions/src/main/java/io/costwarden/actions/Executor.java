package io.costwarden.actions;

import io.costwarden.actions.autoscaling.GroupCapacity;
import io.costwarden.actions.autoscaling.GroupSpotMigration;
import io.costwarden.actions.autoscaling.GroupTags;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.actions.aws.Target;
import io.costwarden.actions.ec2.Ec2Instances;
import io.costwarden.actions.ec2.Ec2Tags;
import io.costwarden.actions.ec2.InstanceTypeChange;
import io.costwarden.actions.ec2.SpotReplacement;
import io.costwarden.actions.sagemaker.EndpointCapacity;
import io.costwarden.actions.sagemaker.NotebookTypeChange;
import io.costwarden.actions.sagemaker.SageMakerNotebooks;
import io.costwarden.actions.sagemaker.SageMakerTags;
import io.costwarden.actions.sagemaker.StudioApps;
import io.costwarden.actions.sagemaker.TrainingJobs;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.WireRequest;
import io.costwarden.model.policy.Exemption;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Carries out one action request (or the undo of an earlier one) and always returns its result: dry-run (the
 * exact changes that would have been sent), succeeded, recommended, failed (with the AWS error code and
 * request id) or skipped (with why). Nothing here throws for an AWS problem; every outcome is recorded.
 *
 * <p>Which AWS calls an action makes is the business of its {@link Adapter}; this class picks the adapter,
 * gives it a {@link Calls} for the request's account, region and mode, and turns what happened into the
 * audit record.
 */
public final class Executor {
    private static final Logger LOG = LoggerFactory.getLogger(Executor.class);
    private static final WireRequest NOTHING_SENT = new WireRequest("", "", "", "", Map.of(), "");

    /**
     * How long one action may take in all (its reads, changes and waits) and how often its waiters poll.
     * The actions role sizes its transaction timeout and poll interval from {@code timeout}.
     */
    public record Timing(Duration timeout, Duration poll) {
        /** Ten minutes: an EC2 stop and start, or a notebook update, fit well inside; EC2's own waiters poll every 15 s. */
        public static final Timing DEFAULT = new Timing(Duration.ofMinutes(10), Duration.ofSeconds(15));
    }

    private final Map<String, Adapter> adapters = new HashMap<>();
    private final AwsClients clients;
    private final SavingEstimate savings;
    private final boolean forceDryRun;
    private final Timing timing;
    private final MeterRegistry meters;
    private final Clock clock;

    /**
     * @param forceDryRun when true no change is ever sent, whatever a policy's mode says (the demo runs this way)
     */
    public Executor(AwsClients clients, List<Adapter> adapters, boolean forceDryRun, Timing timing,
            InstanceCatalog catalog, MeterRegistry meters, Clock clock) {
        for (Adapter a : adapters) {
            if (this.adapters.put(key(a.action(), a.kind()), a) != null) {
                throw new IllegalArgumentException("two adapters for " + a.action().word() + " of " + a.kind().word());
            }
        }
        this.clients = clients;
        this.savings = new SavingEstimate(catalog);
        this.forceDryRun = forceDryRun;
        this.timing = timing;
        this.meters = meters;
        this.clock = clock;
    }

    /** The executor with every adapter, on these clients, with the default timing and the bundled catalog. */
    public static Executor over(AwsClients clients, boolean forceDryRun, MeterRegistry meters, Clock clock) {
        return over(clients, forceDryRun, Timing.DEFAULT, InstanceCatalog.bundled(), meters, clock);
    }

    public static Executor over(AwsClients clients, boolean forceDryRun, Timing timing, InstanceCatalog catalog,
            MeterRegistry meters, Clock clock) {
        return new Executor(clients, adapters(catalog, clock), forceDryRun, timing, catalog, meters, clock);
    }

    /** One adapter per action and resource kind that the policy language allows. */
    public static List<Adapter> adapters(InstanceCatalog catalog, Clock clock) {
        List<Adapter> all = new ArrayList<>(List.of(
                new Stop(new Ec2Instances()), new Stop(new SageMakerNotebooks()), new Stop(new StudioApps()),
                new Stop(new TrainingJobs()),
                new InstanceTypeChange(), new NotebookTypeChange(), new EndpointCapacity(), new GroupCapacity(),
                new GroupSpotMigration(), new SpotReplacement(catalog, clock),
                new Ec2Tags(), new GroupTags()));
        for (ResourceKind kind : List.of(ResourceKind.SAGEMAKER_NOTEBOOK, ResourceKind.SAGEMAKER_APP,
                ResourceKind.SAGEMAKER_ENDPOINT, ResourceKind.SAGEMAKER_TRAINING_JOB)) {
            all.add(new SageMakerTags(kind));
        }
        return all;
    }

    public Timing timing() {
        return timing;
    }

    public ActionResult execute(ActionRequest r) {
        return execute(r, null);
    }

    /**
     * Runs the request; for an undo, {@code original} is the ledger's result of the action undone (null when the
     * ledger has none).
     */
    public ActionResult execute(ActionRequest r, ActionResult original) {
        ActionResult result = r.isUndo() ? undo(r, original) : run(r);
        meters.counter("costwarden.actions", "action", r.isUndo() ? "undo" : r.action().word(), "outcome",
                result.outcome().name()).increment();
        LOG.info("action {} {}{} on {}: {}{}", r.actionId(), r.isUndo() ? "undo of " : "", r.action().word(),
                r.resourceId(), result.outcome(), result.errorCode().isEmpty() ? "" : " " + result.errorCode());
        return result;
    }

    /** Whether this request would change AWS state, so that the guardrails apply: a dry-run touches nothing. */
    public boolean wouldSend(ActionRequest r) {
        return !r.isUndo() && r.action() != ActionKind.NOTIFY && r.mode() == Mode.ENFORCE && !forceDryRun
                && adapters.containsKey(key(r.action(), r.kind()));
    }

    /** The result of a request a guardrail stopped: skipped, with the guardrail's code and reason. */
    public ActionResult blocked(ActionRequest r, Guardrails.Block block) {
        ActionResult result = result(r, Outcome.SKIPPED, List.of(), NOTHING_SENT, block.code(), block.message(), "", null);
        meters.counter("costwarden.actions.blocked", "reason", block.code()).increment();
        meters.counter("costwarden.actions", "action", r.isUndo() ? "undo" : r.action().word(), "outcome",
                result.outcome().name()).increment();
        LOG.warn("action {} {} on {} blocked: {}", r.actionId(), r.action().word(), r.resourceId(), block.message());
        return result;
    }

    private ActionResult run(ActionRequest r) {
        if (r.action() == ActionKind.NOTIFY) {
            return skipped(r, "", "action 'notify' has no AWS call");
        }
        if (r.mode() == Mode.NOTIFY) {
            return skipped(r, "", "policy mode is notify");
        }
        Adapter adapter = adapters.get(key(r.action(), r.kind()));
        if (adapter == null) {
            return skipped(r, Refusal.UNSUPPORTED, r.action().word() + " is not available for " + r.kind().word());
        }
        boolean dryRun = forceDryRun || r.mode() != Mode.ENFORCE;
        return carryOut(r, dryRun, new Exemption(r.exemptTags()), calls -> adapter.act(calls, r));
    }

    private ActionResult undo(ActionRequest r, ActionResult original) {
        if (original == null) {
            return skipped(r, Refusal.NOT_UNDOABLE, "no action " + r.undoOf() + " in the ledger");
        }
        if (original.isUndo()) {
            return skipped(r, Refusal.NOT_UNDOABLE, "action " + r.undoOf() + " is itself an undo; act again instead");
        }
        if (!original.changedSomething()) {
            return skipped(r, Refusal.NOT_UNDOABLE, "action " + r.undoOf() + " changed nothing (" + original.outcome()
                    + (original.message().isEmpty() ? "" : ": " + original.message()) + ")");
        }
        Adapter adapter = adapters.get(key(original.action(), original.kind()));
        if (adapter == null) {
            return skipped(r, Refusal.UNSUPPORTED, original.action().word() + " of " + original.kind().word()
                    + " has no adapter to undo it");
        }
        // An operator's undo is not subject to the policy's exemptions: it restores what Costwarden changed. Where
        // it goes comes from the ledger's record, not from the request, which could name another account.
        ActionRequest where = r.at(original);
        return carryOut(where, forceDryRun, Exemption.NONE, calls -> adapter.undo(calls, where, original));
    }

    private ActionResult carryOut(ActionRequest r, boolean dryRun, Exemption exemption,
            java.util.function.Function<Calls, Done> sequence) {
        Target target = Target.within(r.account(), r.region(), dryRun, timing.timeout());
        Calls calls = new Calls(clients, target, timing.poll(), exemption, clock);
        try {
            Done done = sequence.apply(calls);
            Outcome outcome = dryRun && done.outcome() == Outcome.SUCCEEDED && !calls.requests().isEmpty()
                    ? Outcome.DRY_RUN : done.outcome();
            String message = outcome != Outcome.DRY_RUN ? done.message() : why(r) + "; would send " + operations(calls)
                    + (done.message().isEmpty() ? "" : " (" + done.message() + ")");
            return result(r, outcome, calls.requests(), calls.principal().orElse(NOTHING_SENT), "", message,
                    calls.lastRequestId(), done, dryRun);
        } catch (Refusal refusal) {
            return result(r, Outcome.SKIPPED, calls.requests(), calls.principal().orElse(NOTHING_SENT), refusal.code(),
                    refusal.getMessage(), calls.lastRequestId(), null, dryRun);
        } catch (Calls.WaitFailed e) {
            return result(r, Outcome.FAILED, calls.requests(), calls.principal().orElse(NOTHING_SENT), "WaitFailed",
                    e.getMessage() + "; " + done(calls), calls.lastRequestId(), null, dryRun);
        } catch (SdkException e) {
            return failed(r, calls, e, dryRun);
        } catch (IllegalArgumentException e) {
            // The native id cannot name such a resource (a malformed Studio app id), found before any call.
            if (calls.requests().isEmpty()) {
                return result(r, Outcome.SKIPPED, List.of(), NOTHING_SENT, "", e.getMessage(), "", null, dryRun);
            }
            return unexpected(r, calls, e, dryRun);
        } catch (RuntimeException e) {
            // A defect or an answer no adapter expected: still one recorded result, never an exception that would
            // dead-letter the request without a ledger entry after AWS may have been changed.
            return unexpected(r, calls, e, dryRun);
        }
    }

    private ActionResult unexpected(ActionRequest r, Calls calls, RuntimeException e, boolean dryRun) {
        LOG.error("action {} {} on {} ended unexpectedly", r.actionId(), r.action().word(), r.resourceId(), e);
        return result(r, Outcome.FAILED, calls.requests(), calls.principal().orElse(NOTHING_SENT), "InternalError",
                e.getClass().getSimpleName() + ": " + e.getMessage() + (calls.requests().isEmpty() ? "; nothing sent"
                        : "; " + done(calls)), calls.lastRequestId(), null, dryRun);
    }

    /**
     * A call AWS refused, or that could not be made. The SDK has already retried what is worth retrying
     * (throttling, 5xx, network); what arrives here is permanent or out of attempts, and is recorded, not
     * retried. The message names the call that failed (the last one put on the wire, or with nothing sent the
     * service, as when STS refused the role) and the changes already made before it.
     */
    private ActionResult failed(ActionRequest r, Calls calls, SdkException e, boolean dryRun) {
        List<WireRequest> sent = calls.requests();
        WireRequest last = sent.isEmpty() ? NOTHING_SENT : sent.get(sent.size() - 1);
        String attempts = e.numAttempts() != null && e.numAttempts() > 1 ? " (after " + e.numAttempts() + " attempts)" : "";
        AwsServiceException aws = Calls.cause(e, AwsServiceException.class);
        String before = sent.size() > 1 ? "; " + done(calls) : "";
        if (aws == null || aws.awsErrorDetails() == null) {
            return result(r, Outcome.FAILED, sent, last, "ClientError", call(last, "") + e.getMessage() + attempts + before,
                    aws == null ? "" : aws.requestId(), null, dryRun);
        }
        var details = aws.awsErrorDetails();
        String code = details.errorCode() == null || details.errorCode().isEmpty() ? "ClientError" : details.errorCode();
        String message = details.errorMessage() == null ? aws.getMessage() : details.errorMessage();
        return result(r, Outcome.FAILED, sent, last, code, call(last, details.serviceName()) + message + attempts + before,
                aws.requestId(), null, dryRun);
    }

    /** Which call failed: the one last put on the wire, else (nothing sent, e.g. STS refused the role) the service. */
    private static String call(WireRequest wire, String service) {
        if (!wire.operation().isEmpty()) {
            return wire.operation() + ": ";
        }
        return service == null || service.isEmpty() ? "" : service + ": ";
    }

    private static String done(Calls calls) {
        return "calls made: " + operations(calls);
    }

    private static String operations(Calls calls) {
        return String.join(", ", calls.requests().stream().map(WireRequest::operation).toList());
    }

    private String why(ActionRequest r) {
        return forceDryRun && r.mode() == Mode.ENFORCE ? "dry-run forced by costwarden.actions.force-dry-run"
                : "policy mode is dry-run";
    }

    private ActionResult skipped(ActionRequest r, String code, String message) {
        return result(r, Outcome.SKIPPED, List.of(), NOTHING_SENT, code, message, "", null);
    }

    private ActionResult result(ActionRequest r, Outcome outcome, List<WireRequest> requests, WireRequest principal,
            String errorCode, String message, String awsRequestId, Done done, boolean dryRun) {
        // A dry-run changed nothing, so there is nothing for an undo to restore.
        Done kept = done == null || dryRun ? null : done;
        BigDecimal saving = done == null ? null : done.hourlySaving();
        if (saving == null && !r.isUndo() && (outcome == Outcome.DRY_RUN
                || outcome == Outcome.SUCCEEDED && kept != null && !kept.previous().isEmpty())) {
            // For a dry-run, what the action would save: the dashboard shows it apart from what was saved.
            saving = savings.perHour(r, kept == null ? Map.of() : kept.previous()).orElse(null);
        }
        return new ActionResult(ActionResult.SCHEMA_VERSION, r.actionId(), r.findingId(), r.policy(), r.action(), r.mode(),
                r.resourceId(), r.kind(), r.nativeId(), r.account(), r.region(), outcome, principal, requests, errorCode,
                message, awsRequestId, kept == null ? Map.of() : kept.previous(), saving, r.undoOf(), r.requestedBy(),
                clock.instant());
    }

    private ActionResult result(ActionRequest r, Outcome outcome, List<WireRequest> requests, WireRequest principal,
            String errorCode, String message, String awsRequestId, Done done) {
        return result(r, outcome, requests, principal, errorCode, message, awsRequestId, done, false);
    }

    private static String key(ActionKind action, ResourceKind kind) {
        return action.word() + "|" + kind.word();
    }
}
