package io.costwarden.model.policy;

/** One thing wrong in a policy file, located to the character. Lines and columns count from 1. */
public record PolicyError(String file, int line, int column, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
