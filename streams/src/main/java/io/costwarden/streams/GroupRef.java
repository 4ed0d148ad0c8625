package io.costwarden.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One group: a dimension ({@code team}, {@code account}) and its value. Its key, {@code team=ml-research},
 * is the Kafka key of everything about the group (spend and GPU quota share it, and so does the decision
 * step for groups); the dimension travels beside it because a tag key may
 * itself contain {@code =}.
 */
public record GroupRef(String dimension, String value) {
    public static final String ACCOUNT = "account";
    /** The value of a tag dimension for resources without the tag, or with a blank value. */
    public static final String UNTAGGED = "(untagged)";

    public String key() {
        return dimension + "=" + value;
    }

    /** The group of a resource (or a billed line) under one dimension. */
    public static GroupRef of(String dimension, String account, Map<String, String> tags) {
        if (ACCOUNT.equals(dimension)) {
            return new GroupRef(dimension, account);
        }
        String v = tags.get(dimension);
        return new GroupRef(dimension, v == null || v.isBlank() ? UNTAGGED : v);
    }

    /** Its group under every dimension, in the order given. */
    public static List<GroupRef> all(List<String> dimensions, String account, Map<String, String> tags) {
        List<GroupRef> out = new ArrayList<>(dimensions.size());
        for (String d : dimensions) {
            out.add(of(d, account, tags));
        }
        return out;
    }

    /**
     * Reads a key against the dimensions in use; empty when no dimension matches. The longest matching
     * dimension wins, so a tag key containing {@code =} still reads right.
     */
    public static Optional<GroupRef> parse(String key, List<String> dimensions) {
        GroupRef best = null;
        for (String d : dimensions) {
            if (key.startsWith(d + "=") && key.length() > d.length() + 1
                    && (best == null || d.length() > best.dimension().length())) {
                best = new GroupRef(d, key.substring(d.length() + 1));
            }
        }
        return Optional.ofNullable(best);
    }
}
