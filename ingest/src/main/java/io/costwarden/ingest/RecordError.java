package io.costwarden.ingest;

/**
 * One piece of input that could not be used.
 *
 * @param location where, e.g. {@code Records[3].eventTime}; empty when the whole input is unreadable
 * @param message  what is wrong, for a person: {@code not an ISO-8601 time: 'yesterday'}
 * @param raw      the offending record (or input) as text, cut to {@link DeadLetters#RAW_LIMIT} characters
 * @param rawChars its length before cutting
 */
public record RecordError(String location, String message, String raw, int rawChars) {

    /** Keeps at most {@link DeadLetters#RAW_LIMIT} characters of {@code raw}: a broken input can be huge. */
    public RecordError(String location, String message, String raw) {
        this(location, message, raw.length() > DeadLetters.RAW_LIMIT ? raw.substring(0, DeadLetters.RAW_LIMIT) : raw,
                raw.length());
    }

    /** {@code Records[3].eventTime: not an ISO-8601 time}, or just the message for the whole input. */
    public String describe() {
        return location.isEmpty() ? message : location + ": " + message;
    }
}
