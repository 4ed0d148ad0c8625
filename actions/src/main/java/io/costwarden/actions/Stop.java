package io.costwarden.actions;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ResourceKind;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code stop} action over a {@link StopAdapter}. Enforce describes first and sends the stop only if
 * the resource still runs, so a stop repeated after a crash, or of a resource someone already stopped,
 * sends nothing.
 */
public final class Stop implements Adapter {
    /** The state seen before the stop, kept in {@link ActionResult#previous()}. */
    public static final String STATE = "state";

    private final StopAdapter resource;

    public Stop(StopAdapter resource) {
        this.resource = resource;
    }

    @Override
    public ActionKind action() {
        return ActionKind.STOP;
    }

    @Override
    public ResourceKind kind() {
        return resource.kind();
    }

    @Override
    public Done act(Calls calls, ActionRequest r) {
        if (calls.dryRun()) {
            resource.stop(calls, r.nativeId(), r.options());
            return Done.changed("", Map.of());
        }
        StopAdapter.State seen = resource.describe(calls, r.nativeId());
        calls.checkNotExempt(seen.tags());
        if (seen.reached()) {
            return Done.unchanged("already " + seen.name() + " (" + resource.describeCall() + "); " + resource.stopCall()
                    + " not sent");
        }
        resource.stop(calls, r.nativeId(), r.options());
        Map<String, String> previous = new LinkedHashMap<>(seen.facts());
        previous.put(STATE, seen.name());
        return Done.changed(resource.describeCall() + " saw " + seen.name() + "; " + resource.stopCall() + " sent", previous);
    }

    @Override
    public Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        return resource.start(calls, original.nativeId(), original.previous());
    }
}
