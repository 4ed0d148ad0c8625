package io.costwarden.app.roles;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The parts of Costwarden one process can run; a cluster runs them as separate workloads. */
public enum Role {
    INGEST, STREAMS, ACTIONS,
    /** Alert webhooks: needs outbound HTTPS to Slack, PagerDuty and receivers, and no AWS rights. */
    ALERTS;

    /** Parses {@code costwarden.roles}; {@code none} alone means a command-line tool that runs no role. */
    public static Set<Role> parse(List<String> words) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String w : words) {
            String word = w.trim().toLowerCase(Locale.ROOT);
            if (word.equals("none") || word.isEmpty()) {
                continue;
            }
            try {
                roles.add(Role.valueOf(word.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("costwarden.roles: unknown role '" + w
                        + "'; use any of ingest, streams, actions, alerts, or none");
            }
        }
        return roles;
    }
}
