package io.costwarden.actions;

import io.costwarden.actions.aws.AwsClients;
import io.costwarden.actions.aws.Target;
import io.costwarden.actions.aws.WireCapture;
import io.costwarden.actions.ec2.Ec2Instances;
import io.costwarden.actions.sagemaker.SageMakerNotebooks;
import io.costwarden.actions.sagemaker.StudioApps;
import io.costwarden.actions.sagemaker.TrainingJobs;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.WireRequest;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Carries out one action request and always returns its result: dry-run (the exact request that would
 * have been sent), succeeded, failed (with the AWS error code and request id) or skipped (with why).
 * Nothing here throws for an AWS problem; every outcome is recorded.
 *
 * <p>An enforced stop first describes the resource and sends the stop only if it still runs. A request
 * executed again after a crash (AWS called, result not yet committed) therefore finds the resource
 * stopping or stopped and sends nothing; so does a stop of a resource someone else already stopped.
 */
public final class Executor {
    private static final Logger LOG = LoggerFactory.getLogger(Executor.class);
    private static final WireRequest NOTHING_SENT = new WireRequest("", "", "", "", Map.of(), "");
    /**
     * All AWS calls of one action (its Describe and its stop, retries included) share this deadline. The
     * actions role's transaction timeout is sized from it (see ActionsRole).
     */
    public static final Duration ACTION_TIMEOUT = AwsClients.API_CALL_TIMEOUT;

    private final Map<ResourceKind, StopAdapter> stops = new EnumMap<>(ResourceKind.class);
    private final boolean forceDryRun;
    private final MeterRegistry meters;
    private final Clock clock;

    /**
     * @param stops       one adapter per resource kind that can be stopped
     * @param forceDryRun when true no request is ever sent, whatever a policy's mode says (the demo runs this way)
     */
    public Executor(List<StopAdapter> stops, boolean forceDryRun, MeterRegistry meters, Clock clock) {
        for (StopAdapter s : stops) {
            if (this.stops.put(s.kind(), s) != null) {
                throw new IllegalArgumentException("two stop adapters for " + s.kind().word());
            }
        }
        this.forceDryRun = forceDryRun;
        this.meters = meters;
        this.clock = clock;
    }

    /** The executor with every adapter, on these clients. */
    public static Executor over(AwsClients clients, boolean forceDryRun, MeterRegistry meters, Clock clock) {
        return new Executor(List.of(new Ec2Instances(clients), new SageMakerNotebooks(clients), new StudioApps(clients),
                new TrainingJobs(clients)), forceDryRun, meters, clock);
    }

    public ActionResult execute(ActionRequest r) {
        ActionResult result = run(r);
        meters.counter("costwarden.actions", "action", r.action().word(), "outcome", result.outcome().name()).increment();
        LOG.info("action {} {} on {}: {}{}", r.actionId(), r.action().word(), r.resourceId(), result.outcome(),
                result.errorCode().isEmpty() ? "" : " " + result.errorCode());
        return result;
    }

    /** Whether this request would reach AWS: only these pass the guardrails (a dry-run touches nothing). */
    public boolean wouldSend(ActionRequest r) {
        return r.action() == ActionKind.STOP && r.mode() == Mode.ENFORCE && !forceDryRun && stops.containsKey(r.kind());
    }

    /** The result of a request a guardrail stopped: skipped, with the guardrail's code and reason. */
    public ActionResult blocked(ActionRequest r, Guardrails.Block block) {
        ActionResult result = result(r, Outcome.SKIPPED, NOTHING_SENT, block.code(), block.message(), "");
        meters.counter("costwarden.actions.blocked", "reason", block.code()).increment();
        meters.counter("costwarden.actions", "action", r.action().word(), "outcome", result.outcome().name()).increment();
        LOG.warn("action {} {} on {} blocked: {}", r.actionId(), r.action().word(), r.resourceId(), block.message());
        return result;
    }

