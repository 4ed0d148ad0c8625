package io.costwarden.actions.alerts;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.costwarden.model.Json;
import java.net.URI;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A generic JSON webhook, signed so that receivers can tell it came from Costwarden and is fresh. The
 * body and headers are documented in docs/webhooks.md; every attempt is signed again with its own
 * timestamp, so a retry after a long backoff still falls inside the receiver's replay window, while the
 * event id stays the same for the receiver's deduplication.
 *
 * @param secret the HMAC key; never printed
 */
public record SignedWebhookChannel(String name, URI url, String secret, RateLimit rateLimit, Set<AlertKind> events)
        implements AlertChannel {
    static final Set<AlertKind> SUPPORTED = EnumSet.allOf(AlertKind.class);
    static final int MIN_SECRET_LENGTH = 16;
    public static final int SCHEMA_VERSION = 1;

    public static final String EVENT_ID = "Costwarden-Event-Id";
    public static final String EVENT_TYPE = "Costwarden-Event-Type";
    public static final String TIMESTAMP = "Costwarden-Timestamp";
    public static final String SIGNATURE = "Costwarden-Signature";
    public static final String ATTEMPT = "Costwarden-Delivery-Attempt";

    public SignedWebhookChannel {
        events = Set.copyOf(events);
    }

    @Override
    public String type() {
        return "webhook";
    }

    @Override
    public Set<AlertKind> supported() {
        return SUPPORTED;
    }

    @Override
    public Optional<String> body(AlertEvent e, AlertLinks links, String override) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("schemaVersion", SCHEMA_VERSION);
        root.put("id", e.id());
        root.put("type", e.kind().word());
        root.put("at", e.at().toString());
        ObjectNode finding = root.putObject("finding");
        finding.put("id", e.findingId());
        finding.put("policy", e.policy());
        finding.put("detector", e.detector());
        finding.put("reason", e.reason());
        finding.set("violations", Json.mapper().valueToTree(e.violations()));
        finding.set("channels", Json.mapper().valueToTree(e.policyChannels()));
        finding.put("actAfter", e.actAfter().toString());
        ObjectNode subject = root.putObject("subject");
        subject.put("resourceId", e.resourceId());
        subject.put("kind", e.resourceKind());
        subject.put("nativeId", e.nativeId());
        subject.put("account", e.account());
        subject.put("region", e.region());
        subject.put("instanceType", e.instanceType());
        subject.put("group", e.group());
        subject.put("owner", e.owner());
        subject.put("launchedBy", e.launchedBy());
        subject.set("tags", Json.mapper().valueToTree(new java.util.TreeMap<>(e.tags())));
        ObjectNode action = root.putObject("action");
        action.put("action", e.action().action());
        action.put("mode", e.action().mode());
        action.put("actionId", e.action().actionId());
        action.put("outcome", e.action().outcome());
        action.put("message", e.action().message());
        action.put("errorCode", e.action().errorCode());
        action.put("awsRequestId", e.action().awsRequestId());
        ObjectNode spend = root.putObject("spend");
        if (e.spend().known()) {
            spend.put("usdPerHour", e.spend().usdPerHour());
        } else {
            spend.putNull("usdPerHour");
        }
        spend.put("basis", e.spend().basis());
        spend.set("figures", Json.mapper().valueToTree(new java.util.TreeMap<>(e.figures())));
        ObjectNode l = root.putObject("links");
        l.put("resource", links.resource(e));
        l.put("findings", links.findings(e));
        l.put("actions", links.actions(e));
        return Optional.of(AlertChannel.json(root));
    }

    @Override
    public String summaryBody(Suppressed s, AlertLinks links) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("schemaVersion", SCHEMA_VERSION);
        root.put("id", s.id());
        root.put("type", "suppressed");
        root.put("at", s.until().toString());
        ObjectNode sup = root.putObject("suppressed");
        sup.put("channel", s.channel());
        sup.put("count", s.count());
        ObjectNode kinds = sup.putObject("byKind");
        s.byKind().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(en -> kinds.put(en.getKey().word(), en.getValue()));
        sup.set("policies", Json.mapper().valueToTree(s.policies()));
        sup.put("since", s.since().toString());
        sup.put("until", s.until().toString());
        root.putObject("links").put("findings", links.home());
        return AlertChannel.json(root);
    }

    @Override
    public Map<String, String> headers(AlertMessage message, Instant now, int attempt) {
        Map<String, String> h = AlertChannel.super.headers(message, now, attempt);
        long ts = now.getEpochSecond();
        h.put(EVENT_ID, message.id());
        h.put(EVENT_TYPE, message.type());
        h.put(TIMESTAMP, Long.toString(ts));
        h.put(SIGNATURE, WebhookSignature.sign(secret, ts, message.body()));
        h.put(ATTEMPT, Integer.toString(attempt));
        return h;
    }

    @Override
    public String toString() {
        return "SignedWebhookChannel[" + name + ", secret hidden]";
    }
}
