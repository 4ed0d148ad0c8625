package io.costwarden.actions.alerts;

/**
 * How many messages one channel may send: a token bucket that holds {@code burst} tokens and gains
 * {@code perMinute} a minute. A message takes a token or is not sent (see {@link AlertDelivery}).
 */
public record RateLimit(int perMinute, int burst) {
    public RateLimit {
        if (perMinute < 1 || burst < 1) {
            throw new IllegalArgumentException("rate limit must allow at least 1 message a minute and a burst of 1, was "
                    + perMinute + "/min burst " + burst);
        }
    }
}
