package io.costwarden.actions;

import io.costwarden.actions.aws.AwsClients;
import io.costwarden.actions.aws.Target;
import io.costwarden.actions.aws.WireCapture;
import io.costwarden.model.WireRequest;
import io.costwarden.model.policy.Exemption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.AwsResponse;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.core.waiters.WaiterResponse;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * The AWS calls of one action, in order. Adapters write their sequence once, as straight code, and this
 * decides what reaches AWS: in enforce every call is sent; in a dry-run reads and waits are skipped
 * (the dry-run client has no credentials) and every change is stopped before it leaves the process and
 * recorded, so the audit trail lists exactly the changes that would have been sent.
 *
 * <p>All calls of one action share one deadline ({@link Target}); waiters poll at a fixed interval within
 * what is left of it.
 */
public final class Calls {
    private final AwsClients clients;
    private final Target target;
    private final Duration poll;
    private final Exemption exemption;
    private final Clock clock;
    private final List<WireRequest> requests = new ArrayList<>();
    private WireRequest lastChange;
    private String lastRequestId = "";

    public Calls(AwsClients clients, Target target, Duration poll, Exemption exemption, Clock clock) {
        this.clients = clients;
        this.target = target;
        this.poll = poll;
        this.exemption = exemption;
        this.clock = clock;
    }

    /** A waiter that failed (its resource reached a failure state) or ran out of time. */
    public static final class WaitFailed extends RuntimeException {
        WaitFailed(String what, Throwable cause) {
            super("waiting for " + what + ": " + cause.getMessage(), cause);
        }

        private WaitFailed(String message, WaitFailed cause) {
            super(message, cause);
        }

        /** The same failure, with what the operator must know about the state it leaves. */
        public WaitFailed leaving(String state) {
            return new WaitFailed(getMessage() + "; " + state, this);
        }
    }

    public boolean dryRun() {
        return target.dryRun();
    }

    public String account() {
        return target.account();
    }

    public String region() {
        return target.region();
    }

    public Ec2Client ec2() {
        return clients.ec2(target.account(), target.region(), target.dryRun());
    }

    public SageMakerClient sageMaker() {
        return clients.sageMaker(target.account(), target.region(), target.dryRun());
    }

    public AutoScalingClient autoScaling() {
        return clients.autoScaling(target.account(), target.region(), target.dryRun());
    }

    /** Bounds one request by the time the action has left. */
    public AwsRequestOverrideConfiguration timeLeft() {
        return target.timeLeft();
    }

    /** A read, sent in enforce; a dry-run reads nothing and gets empty, so the caller goes on with what it knows. */
    public <T extends AwsResponse> Optional<T> read(Supplier<T> call) {
        if (target.dryRun()) {
            return Optional.empty();
        }
        return Optional.of(sent(call));
    }

    /** A change: sent in enforce; in a dry-run recorded and not sent (empty). */
    public <T extends AwsResponse> Optional<T> change(Supplier<T> call) {
        if (!target.dryRun()) {
            T response = sent(call);
            lastChange = requests.get(requests.size() - 1);
            return Optional.of(response);
        }
        WireCapture.takeLast();
        try {
            call.get();
        } catch (RuntimeException e) {
            WireCapture.Captured captured = cause(e, WireCapture.Captured.class);
            if (captured == null) {
                throw e;
            }
            requests.add(captured.request());
            lastChange = captured.request();
            return Optional.empty();
        }
        throw new IllegalStateException("a dry-run client sent a request");
    }

    /**
     * Polls until the resource reaches the state {@code what} names; skipped in a dry-run. Only the last poll
     * is recorded: the audit trail keeps the answer that ended the wait, not every poll.
     */
    public void await(String what, Function<WaiterOverrideConfiguration, WaiterResponse<?>> waiter) {
        if (target.dryRun()) {
            return;
        }
        WireCapture.takeLast();
        WaiterOverrideConfiguration config = WaiterOverrideConfiguration.builder()
                .backoffStrategyV2(BackoffStrategy.fixedDelay(poll))
                .waitTimeout(target.left())
                // The deadline, not a count, ends the wait: a count would depend on the poll interval.
                .maxAttempts(Integer.MAX_VALUE)
                .build();
        try {
            WaiterResponse<?> response = waiter.apply(config);
            response.matched().response().ifPresent(r -> {
                if (r instanceof AwsResponse aws) {
                    lastRequestId = requestId(aws);
                }
            });
        } catch (SdkClientException e) {
            throw new WaitFailed(what, e);
        } finally {
            WireCapture.takeLast().ifPresent(requests::add);
        }
    }

    /** Refuses to act when the live tags exempt the resource: they may have changed since detection. */
    public void checkNotExempt(Map<String, String> liveTags) {
        Optional<String> why = exemption.reason(liveTags, clock.instant());
        if (why.isPresent()) {
            throw new Refusal(Refusal.EXEMPT, why.get() + " (live tags, read just before acting)");
        }
    }

    public List<WireRequest> requests() {
        return List.copyOf(requests);
    }

    /** The change that does the action (the last one sent or captured), else the last call; empty if none. */
    public Optional<WireRequest> principal() {
        if (lastChange != null) {
            return Optional.of(lastChange);
        }
        return requests.isEmpty() ? Optional.empty() : Optional.of(requests.get(requests.size() - 1));
    }

    public String lastRequestId() {
        return lastRequestId;
    }

    /** The call, recorded whether it succeeds or fails, so a failure names the request AWS refused. */
    private <T extends AwsResponse> T sent(Supplier<T> call) {
        WireCapture.takeLast();
        try {
            T response = call.get();
            lastRequestId = requestId(response);
            return response;
        } finally {
            WireCapture.takeLast().ifPresent(requests::add);
        }
    }

    private static String requestId(AwsResponse response) {
        String id = response.responseMetadata() == null ? null : response.responseMetadata().requestId();
        return id == null || id.equals("UNKNOWN") ? "" : id;
    }

    static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
