package io.costwarden.model;

import java.time.Instant;

/**
 * The actions kill switch as every executor sees it, from the compacted {@code costwarden.control.v1}.
 *
 * @param paused true: no request reaches AWS until resumed
 * @param by     who flipped it (the API caller's description), for the audit trail
 */
public record ActionsControl(int schemaVersion, boolean paused, String by, String reason, Instant at) {
    public static final int SCHEMA_VERSION = 1;
    /** The one key of the topic. */
    public static final String KEY = "actions";
}
