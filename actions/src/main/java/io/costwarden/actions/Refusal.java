package io.costwarden.actions;

/**
 * An action the executor will not carry out, for a reason it can name: the resource is exempt by its live
 * tags, is in a state the action cannot start from, or the action cannot be undone. Recorded as skipped
 * with {@link #code()}; nothing further is sent.
 */
public final class Refusal extends RuntimeException {
    public static final String EXEMPT = "Exempt";
    public static final String STATE = "UnsuitableState";
    public static final String NOT_UNDOABLE = "NotUndoable";
    public static final String UNSUPPORTED = "Unsupported";

    private final String code;

    public Refusal(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
