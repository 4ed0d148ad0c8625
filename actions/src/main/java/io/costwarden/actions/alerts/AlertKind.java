package io.costwarden.actions.alerts;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What an alert says happened: one kind per state change a person may need to hear about. Warnings,
 * resolutions and cancellations come from finding transitions; acted, failed and undone from the executor's
 * result (an action that was requested is reported once it has an outcome, not when it was asked for).
 */
public enum AlertKind {
    /** A finding opened with a grace period: the action follows when it ends unless something changes. */
    WARNING("warning"),
    /** The action ran (or was dry-run, or skipped with a reason), or a notify-only finding stands. */
    ACTED("acted"),
    /** The action was attempted and AWS refused it or could not be reached. */
    FAILED("failed"),
    /** An operator's undo reverted an action. */
    UNDONE("undone"),
    /** The condition cleared after the action. */
    RESOLVED("resolved"),
    /** The condition cleared before the action (tags added, resource stopped, exemption, policy removed). */
    CANCELLED("cancelled");

    private final String word;

    AlertKind(String word) {
        this.word = word;
    }

    @JsonValue
    public String word() {
        return word;
    }

    public static Optional<AlertKind> byWord(String word) {
        String w = word == null ? "" : word.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(k -> k.word.equals(w)).findFirst();
    }
}
