package io.costwarden.model;

import java.time.Instant;

/**
 * Input that could not be used, with why and where, so nothing is dropped silently.
 *
 * @param source   where it came in, e.g. {@code http:/ingest/cloudtrail} or {@code file:trail.json.gz}
 * @param location where inside the input, e.g. {@code Records[3].eventTime}; empty for the whole input
 * @param raw      the offending record as text, or {@code base64:} and the first bytes of an input that is
 *                 not text; cut to a bounded prefix
 * @param rawBytes the size before cutting: characters of a record, bytes of a binary input
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

    /** Dead letters keep at most this many characters of the offending input. */
    public static final int RAW_LIMIT = 16 * 1024;
}
