package io.costwarden.actions.alerts;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.costwarden.model.Json;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A Slack incoming webhook: a Block Kit message with the resource, its owner, the policy, the spend
 * rate, the action and its outcome, and buttons that open the resource and the finding in the API.
 *
 * <p>Text from resources (tags, names, violations) is escaped: Slack reads {@code <...>} as mentions and
 * links, and a tag value of {@code <!channel>} must not page a whole channel. Texts are cut to Block
 * Kit's limits (header 150, field 2000, section 3000 characters; 10 fields) so no message is refused
 * for its length.
 *
 * @param url the webhook URL; it is the credential, so it is never printed
 */
public record SlackChannel(String name, URI url, RateLimit rateLimit, Set<AlertKind> events) implements AlertChannel {
    static final Set<AlertKind> SUPPORTED = EnumSet.allOf(AlertKind.class);
    static final int HEADER_MAX = 150;
    static final int FIELD_MAX = 2000;
    static final int SECTION_MAX = 3000;
    static final int URL_MAX = 3000;

    public SlackChannel {
        events = Set.copyOf(events);
    }

    @Override
    public String type() {
        return "slack";
    }

    @Override
    public Set<AlertKind> supported() {
        return SUPPORTED;
    }

    @Override
    public Optional<String> body(AlertEvent e, AlertLinks links, String override) {
        ObjectNode root = Json.mapper().createObjectNode();
        String title = title(e);
        // The top-level text is what notifications and screen readers show; blocks are what the channel shows.
        root.put("text", AlertChannel.cut(escape(title + ": " + e.subjectName() + " (" + outcome(e) + ")"), SECTION_MAX));
        if (!override.isEmpty()) {
            root.put("channel", override);
        }
        ArrayNode blocks = root.putArray("blocks");
        ObjectNode header = blocks.addObject().put("type", "header");
        header.putObject("text").put("type", "plain_text").put("text", AlertChannel.cut(emoji(e) + " " + title, HEADER_MAX))
                .put("emoji", true);

        StringBuilder what = new StringBuilder("*").append(escape(e.subjectName())).append("*");
        if (!e.violations().isEmpty()) {
            what.append(": ").append(escape(String.join("; ", e.violations())));
        }
        if (!e.reason().isEmpty()) {
            what.append("\n_").append(escape(e.reason())).append("_");
        }
        blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                .put("text", AlertChannel.cut(what.toString(), SECTION_MAX));

        List<String> fields = new ArrayList<>();
        fields.add("*Resource*\n" + resource(e));
        fields.add("*Owner*\n" + (e.owner().isEmpty() ? "_no owner tag_" : escape(e.owner())));
        fields.add("*Policy*\n" + escape(e.policy()) + (e.detector().isEmpty() ? "" : " (" + escape(e.detector()) + ")"));
        fields.add("*Spend rate*\n" + spend(e));
        fields.add("*Action*\n" + (e.action().describe().isEmpty() ? "none" : escape(e.action().describe())));
        fields.add("*Outcome*\n" + escape(outcome(e)));
        ArrayNode f = blocks.addObject().put("type", "section").putArray("fields");
        fields.forEach(t -> f.addObject().put("type", "mrkdwn").put("text", AlertChannel.cut(t, FIELD_MAX)));

        ArrayNode buttons = Json.mapper().createArrayNode();
        button(buttons, e.resourceId().isEmpty() ? "Group spend" : "Resource", links.resource(e), "open-resource");
        button(buttons, "Finding", links.findings(e), "open-finding");
        if (!e.action().actionId().isEmpty()) {
            button(buttons, "Action", links.actions(e), "open-action");
        }
        if (!buttons.isEmpty()) {
            blocks.addObject().put("type", "actions").set("elements", buttons);
        }
        blocks.addObject().put("type", "context").putArray("elements").addObject().put("type", "mrkdwn")
                .put("text", AlertChannel.cut("Costwarden · " + e.kind().word() + " at " + e.at() + " · finding `"
                        + escape(e.findingId()) + "` · event `" + e.id() + "`", FIELD_MAX));
        return Optional.of(AlertChannel.json(root));
    }

