package io.costwarden.actions;

import io.costwarden.actions.aws.Target;
import io.costwarden.model.ResourceKind;

/**
 * How one kind of resource is stopped: the call that reads its state and the call that stops it. The
 * executor describes before it stops (enforce only), so a stop repeated after a crash, or a stop of a
 * resource someone already stopped, sends nothing.
 */
public interface StopAdapter {

    /**
     * The state AWS reported.
     *
     * @param name    AWS's own word for it (running, Stopped, InService, ...)
     * @param reached whether the stop has nothing left to do: stopped, on the way there, or gone
     */
    record State(String name, boolean reached, String awsRequestId) {
        public State {
            // AWS may leave a status out of an answer; the audit message still needs a word for it.
            name = name == null || name.isEmpty() ? "unknown" : name;
            awsRequestId = awsRequestId == null ? "" : awsRequestId;
        }
    }

    ResourceKind kind();

    /** The AWS operation that reads the state, for the audit message: {@code DescribeInstances}. */
    String describeCall();

    /** The AWS operation that stops: {@code StopInstances}. */
    String stopCall();

    /**
     * One Describe call.
     *
     * @throws IllegalArgumentException when the native id cannot name such a resource
     */
    State describe(Target target, String nativeId);

    /**
     * Sends the stop and returns AWS's request id. On a dry-run target {@link io.costwarden.actions.aws.WireCapture}
     * stops the request before it leaves the process.
     *
     * @throws IllegalArgumentException when the native id cannot name such a resource
     */
    String stop(Target target, String nativeId);
}