    private ActionResult run(ActionRequest r) {
        if (r.action() != ActionKind.STOP) {
            return result(r, Outcome.SKIPPED, NOTHING_SENT, "", "action '" + r.action().word() + "' has no AWS call", "");
        }
        if (r.mode() == Mode.NOTIFY) {
            return result(r, Outcome.SKIPPED, NOTHING_SENT, "", "policy mode is notify", "");
        }
        StopAdapter adapter = stops.get(r.kind());
        if (adapter == null) {
            return result(r, Outcome.SKIPPED, NOTHING_SENT, "", "stop is not supported for " + r.kind().word() + " yet", "");
        }
        boolean dryRun = forceDryRun || r.mode() != Mode.ENFORCE;
        Target target = Target.within(r.account(), r.region(), dryRun, ACTION_TIMEOUT);
        WireCapture.takeLast();
        try {
            if (dryRun) {
                // The stop alone: a dry-run client has no credentials for the Describe, and reads nothing from AWS.
                adapter.stop(target, r.nativeId());
                throw new IllegalStateException("a dry-run client sent " + adapter.stopCall());
            }
            StopAdapter.State seen = adapter.describe(target, r.nativeId());
            WireRequest described = sent();
            if (seen.reached()) {
                meters.counter("costwarden.actions.already.stopped", "kind", r.kind().word()).increment();
                return result(r, Outcome.SUCCEEDED, described, "", "already " + seen.name() + " (" + adapter.describeCall()
                        + "); " + adapter.stopCall() + " not sent", seen.awsRequestId());
            }
            String awsRequestId = adapter.stop(target, r.nativeId());
            return result(r, Outcome.SUCCEEDED, sent(), "", adapter.describeCall() + " saw " + seen.name()
                    + " (request id " + seen.awsRequestId() + "); " + adapter.stopCall() + " sent", awsRequestId);
        } catch (WireCapture.Captured captured) {
            return dryRun(r, captured);
        } catch (IllegalArgumentException e) {
            // The native id cannot name such a resource (a malformed Studio app id): nothing could be sent.
            return result(r, Outcome.SKIPPED, NOTHING_SENT, "", e.getMessage(), "");
        } catch (SdkException e) {
            WireCapture.Captured captured = cause(e, WireCapture.Captured.class);
            if (captured != null) {
                return dryRun(r, captured);
            }
            return failed(r, e);
        }
    }

    /**
     * A call AWS refused, or that could not be made. The SDK has already retried what is worth retrying
     * (throttling, 5xx, network); what arrives here is permanent or out of attempts, and is recorded, not
     * retried. The message names the call that failed: the Describe, the stop, or (with nothing sent) the STS
     * call that fetches the account's credentials.
     */
    private ActionResult failed(ActionRequest r, SdkException e) {
        WireRequest wire = sent();
        String attempts = e.numAttempts() != null && e.numAttempts() > 1 ? " (after " + e.numAttempts() + " attempts)" : "";
        AwsServiceException aws = cause(e, AwsServiceException.class);
        if (aws == null || aws.awsErrorDetails() == null) {
            return result(r, Outcome.FAILED, wire, "ClientError", call(wire, "") + e.getMessage() + attempts,
                    aws == null ? "" : aws.requestId());
        }
        var details = aws.awsErrorDetails();
        String code = details.errorCode() == null || details.errorCode().isEmpty() ? "ClientError" : details.errorCode();
        String message = details.errorMessage() == null ? aws.getMessage() : details.errorMessage();
        return result(r, Outcome.FAILED, wire, code, call(wire, details.serviceName()) + message + attempts, aws.requestId());
    }

    /** Which call failed: the one last put on the wire, else (nothing sent, e.g. STS refused the role) the service. */
    private static String call(WireRequest wire, String service) {
        if (!wire.operation().isEmpty()) {
            return wire.operation() + ": ";
        }
        return service == null || service.isEmpty() ? "" : service + ": ";
    }

    private ActionResult dryRun(ActionRequest r, WireCapture.Captured captured) {
        String why = forceDryRun && r.mode() == Mode.ENFORCE ? "dry-run forced by costwarden.actions.force-dry-run"
                : "policy mode is dry-run";
        return result(r, Outcome.DRY_RUN, captured.request(), "", why, "");
    }

    private static WireRequest sent() {
        return WireCapture.takeLast().orElse(NOTHING_SENT);
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private ActionResult result(ActionRequest r, Outcome outcome, WireRequest wire, String errorCode, String message,
            String awsRequestId) {
        return new ActionResult(ActionResult.SCHEMA_VERSION, r.actionId(), r.findingId(), r.policy(), r.action(), r.mode(),
                r.resourceId(), r.kind(), outcome, wire, errorCode, message, awsRequestId, clock.instant());
    }
}