    @Override
    public String summaryBody(Suppressed s, AlertLinks links) {
        ObjectNode root = Json.mapper().createObjectNode();
        String line = s.count() + " alert" + (s.count() == 1 ? " was" : "s were") + " not sent to " + name
                + " by its rate limit between " + s.since() + " and " + s.until() + ": " + s.kinds()
                + (s.policies().isEmpty() ? "" : " (policies " + String.join(", ", s.policies()) + ")");
        root.put("text", AlertChannel.cut(escape(line), SECTION_MAX));
        ArrayNode blocks = root.putArray("blocks");
        blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                .put("text", AlertChannel.cut(":hourglass: " + escape(line) + "\nEvery finding is in the API.", SECTION_MAX));
        ArrayNode buttons = Json.mapper().createArrayNode();
        button(buttons, "Findings", links.home(), "open-findings");
        if (!buttons.isEmpty()) {
            blocks.addObject().put("type", "actions").set("elements", buttons);
        }
        return AlertChannel.json(root);
    }

    private static void button(ArrayNode into, String text, String url, String actionId) {
        // A button with a URL over Block Kit's limit would make Slack refuse the whole message.
        if (url.length() <= URL_MAX) {
            ObjectNode b = into.addObject().put("type", "button").put("action_id", actionId).put("url", url);
            b.putObject("text").put("type", "plain_text").put("text", text);
        }
    }

    static String title(AlertEvent e) {
        String p = e.policy();
        return switch (e.kind()) {
            case WARNING -> "Warning: " + p;
            case ACTED -> switch (e.action().outcome()) {
                case "dry-run" -> "Dry run: " + p;
                case "skipped" -> "Action skipped: " + p;
                case "" -> "Finding stands: " + p;
                default -> "Acted: " + p;
            };
            case FAILED -> "Action failed: " + p;
            case UNDONE -> "Undone: " + p;
            case RESOLVED -> "Resolved: " + p;
            case CANCELLED -> "Cancelled: " + p;
        };
    }

    private static String emoji(AlertEvent e) {
        return switch (e.kind()) {
            case WARNING -> ":warning:";
            case ACTED -> e.action().outcome().equals("succeeded") ? ":octagonal_sign:" : ":memo:";
            case FAILED -> ":x:";
            case UNDONE -> ":leftwards_arrow_with_hook:";
            case RESOLVED -> ":white_check_mark:";
            case CANCELLED -> ":heavy_minus_sign:";
        };
    }

    private static String resource(AlertEvent e) {
        if (e.resourceId().isEmpty()) {
            return "group `" + escape(e.group()) + "`";
        }
        List<String> where = new ArrayList<>();
        for (String s : List.of(e.resourceKind(), e.instanceType(), e.region(), e.account())) {
            if (!s.isEmpty()) {
                where.add(escape(s));
            }
        }
        return "`" + escape(e.subjectName()) + "`" + (where.isEmpty() ? "" : "\n" + String.join(" · ", where));
    }

    static String spend(AlertEvent e) {
        if (!e.spend().known()) {
            return "unknown";
        }
        return String.format(Locale.ROOT, "$%.2f/h", e.spend().usdPerHour()) + "\n_" + escape(e.spend().basis()) + "_";
    }

    /** The outcome in words: what happened, or what will. */
    static String outcome(AlertEvent e) {
        AlertEvent.Action a = e.action();
        return switch (e.kind()) {
            case WARNING -> a.describe().isEmpty() || a.action().equals("notify")
                    ? "grace ends at " + e.actAfter() : a.action() + " at " + e.actAfter() + " unless the condition clears";
            case RESOLVED, CANCELLED -> e.kind().word();
            default -> {
                if (a.outcome().isEmpty()) {
                    yield "notified (no AWS call)";
                }
                String s = a.outcome();
                if (!a.errorCode().isEmpty()) {
                    s += " " + a.errorCode();
                }
                yield a.message().isEmpty() ? s : s + ": " + a.message();
            }
        };
    }

    /** Slack's three control characters in text: everything else is shown as written. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    public String toString() {
        return "SlackChannel[" + name + ", url hidden]";
    }
}
