package io.costwarden.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Deterministic ids: the same inputs give the same id in every process, on every replay. */
public final class Ids {
    private Ids() {
    }

    /** A finding is one policy's verdict on one resource for one window (for launch rules, the triggering event). */
    public static String finding(String policy, String resourceId, String window) {
        return hash("finding", policy, resourceId, window);
    }

    public static String action(String findingId, ActionKind action) {
        return hash("action", findingId, action.word());
    }

    /** The (first) undo of an action, so a repeated undo request is deduplicated like any action. */
    public static String undo(String actionId) {
        return hash("undo", actionId);
    }

    /**
     * Attempt {@code attempt} (from 1) at undoing an action: a new attempt is allowed only after the earlier ones
     * failed or were refused, and each is deduplicated on its own.
     */
    public static String undo(String actionId, int attempt) {
        return attempt <= 1 ? undo(actionId) : hash("undo", actionId, Integer.toString(attempt));
    }

    /** SHA-256 over the parts, each length-prefixed so that ("ab","c") and ("a","bc") differ; 128 bits as hex. */
    public static String hash(String... parts) {
        MessageDigest sha = sha256();
        for (String part : parts) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            sha.update((bytes.length + ":").getBytes(StandardCharsets.UTF_8));
            sha.update(bytes);
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }

    public static String hash(byte[] content) {
        return HexFormat.of().formatHex(sha256().digest(content), 0, 16);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-256", e);
        }
    }
}
