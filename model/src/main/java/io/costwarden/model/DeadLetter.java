package io.costwarden.model;

import java.time.Instant;

/**
 * Input that could not be used, with why and where, so nothing is dropped silently.
 *
 * @param source   where it came in, e.g. {@code http:/ingest/cloudtrail} or {@code file:trail.json.gz}
 * @param location where inside the input, e.g. {@code Records[3].eventTime}; empty for the whole input
 * @param raw      the raw input or the offending record, cut to a bounded prefix
 * @param rawBytes the size of the raw input before cutting
 */
public record DeadLetter(
        int schemaVersion,
        String source,
        String location,
        String reason,
        String raw,
        int rawBytes,
        boolean truncated,
        Instant receivedAt) {

    public static final int SCHEMA_VERSION = 1;
}
