package io.costwarden.model;

/** How an action ended. Every action ends in exactly one of these, and it is always recorded. */
public enum Outcome {
    /** Not sent: the request it would have sent is recorded. */
    DRY_RUN,
    SUCCEEDED,
    /** Nothing changed: the message recommends a change and estimates its saving (spot-migrate without opt-in). */
    RECOMMENDED,
    /** Sent and refused, or could not be sent; the AWS error code says why. */
    FAILED,
    /** Not attempted; the message says why. */
    SKIPPED
}
