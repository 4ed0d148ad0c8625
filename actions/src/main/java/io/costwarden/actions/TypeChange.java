package io.costwarden.actions;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;

/**
 * {@code downscale} by instance type, for the kinds whose type changes only while stopped (EC2 instances,
 * notebook instances): the policy's {@code to-type} forward, the recorded previous type back. Subclasses
 * say how one kind is stopped, changed and started again.
 */
public abstract class TypeChange implements Adapter {
    /** Keys of {@link ActionResult#previous()}: the type before, and whether it ran. */
    public static final String TYPE = "instanceType";
    public static final String STATE = "state";

    @Override
    public final ActionKind action() {
        return ActionKind.DOWNSCALE;
    }

    @Override
    public final Done act(Calls calls, ActionRequest r) {
        String to = r.options().toType();
        if (to == null) {
            throw new Refusal(Refusal.UNSUPPORTED, "downscale of a " + kind().word() + " needs 'to-type' in the policy");
        }
        return change(calls, r.nativeId(), to, true, r.instanceType());
    }

    @Override
    public final Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        String previous = original.previous().get(TYPE);
        if (previous == null) {
            throw new Refusal(Refusal.NOT_UNDOABLE, "the action did not record the " + kind().word() + "'s previous type");
        }
        return change(calls, original.nativeId(), previous, false, "");
    }

    /**
     * Changes {@code id} to type {@code to}, starting from its live state in enforce.
     *
     * @param checkExempt whether the live exemption applies (not to an operator's undo)
     * @param knownType   the type the inventory knew, for a dry-run's message; may be empty
     */
    protected abstract Done change(Calls calls, String id, String to, boolean checkExempt, String knownType);
}
