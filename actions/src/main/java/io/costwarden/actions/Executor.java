package io.costwarden.actions;

import io.costwarden.actions.aws.WireCapture;
import io.costwarden.actions.ec2.Ec2Instances;
import io.costwarden.actions.sagemaker.SageMakerNotebooks;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.WireRequest;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Carries out one action request and always returns its result: dry-run (the exact request that would
 * have been sent), succeeded, failed (with the AWS error code and request id) or skipped (with why).
 * Nothing here throws for an AWS problem; every outcome is recorded.
 */
public final class Executor {
    private static final Logger LOG = LoggerFactory.getLogger(Executor.class);
    private static final WireRequest NOTHING_SENT = new WireRequest("", "", "", "", Map.of(), "");

    private final Ec2Instances ec2;
    private final SageMakerNotebooks notebooks;
    private final boolean forceDryRun;
    private final MeterRegistry meters;
    private final Clock clock;

    /**
     * @param forceDryRun when true no request is ever sent, whatever a policy's mode says (the demo runs this way)
     */
    public Executor(Ec2Instances ec2, SageMakerNotebooks notebooks, boolean forceDryRun, MeterRegistry meters, Clock clock) {
        this.ec2 = ec2;
        this.notebooks = notebooks;
        this.forceDryRun = forceDryRun;
        this.meters = meters;
        this.clock = clock;
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
        return r.action() == ActionKind.STOP && r.mode() == Mode.ENFORCE && !forceDryRun
                && (r.kind() == ResourceKind.EC2_INSTANCE || r.kind() == ResourceKind.SAGEMAKER_NOTEBOOK);
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
        if (r.kind() != ResourceKind.EC2_INSTANCE && r.kind() != ResourceKind.SAGEMAKER_NOTEBOOK) {
            return result(r, Outcome.SKIPPED, NOTHING_SENT, "", "stop is not supported for " + r.kind().word() + " yet", "");
        }
        boolean dryRun = forceDryRun || r.mode() != Mode.ENFORCE;
        WireCapture.takeLast();
        try {
            String awsRequestId = switch (r.kind()) {
                case EC2_INSTANCE -> ec2.stop(r.region(), r.nativeId(), dryRun);
                case SAGEMAKER_NOTEBOOK -> notebooks.stop(r.region(), r.nativeId(), dryRun);
                default -> throw new IllegalStateException("no stop adapter for " + r.kind().word());
            };
            return result(r, Outcome.SUCCEEDED, sent(), "", "", awsRequestId);
        } catch (WireCapture.Captured captured) {
            return dryRun(r, captured);
        } catch (AwsServiceException e) {
            return result(r, Outcome.FAILED, sent(), e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode(),
                    e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage(), e.requestId());
        } catch (SdkException e) {
            WireCapture.Captured captured = capturedCause(e);
            if (captured != null) {
                return dryRun(r, captured);
            }
            return result(r, Outcome.FAILED, sent(), "ClientError", e.getMessage(), "");
        }
    }

    private ActionResult dryRun(ActionRequest r, WireCapture.Captured captured) {
        String why = forceDryRun && r.mode() == Mode.ENFORCE ? "dry-run forced by costwarden.actions.force-dry-run"
                : "policy mode is dry-run";
        return result(r, Outcome.DRY_RUN, captured.request(), "", why, "");
    }

    private static WireRequest sent() {
        return WireCapture.takeLast().orElse(NOTHING_SENT);
    }

    private static WireCapture.Captured capturedCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WireCapture.Captured c) {
                return c;
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
