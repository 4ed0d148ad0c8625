package io.costwarden.actions.alerts;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.costwarden.model.Json;
import java.net.URI;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * PagerDuty Events API v2. An action that ran or failed triggers an alert; the finding's resolution
 * resolves it. The {@code dedup_key} is the finding id, so every trigger of one finding lands on one
 * PagerDuty alert and the resolve closes that alert. Warnings, cancellations and undos do not page.
 *
 * @param routingKey the integration key; it is the credential, so it is never printed or dead-lettered
 */
public record PagerDutyChannel(String name, URI url, String routingKey, RateLimit rateLimit, Set<AlertKind> events)
        implements AlertChannel {
    static final Set<AlertKind> SUPPORTED = EnumSet.of(AlertKind.ACTED, AlertKind.FAILED, AlertKind.RESOLVED);
    /** PagerDuty refuses summaries over 1024 characters. */
    static final int SUMMARY_MAX = 1024;

    public PagerDutyChannel {
        events = Set.copyOf(events);
    }

    @Override
    public String type() {
        return "pagerduty";
    }

    @Override
    public Set<AlertKind> supported() {
        return SUPPORTED;
    }

    @Override
    public Optional<String> body(AlertEvent e, AlertLinks links, String override) {
        if (!SUPPORTED.contains(e.kind()) || e.findingId() == null || e.findingId().isEmpty()) {
            return Optional.empty();
        }
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("routing_key", routingKey);
        root.put("dedup_key", e.findingId());
        if (e.kind() == AlertKind.RESOLVED) {
            // A resolve needs only the key; PagerDuty ignores a resolve for a key it never saw triggered.
            root.put("event_action", "resolve");
            return Optional.of(AlertChannel.json(root));
        }
        root.put("event_action", "trigger");
        ObjectNode payload = root.putObject("payload");
        payload.put("summary", AlertChannel.cut(summary(e), SUMMARY_MAX));
        payload.put("source", e.subject().isEmpty() ? "costwarden" : e.subject());
        payload.put("severity", e.kind() == AlertKind.FAILED ? "error" : "warning");
        payload.put("timestamp", e.at().toString());
        payload.put("component", e.resourceKind().isEmpty() ? "group" : e.resourceKind());
        payload.put("group", e.account().isEmpty() ? e.group() : e.account());
        payload.put("class", e.detector().isEmpty() ? e.policy() : e.detector());
        ObjectNode d = payload.putObject("custom_details");
        d.put("event_id", e.id());
        d.put("kind", e.kind().word());
        d.put("policy", e.policy());
        d.put("resource", e.subject());
        d.put("owner", e.owner());
        d.put("region", e.region());
        d.put("instance_type", e.instanceType());
        d.put("violations", String.join("; ", e.violations()));
        d.put("reason", e.reason());
        d.put("action", e.action().describe());
        d.put("outcome", e.action().outcome());
        d.put("outcome_message", e.action().message());
        d.put("error_code", e.action().errorCode());
        d.put("aws_request_id", e.action().awsRequestId());
        if (e.spend().known()) {
            d.put("rate_usd_per_hour", e.spend().usdPerHour());
            d.put("rate_basis", e.spend().basis());
        }
        var linkList = root.putArray("links");
        linkList.addObject().put("href", links.resource(e)).put("text", "Resource in Costwarden");
        linkList.addObject().put("href", links.findings(e)).put("text", "Finding in Costwarden");
        root.put("client", "Costwarden");
        root.put("client_url", links.home());
        return Optional.of(AlertChannel.json(root));
    }

    /** {@code Costwarden idle-instances: stop failed [IncorrectInstanceState] on i-0abc - idle for 60 min}. */
    static String summary(AlertEvent e) {
        AlertEvent.Action a = e.action();
        String what = a.outcome().isEmpty() ? "finding stands"
                : (a.action().isEmpty() ? "" : a.action() + " ") + a.outcome()
                        + (a.errorCode().isEmpty() ? "" : " [" + a.errorCode() + "]");
        String why = e.violations().isEmpty() ? e.reason() : String.join("; ", e.violations());
        return "Costwarden " + e.policy() + ": " + what + " on " + e.subjectName() + (why.isEmpty() ? "" : " - " + why);
    }

    /**
     * The summary of held-back alerts triggers one alert of its own per channel ({@code dedup_key}
     * {@code costwarden-rate-limit-<channel>}), so repeated summaries add to one PagerDuty alert instead of
     * opening many.
     */
    @Override
    public String summaryBody(Suppressed s, AlertLinks links) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("routing_key", routingKey);
        root.put("dedup_key", "costwarden-rate-limit-" + name);
        root.put("event_action", "trigger");
        ObjectNode payload = root.putObject("payload");
        payload.put("summary", AlertChannel.cut("Costwarden held back " + s.count() + " alerts to " + name
                + " by its rate limit: " + s.kinds(), SUMMARY_MAX));
        payload.put("source", "costwarden");
        payload.put("severity", "warning");
        payload.put("timestamp", s.until().toString());
        payload.put("class", "rate-limit");
        ObjectNode d = payload.putObject("custom_details");
        d.put("count", s.count());
        d.put("kinds", s.kinds());
        d.put("policies", String.join(", ", s.policies()));
        d.put("since", s.since().toString());
        d.put("until", s.until().toString());
        root.putArray("links").addObject().put("href", links.home()).put("text", "Findings in Costwarden");
        root.put("client", "Costwarden");
        root.put("client_url", links.home());
        return AlertChannel.json(root);
    }

    @Override
    public String toString() {
        return "PagerDutyChannel[" + name + ", routing key hidden]";
    }
}
