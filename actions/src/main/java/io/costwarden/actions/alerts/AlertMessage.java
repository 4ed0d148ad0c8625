package io.costwarden.actions.alerts;

/**
 * One rendered request for one target.
 *
 * @param id     the event id ({@code Costwarden-Event-Id}); the same on every attempt
 * @param type   the event type word ({@code acted}, or {@code suppressed} for a rate-limit summary)
 * @param body   the exact request body
 * @param record what a dead letter keeps: the event as JSON, never the body (a PagerDuty body holds
 *               the routing key)
 */
public record AlertMessage(String id, String type, String body, String record) {
}
