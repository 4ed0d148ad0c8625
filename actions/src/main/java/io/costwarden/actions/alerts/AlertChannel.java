package io.costwarden.actions.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.costwarden.model.Json;
import java.net.URI;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where alerts go, one configured target per name. Each type renders the exact request body its
 * receiver expects; {@link AlertDelivery} sends it. Records of this interface hold secrets (Slack
 * webhook URLs, PagerDuty routing keys, HMAC secrets) and print none of them.
 */
public sealed interface AlertChannel permits SlackChannel, PagerDutyChannel, SignedWebhookChannel {
    /** The names policies may use in {@code notify}: the policy validator's rule. */
    Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    URI PAGERDUTY_EVENTS = URI.create("https://events.pagerduty.com/v2/enqueue");

    String name();

    /** The type word used in configuration: {@code slack}, {@code pagerduty}, {@code webhook}. */
    String type();

    URI url();

    RateLimit rateLimit();

    /** The kinds this channel is configured to hear. */
    Set<AlertKind> events();

    /** The kinds this type of channel has a message for. */
    Set<AlertKind> supported();

    default boolean hears(AlertKind kind) {
        return events().contains(kind) && supported().contains(kind);
    }

    /**
     * The request body for the event, or empty when this channel says nothing about its kind.
     *
     * @param override a Slack channel or user ({@code #ml-alerts}, {@code @ana}) from the owner tag; empty for none
     */
    Optional<String> body(AlertEvent event, AlertLinks links, String override);

    /** The body of a summary of messages held back by the rate limit. */
    String summaryBody(Suppressed suppressed, AlertLinks links);

    /** Headers of one attempt; the signed webhook signs each attempt with its own timestamp. */
    default Map<String, String> headers(AlertMessage message, Instant now, int attempt) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        h.put("User-Agent", "Costwarden-Alerts/1");
        return h;
    }

    /**
     * A channel from configuration, checked: every problem names the key to fix.
     *
     * @param events empty means every kind the type supports
     */
    static AlertChannel of(String name, String type, Optional<URI> url, Optional<String> secret,
            Optional<String> routingKey, RateLimit limit, Set<AlertKind> events) {
        String key = "costwarden.alerts.channels." + name;
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(key + ": a channel name must be lower-case letters, digits and dashes, "
                    + "as policies name it in notify");
        }
        String t = type == null ? "" : type.trim().toLowerCase(Locale.ROOT);
        Set<AlertKind> supported = switch (t) {
            case "slack" -> SlackChannel.SUPPORTED;
            case "pagerduty" -> PagerDutyChannel.SUPPORTED;
            case "webhook" -> SignedWebhookChannel.SUPPORTED;
            default -> throw new IllegalArgumentException(key + ".type: '" + type + "' is not a channel type; use "
                    + "slack, pagerduty or webhook");
        };
        Set<AlertKind> hears = events.isEmpty() ? supported : EnumSet.copyOf(events);
        if (!supported.containsAll(hears)) {
            throw new IllegalArgumentException(key + ".events: a " + t + " channel sends only "
                    + supported.stream().map(AlertKind::word).toList());
        }
        switch (t) {
            case "slack" -> {
                return new SlackChannel(name, checked(key, url.orElseThrow(() -> new IllegalArgumentException(
                        key + ".url: required for a slack channel (the incoming webhook URL)"))), limit, hears);
            }
            case "pagerduty" -> {
                String rk = routingKey.filter(s -> !s.isBlank()).orElseThrow(() -> new IllegalArgumentException(
                        key + ".routing-key: required for a pagerduty channel (the Events API v2 integration key)"));
                return new PagerDutyChannel(name, checked(key, url.orElse(PAGERDUTY_EVENTS)), rk.trim(), limit, hears);
            }
            default -> {
                String s = secret.orElseThrow(() -> new IllegalArgumentException(
                        key + ".secret: required for a webhook channel (receivers verify the signature with it)"));
                if (s.length() < SignedWebhookChannel.MIN_SECRET_LENGTH) {
                    throw new IllegalArgumentException(key + ".secret: use at least "
                            + SignedWebhookChannel.MIN_SECRET_LENGTH + " characters (a random value, e.g. openssl rand -hex 32)");
                }
                return new SignedWebhookChannel(name, checked(key, url.orElseThrow(() -> new IllegalArgumentException(
                        key + ".url: required for a webhook channel"))), s, limit, hears);
            }
        }
    }

    private static URI checked(String key, URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || url.getHost() == null) {
            // The URL itself may hold a secret (Slack's does): the message names the key, not the value.
            throw new IllegalArgumentException(key + ".url: must be an absolute http or https URL");
        }
        return url;
    }

    /** Compact JSON of a tree; writing a tree of strings and numbers cannot fail. */
    static String json(ObjectNode node) {
        try {
            return Json.mapper().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write alert JSON", e);
        }
    }

    /** Cut to {@code max} characters, marking the cut. */
    static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max - 1;
        // Never split a surrogate pair: half an emoji is not valid text in any body.
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "…";
    }
}
