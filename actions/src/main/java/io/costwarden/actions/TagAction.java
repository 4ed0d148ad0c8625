package io.costwarden.actions;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tag} action, the same for every service: read the live tags (and check the exemption), set the
 * policy's tags plus {@code costwarden:finding} and {@code costwarden:policy} unless they are already so,
 * and on undo remove the tags that were new and set back the values that were overwritten. Subclasses
 * supply the three calls of their service. The tags as they were are kept in {@code previous} as
 * {@code tag:KEY -> old value}, and {@code new:KEY -> ""} for a tag that did not exist.
 */
public abstract class TagAction implements Adapter {
    public static final String FINDING = "costwarden:finding";
    public static final String POLICY = "costwarden:policy";
    private static final String OLD = "tag:";
    private static final String NEW = "new:";

    /** The service's call that sets tags, for messages: {@code CreateTags}. */
    protected abstract String setCall();

    /** The resource's live tags, read in enforce before anything is set. */
    protected abstract Map<String, String> liveTags(Calls calls, String nativeId);

    protected abstract void set(Calls calls, String nativeId, Map<String, String> tags);

    protected abstract void delete(Calls calls, String nativeId, List<String> keys);

    @Override
    public final ActionKind action() {
        return ActionKind.TAG;
    }

    @Override
    public final Done act(Calls calls, ActionRequest r) {
        Map<String, String> wanted = tags(r);
        Map<String, String> before = Map.of();
        if (!calls.dryRun()) {
            before = liveTags(calls, r.nativeId());
            calls.checkNotExempt(before);
            Map<String, String> live = before;
            if (wanted.entrySet().stream().allMatch(e -> e.getValue().equals(live.get(e.getKey())))) {
                return Done.unchanged("tags already set; " + setCall() + " not sent");
            }
        }
        set(calls, r.nativeId(), wanted);
        return Done.changed(setCall() + " sent", previous(before, wanted));
    }

    @Override
    public final Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        List<String> remove = new ArrayList<>();
        Map<String, String> put = new LinkedHashMap<>();
        original.previous().forEach((k, v) -> {
            if (k.startsWith(NEW)) {
                remove.add(k.substring(NEW.length()));
            } else if (k.startsWith(OLD)) {
                put.put(k.substring(OLD.length()), v);
            }
        });
        if (!remove.isEmpty()) {
            delete(calls, original.nativeId(), remove);
        }
        if (!put.isEmpty()) {
            set(calls, original.nativeId(), put);
        }
        return Done.changed("tags restored", original.previous());
    }

    /** The policy's tags plus the two that point back to the finding and policy. */
    static Map<String, String> tags(ActionRequest r) {
        Map<String, String> tags = new LinkedHashMap<>(r.options().tags());
        tags.put(FINDING, r.findingId());
        tags.put(POLICY, r.policy());
        return tags;
    }

    /** For each tag set: its old value, or that it was new. */
    private static Map<String, String> previous(Map<String, String> live, Map<String, String> wanted) {
        Map<String, String> previous = new LinkedHashMap<>();
        for (String key : wanted.keySet()) {
            if (live.containsKey(key)) {
                previous.put(OLD + key, live.get(key));
            } else {
                previous.put(NEW + key, "");
            }
        }
        return previous;
    }
}
