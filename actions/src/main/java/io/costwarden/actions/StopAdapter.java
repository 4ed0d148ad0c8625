package io.costwarden.actions;

import io.costwarden.model.ActionOptions;
import io.costwarden.model.ResourceKind;
import java.util.Map;

/**
 * How one kind of resource is stopped and started again: the call that reads its state, the call that
 * stops it, and the way back. {@link Stop} turns one of these into the {@code stop} action.
 */
public interface StopAdapter {

    /**
     * The state AWS reported.
     *
     * @param name    AWS's own word for it (running, Stopped, InService, ...)
     * @param reached whether the stop has nothing left to do: stopped, on the way there, or gone
     * @param tags    the resource's live tags, for the exemption check
     * @param facts   what an undo needs beyond the id (a Studio app's instance type), kept in the audit record
     */
    record State(String name, boolean reached, Map<String, String> tags, Map<String, String> facts) {
        public State {
            // AWS may leave a status out of an answer; the audit message still needs a word for it.
            name = name == null || name.isEmpty() ? "unknown" : name;
            tags = Map.copyOf(tags);
            facts = Map.copyOf(facts);
        }
    }

    ResourceKind kind();

    /** The AWS operation that reads the state, for the audit message: {@code DescribeInstances}. */
    String describeCall();

    /** The AWS operation that stops: {@code StopInstances}. */
    String stopCall();

    /**
     * The Describe call (and, where the Describe carries no tags, the ListTags call). Enforce only.
     *
     * @throws IllegalArgumentException when the native id cannot name such a resource
     */
    State describe(Calls calls, String nativeId);

    /** Sends the stop, or records it in a dry-run. */
    void stop(Calls calls, String nativeId, ActionOptions options);

    /**
     * Starts the resource again, from what the stop recorded. Checks the state first, so a repeated undo
     * sends nothing twice.
     *
     * @throws Refusal when a stopped resource of this kind cannot be started again
     */
    default Done start(Calls calls, String nativeId, Map<String, String> previous) {
        throw new Refusal(Refusal.NOT_UNDOABLE, "a stopped " + kind().word() + " cannot be started again");
    }
}
