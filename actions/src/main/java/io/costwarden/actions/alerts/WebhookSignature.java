package io.costwarden.actions.alerts;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a webhook request: {@code v1=} and the lower-case hex HMAC-SHA256, keyed with the
 * channel's secret (its UTF-8 bytes), over the UTF-8 bytes of {@code <timestamp>.<body>}, where the
 * timestamp is the {@code Costwarden-Timestamp} header (Unix seconds) and the body is the request body
 * exactly as sent. Signing the timestamp with the body lets a receiver refuse an old request replayed
 * later; docs/webhooks.md shows how to verify it.
 */
public final class WebhookSignature {
    public static final String SCHEME = "v1";

    private WebhookSignature() {
    }

    public static String sign(String secret, long timestampSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] digest = mac.doFinal((timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return SCHEME + "=" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JDK ships HmacSHA256", e);
        }
    }
}
