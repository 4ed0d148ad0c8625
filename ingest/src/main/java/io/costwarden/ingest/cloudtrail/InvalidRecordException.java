package io.costwarden.ingest.cloudtrail;

/** A CloudTrail record that cannot be used; {@link #field()} is the path inside the record. */
final class InvalidRecordException extends Exception {
    private final String field;

    InvalidRecordException(String field, String message) {
        super(message, null, false, false);
        this.field = field;
    }

    String field() {
        return field;
    }
}
