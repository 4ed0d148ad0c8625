package io.costwarden.actions;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ResourceKind;

/**
 * One action on one kind of resource: its AWS sequence, and how it is undone. Written once for both modes:
 * {@link Calls} sends in enforce and only records in a dry-run.
 *
 * <p>In enforce a sequence starts by describing the resource, checks the live exemption tag, and goes on
 * from the state it finds. A request executed again after a crash therefore continues or finds the work
 * done, instead of repeating it blindly.
 */
public interface Adapter {

    ActionKind action();

    ResourceKind kind();

    /**
     * Carries out the request.
     *
     * @throws Refusal                  when the resource is exempt or cannot be acted on from its state
     * @throws IllegalArgumentException when the native id cannot name such a resource
     */
    Done act(Calls calls, ActionRequest request);

    /**
     * Restores what {@code original} changed, from {@link ActionResult#previous()}.
     *
     * @throws Refusal when AWS offers no way back
     */
    default Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        throw new Refusal(Refusal.NOT_UNDOABLE, action().word() + " of a " + kind().word() + " cannot be undone");
    }
}
