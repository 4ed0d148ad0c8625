package io.costwarden.actions.aws;

import java.time.Duration;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

/**
 * Where the AWS calls of one action go and how: the resource's account and region, live or dry-run,
 * and one deadline that all of the action's calls and waits share (a Describe that took long leaves its Stop less).
 *
 * @param deadlineNanos on the {@link System#nanoTime()} scale, so a wall-clock jump cannot stretch it
 */
public record Target(String account, String region, boolean dryRun, long deadlineNanos) {

    /** A target whose calls must all be done within {@code budget} from now. */
    public static Target within(String account, String region, boolean dryRun, Duration budget) {
        return new Target(account, region, dryRun, System.nanoTime() + budget.toNanos());
    }

    /**
     * The per-request setting that bounds the next call by the time left. At least a millisecond: the SDK
     * refuses a zero timeout, and a spent budget then fails the call at once instead of sending it.
     */
    public AwsRequestOverrideConfiguration timeLeft() {
        Duration left = left();
        // One call never gets more than a call's own bound, however long the whole sequence may take.
        return AwsRequestOverrideConfiguration.builder().apiCallTimeout(left.compareTo(AwsClients.API_CALL_TIMEOUT) < 0
                ? left : AwsClients.API_CALL_TIMEOUT).build();
    }

    /** The time left, at least a millisecond. */
    public Duration left() {
        return Duration.ofNanos(Math.max(deadlineNanos - System.nanoTime(), Duration.ofMillis(1).toNanos()));
    }
}
