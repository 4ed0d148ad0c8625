package io.costwarden.actions.alerts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Messages a channel's rate limit held back, told in one summary message when the limit allows again.
 *
 * @param byKind   how many of each alert kind
 * @param policies up to {@link #POLICY_NAMES} policy names among them, so people know where to look
 * @param since    the first one held back
 * @param until    the last one held back
 */
public record Suppressed(String id, String channel, int count, Map<AlertKind, Integer> byKind, List<String> policies,
        Instant since, Instant until) {
    public static final int POLICY_NAMES = 5;

    public Suppressed {
        byKind = Map.copyOf(byKind);
        policies = List.copyOf(policies);
    }

    /** {@code 7 warning, 3 acted} in the kinds' order. */
    public String kinds() {
        StringBuilder s = new StringBuilder();
        for (AlertKind k : AlertKind.values()) {
            Integer n = byKind.get(k);
            if (n != null) {
                s.append(s.length() == 0 ? "" : ", ").append(n).append(' ').append(k.word());
            }
        }
        return s.toString();
    }
}
