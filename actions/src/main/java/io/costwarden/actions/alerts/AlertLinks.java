package io.costwarden.actions.alerts;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Links from a message back into Costwarden's API.
 *
 * @param apiBase where people reach the API, {@code costwarden.alerts.api-base-url}
 */
public record AlertLinks(URI apiBase) {

    private String base() {
        String b = apiBase.toString();
        return b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    }

    /** The resource ({@code /api/resources/<ARN>}), or for a group finding the group's spend. */
    public String resource(AlertEvent e) {
        if (!e.resourceId().isEmpty()) {
            return base() + "/api/resources/" + encode(e.resourceId());
        }
        if (!e.group().isEmpty()) {
            return base() + "/api/spend/" + encode(e.group());
        }
        return findings(e);
    }

    /** The finding's transitions, through the findings filter on its subject and policy. */
    public String findings(AlertEvent e) {
        String subject = !e.resourceId().isEmpty() ? "resource=" + encode(e.resourceId())
                : !e.group().isEmpty() ? "group=" + encode(e.group()) : "";
        String policy = "policy=" + encode(e.policy());
        return base() + "/api/findings?" + (subject.isEmpty() ? policy : subject + "&" + policy);
    }

    /** The action results of the finding. */
    public String actions(AlertEvent e) {
        return base() + "/api/actions?finding=" + encode(e.findingId());
    }

    public String home() {
        return base() + "/api/findings";
    }

    /** Percent-encoding for a path segment or a query value (ARNs hold ':' and '/'). */
    static String encode(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
