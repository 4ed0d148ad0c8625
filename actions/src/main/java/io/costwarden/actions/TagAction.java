package io.costwarden.actions;

import io.costwarden.model.ActionRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the {@code tag} action sets, and how its undo puts tags back, shared by the EC2, SageMaker and Auto
 * Scaling adapters. The record of the tags as they were is kept in {@code previous} as
 * {@code tag:KEY -> old value} for a tag that existed, and {@code new:KEY -> ""} for one that did not.
 */
public final class TagAction {
    public static final String FINDING = "costwarden:finding";
    public static final String POLICY = "costwarden:policy";
    private static final String OLD = "tag:";
    private static final String NEW = "new:";

    private TagAction() {
    }

    /** The policy's tags plus the two that point back to the finding and policy. */
    public static Map<String, String> tags(ActionRequest r) {
        Map<String, String> tags = new LinkedHashMap<>(r.options().tags());
        tags.put(FINDING, r.findingId());
        tags.put(POLICY, r.policy());
        return tags;
    }

    public static boolean alreadySet(Map<String, String> live, Map<String, String> wanted) {
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(live.get(e.getKey())));
    }

    /** For each tag set: its old value, or that it was new. */
    public static Map<String, String> previous(Map<String, String> live, Map<String, String> wanted) {
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

    /** The tags to remove (they were new) and to set back (they had another value). */
    public record Restore(List<String> remove, Map<String, String> put) {
    }

    public static Restore restore(Map<String, String> previous) {
        List<String> remove = new ArrayList<>();
        Map<String, String> put = new LinkedHashMap<>();
        previous.forEach((k, v) -> {
            if (k.startsWith(NEW)) {
                remove.add(k.substring(NEW.length()));
            } else if (k.startsWith(OLD)) {
                put.put(k.substring(OLD.length()), v);
            }
        });
        return new Restore(remove, put);
    }
}
