package io.costwarden.ingest;

import io.costwarden.model.DeadLetter;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/** Dead letters for ingest: the offending record (or input) cut to a bound, with where and why. */
public final class DeadLetters {
    public static final int RAW_LIMIT = DeadLetter.RAW_LIMIT;

    private DeadLetters() {
    }

    /**
     * @param wholeInput used when the error is about the input as a whole ({@code e.raw()} empty)
     */
    public static DeadLetter of(String source, RecordError e, byte[] wholeInput, Instant at) {
        if (e.raw().isEmpty()) {
            // Input that may not be text (a broken gzip stream) is kept as base64 of its first bytes.
            int n = Math.min(wholeInput.length, RAW_LIMIT * 3 / 4);
            return new DeadLetter(DeadLetter.SCHEMA_VERSION, source, e.location(), e.message(),
                    "base64:" + Base64.getEncoder().encodeToString(Arrays.copyOf(wholeInput, n)), wholeInput.length,
                    n < wholeInput.length, at);
        }
        return new DeadLetter(DeadLetter.SCHEMA_VERSION, source, e.location(), e.message(), e.raw(), e.rawChars(),
                e.rawChars() > e.raw().length(), at);
    }
}
