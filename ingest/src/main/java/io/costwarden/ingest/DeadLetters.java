package io.costwarden.ingest;

import io.costwarden.model.DeadLetter;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/** Dead letters for ingest: the offending record (or input) cut to a bound, with where and why. */
public final class DeadLetters {
    /** Dead letters keep at most this much of the offending input. */
    public static final int RAW_LIMIT = 16 * 1024;

    private DeadLetters() {
    }

    /**
     * @param wholeInput used when the error is about the input as a whole ({@code e.raw()} empty)
     */
    public static DeadLetter of(String source, RecordError e, byte[] wholeInput, Instant at) {
        String raw = e.raw().isEmpty() ? binary(wholeInput) : e.raw();
        boolean cut = raw.length() > RAW_LIMIT;
        return new DeadLetter(DeadLetter.SCHEMA_VERSION, source, e.location(), e.message(),
                cut ? raw.substring(0, RAW_LIMIT) : raw, raw.length(), cut, at);
    }

    /** Input that may not be text (a broken gzip stream) is kept as base64 of its first bytes. */
    private static String binary(byte[] input) {
        int n = Math.min(input.length, RAW_LIMIT * 3 / 4);
        return "base64:" + Base64.getEncoder().encodeToString(Arrays.copyOf(input, n));
    }
}
