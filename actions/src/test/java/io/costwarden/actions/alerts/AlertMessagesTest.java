package io.costwarden.actions.alerts;

import static io.costwarden.actions.alerts.AlertFixtures.ARN;
import static io.costwarden.actions.alerts.AlertFixtures.GENEROUS;
import static io.costwarden.actions.alerts.AlertFixtures.INSTANCE;
import static io.costwarden.actions.alerts.AlertFixtures.POLICY;
import static io.costwarden.actions.alerts.AlertFixtures.ROUTING_KEY;
import static io.costwarden.actions.alerts.AlertFixtures.SECRET;
import static io.costwarden.actions.alerts.AlertFixtures.launch;
import static io.costwarden.actions.alerts.AlertFixtures.result;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Json;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each channel's exact request, as a real local HTTP server receives it. */
class AlertMessagesTest {
    private final Receiver receiver;
    private final AlertFixtures.Harness h = new AlertFixtures.Harness();

    AlertMessagesTest() throws Exception {
        receiver = new Receiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    private static JsonNode json(String body) throws Exception {
        return Json.mapper().readTree(body);
    }

    @Test
    void slackShowsResourceOwnerPolicySpendRateActionOutcomeAndALinkToTheResource() throws Exception {
        h.channel(AlertFixtures.slack("slack-ml", receiver.url("/services/T000/B000/XXXX"), GENEROUS));
        h.defaultChannel = java.util.Optional.of("slack-ml");
        Finding acted = launch(FindingState.ACTED);
        h.alerts().onFinding(acted);
        h.alerts().onResult(result(acted, Outcome.DRY_RUN, acted.changedAt().plusMillis(300)), false);

        assertThat(receiver.requests()).hasSize(1);
        Receiver.Request r = receiver.requests().get(0);
        assertThat(r.path()).isEqualTo("/services/T000/B000/XXXX");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        JsonNode body = json(r.body());
        JsonNode blocks = body.get("blocks");
        assertThat(blocks.get(0).get("type").asText()).isEqualTo("header");
        assertThat(blocks.get(0).get("text").get("text").asText()).isEqualTo(":memo: Dry run: " + POLICY);
        assertThat(blocks.get(1).get("text").get("text").asText()).startsWith("*" + INSTANCE + "*: instance type p2.xlarge is not allowed");
        List<String> fields = new ArrayList<>();
        blocks.get(2).get("fields").forEach(f -> fields.add(f.get("text").asText()));
        assertThat(fields).containsExactly(
                "*Resource*\n`" + INSTANCE + "`\nec2-instance · p2.xlarge · us-west-2 · 111122223333",
                "*Owner*\nana",
                "*Policy*\n" + POLICY + " (launch)",
                "*Spend rate*\n$0.90/h\n_on-demand price of p2.xlarge in us-west-2_",
                "*Action*\nstop (dry-run)",
                "*Outcome*\ndry-run: policy mode is dry-run");
        JsonNode buttons = blocks.get(3).get("elements");
        assertThat(buttons.get(0).get("url").asText()).isEqualTo(
                "https://costwarden.example.com/api/resources/arn%3Aaws%3Aec2%3Aus-west-2%3A111122223333%3Ainstance%2F" + INSTANCE);
        assertThat(buttons.get(2).get("url").asText())
                .isEqualTo("https://costwarden.example.com/api/actions?finding=" + acted.id());
        assertThat(body.get("text").asText()).contains("Dry run: " + POLICY).contains(INSTANCE);
        assertThat(body.has("channel")).isFalse();
    }

    @Test
    void slackEscapesTagTextSoATagCannotMentionAChannelOrHideALink() throws Exception {
        h.channel(AlertFixtures.slack("slack-ml", receiver.url("/hook"), GENEROUS));
        h.defaultChannel = java.util.Optional.of("slack-ml");
        Finding f = launch(FindingState.OPEN, Map.of("owner", "<!channel> <http://evil.example|click> & co"), List.of(),
                Duration.ofMinutes(15), Mode.DRY_RUN);
        h.alerts().onFinding(f);

        String owner = json(receiver.requests().get(0).body()).get("blocks").get(2).get("fields").get(1).get("text").asText();
        assertThat(owner).isEqualTo("*Owner*\n&lt;!channel&gt; &lt;http://evil.example|click&gt; &amp; co");
        assertThat(receiver.requests().get(0).body()).doesNotContain("<!channel>");
    }

    @Test
    void slackWarningSaysWhenTheActionWillFollow() throws Exception {
        h.channel(AlertFixtures.slack("slack-ml", receiver.url("/hook"), GENEROUS));
        h.defaultChannel = java.util.Optional.of("slack-ml");
        Finding open = launch(FindingState.OPEN, Map.of("owner", "ana"), List.of(), Duration.ofMinutes(15), Mode.ENFORCE);
        h.alerts().onFinding(open);

        JsonNode blocks = json(receiver.requests().get(0).body()).get("blocks");
        assertThat(blocks.get(0).get("text").get("text").asText()).isEqualTo(":warning: Warning: " + POLICY);
        assertThat(blocks.get(2).get("fields").get(5).get("text").asText())
                .isEqualTo("*Outcome*\nstop at " + AlertFixtures.T0.plus(Duration.ofMinutes(15)) + " unless the condition clears");
    }

    @Test
    void pagerDutyTriggersWhenTheActionRanAndResolvesTheSameAlertWhenTheFindingResolves() throws Exception {
        h.channel(AlertFixtures.pagerDuty("oncall", receiver.url("/v2/enqueue")));
        h.defaultChannel = java.util.Optional.of("oncall");
        Finding open = launch(FindingState.OPEN, Map.of("owner", "ana"), List.of(), Duration.ofMinutes(15), Mode.ENFORCE);
        Finding acted = launch(FindingState.ACTED, Map.of("owner", "ana"), List.of(), Duration.ofMinutes(15), Mode.ENFORCE);
        h.alerts().onFinding(open);
        h.alerts().onFinding(acted);
        assertThat(receiver.requests()).as("a warning does not page, and the acted step waits for its outcome").isEmpty();

        h.alerts().onResult(result(acted, Outcome.SUCCEEDED, acted.changedAt().plusSeconds(1)), false);
        h.alerts().onFinding(launch(FindingState.RESOLVED, Map.of("owner", "ana"), List.of(), Duration.ofMinutes(15),
                Mode.ENFORCE));

        assertThat(receiver.requests()).hasSize(2);
        JsonNode trigger = json(receiver.requests().get(0).body());
        assertThat(trigger.get("routing_key").asText()).isEqualTo(ROUTING_KEY);
        assertThat(trigger.get("event_action").asText()).isEqualTo("trigger");
        assertThat(trigger.get("dedup_key").asText()).isEqualTo(acted.id());
        JsonNode payload = trigger.get("payload");
        assertThat(payload.get("summary").asText()).isEqualTo("Costwarden " + POLICY + ": stop succeeded on "
                + INSTANCE + " - instance type p2.xlarge is not allowed (allowed: t3.*, m5.*, g5.xlarge); missing required tags: team");
        assertThat(payload.get("source").asText()).isEqualTo(ARN);
        assertThat(payload.get("severity").asText()).isEqualTo("warning");
        assertThat(payload.get("component").asText()).isEqualTo("ec2-instance");
        assertThat(payload.get("custom_details").get("owner").asText()).isEqualTo("ana");
        assertThat(payload.get("custom_details").get("rate_usd_per_hour").asDouble()).isEqualTo(0.90);
        assertThat(trigger.get("links").get(0).get("href").asText()).endsWith("/api/resources/arn%3Aaws%3Aec2%3Aus-west-2%3A111122223333%3Ainstance%2F" + INSTANCE);

        JsonNode resolve = json(receiver.requests().get(1).body());
        assertThat(resolve.get("event_action").asText()).isEqualTo("resolve");
        assertThat(resolve.get("dedup_key").asText()).isEqualTo(acted.id());
        assertThat(resolve.get("routing_key").asText()).isEqualTo(ROUTING_KEY);
    }

    @Test
    void pagerDutyPagesAFailedActionAsAnError() throws Exception {
        h.channel(AlertFixtures.pagerDuty("oncall", receiver.url("/v2/enqueue")));
        h.defaultChannel = java.util.Optional.of("oncall");
        Finding acted = launch(FindingState.ACTED, Map.of(), List.of(), Duration.ZERO, Mode.ENFORCE);
        h.alerts().onFinding(acted);
        h.alerts().onResult(result(acted, Outcome.FAILED, acted.changedAt().plusSeconds(1)), false);

        JsonNode payload = json(receiver.requests().get(0).body()).get("payload");
        assertThat(payload.get("severity").asText()).isEqualTo("error");
        assertThat(payload.get("summary").asText()).startsWith("Costwarden " + POLICY + ": stop failed [IncorrectInstanceState] on " + INSTANCE);
        assertThat(payload.get("custom_details").get("aws_request_id").asText()).isEqualTo("59dbff89-35bd-4eac-99ed-be587EXAMPLE");
    }

    /** The receiving side as docs/webhooks.md describes it, written here from the spec, not from the sender. */
    static boolean verify(String secret, Map<String, String> headers, String body, Instant now, Duration window)
            throws Exception {
        String ts = headers.get("costwarden-timestamp");
        String signatures = headers.get("costwarden-signature");
        if (ts == null || signatures == null || !ts.matches("[0-9]{1,12}")) {
            return false;
        }
        if (Math.abs(now.getEpochSecond() - Long.parseLong(ts)) > window.toSeconds()) {
            return false;
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] expected = mac.doFinal((ts + "." + body).getBytes(StandardCharsets.UTF_8));
        for (String part : signatures.split(",")) {
            String p = part.trim();
            if (p.startsWith("v1=")) {
                byte[] given;
                try {
                    given = HexFormat.of().parseHex(p.substring(3));
                } catch (IllegalArgumentException e) {
                    continue;
                }
                if (MessageDigest.isEqual(expected, given)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void theSignedWebhookVerifiesWithTheSecretAndNotWhenTamperedReplayedLaterOrSignedWithAnotherSecret() throws Exception {
        h.channel(AlertFixtures.webhook("audit", receiver.url("/costwarden"), GENEROUS));
        h.defaultChannel = java.util.Optional.of("audit");
        Finding acted = launch(FindingState.ACTED);
        h.alerts().onFinding(acted);
        h.alerts().onResult(result(acted, Outcome.DRY_RUN, acted.changedAt().plusSeconds(1)), false);

        Receiver.Request r = receiver.requests().get(0);
        Instant now = h.clock.instant();
        Duration window = Duration.ofMinutes(5);
        assertThat(r.header("Costwarden-Timestamp")).isEqualTo(Long.toString(now.getEpochSecond()));
        assertThat(r.header("Costwarden-Signature")).matches("v1=[0-9a-f]{64}");
        assertThat(verify(SECRET, r.headers(), r.body(), now, window)).isTrue();
        assertThat(verify(SECRET, r.headers(), r.body().replace("dry-run", "succeeded"), now, window))
                .as("a changed body").isFalse();
        assertThat(verify(SECRET, r.headers(), r.body(), now.plus(Duration.ofMinutes(6)), window))
                .as("the same request replayed after the window").isFalse();
        assertThat(verify("another-secret-0123456789", r.headers(), r.body(), now, window)).isFalse();

        assertThat(r.header("Costwarden-Event-Id")).isEqualTo(json(r.body()).get("id").asText());
        assertThat(r.header("Costwarden-Event-Type")).isEqualTo("acted");
        assertThat(r.header("Costwarden-Delivery-Attempt")).isEqualTo("1");
        JsonNode body = json(r.body());
        assertThat(body.get("type").asText()).isEqualTo("acted");
        assertThat(body.get("finding").get("id").asText()).isEqualTo(acted.id());
        assertThat(body.get("subject").get("resourceId").asText()).isEqualTo(ARN);
        assertThat(body.get("subject").get("owner").asText()).isEqualTo("ana");
        assertThat(body.get("action").get("outcome").asText()).isEqualTo("dry-run");
        assertThat(body.get("spend").get("usdPerHour").asDouble()).isEqualTo(0.90);
        assertThat(body.get("links").get("resource").asText()).startsWith("https://costwarden.example.com/api/resources/arn%3Aaws");
    }

    @Test
    void aGroupFindingOfANotifyOnlyPolicyIsOneActedMessageWithTheGroupsSpendRate() throws Exception {
        h.channel(AlertFixtures.webhook("audit", receiver.url("/costwarden"), GENEROUS));
        h.defaultChannel = java.util.Optional.of("audit");
        h.alerts().onFinding(AlertFixtures.teamSpend(FindingState.OPEN));
        h.alerts().onFinding(AlertFixtures.teamSpend(FindingState.ACTED));

        assertThat(receiver.requests()).hasSize(1);
        JsonNode body = json(receiver.requests().get(0).body());
        assertThat(body.get("type").asText()).isEqualTo("acted");
        assertThat(body.get("subject").get("group").asText()).isEqualTo("team=ml-research");
        assertThat(body.get("spend").get("usdPerHour").asDouble()).isEqualTo(21.96);
        assertThat(body.get("spend").get("basis").asText()).isEqualTo("group spend rate");
        assertThat(body.get("action").get("outcome").asText()).isEmpty();
        assertThat(body.get("links").get("resource").asText()).isEqualTo("https://costwarden.example.com/api/spend/team%3Dml-research");
    }

    @Test
    void channelSettingsNameTheKeyToFixAndNeverPrintTheSecret() {
        var noSecret = org.assertj.core.api.Assertions.catchThrowable(() -> AlertChannel.of("audit", "webhook",
                java.util.Optional.of(receiver.url("/x")), java.util.Optional.of("short"), java.util.Optional.empty(), GENEROUS,
                java.util.EnumSet.noneOf(AlertKind.class)));
        assertThat(noSecret).hasMessage("costwarden.alerts.channels.audit.secret: use at least 16 characters "
                + "(a random value, e.g. openssl rand -hex 32)").hasMessageNotContaining("short");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> AlertChannel.of("oncall", "pagerduty",
                java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(), GENEROUS,
                java.util.EnumSet.noneOf(AlertKind.class))))
                .hasMessageStartingWith("costwarden.alerts.channels.oncall.routing-key: required");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> AlertChannel.of("oncall", "pagerduty",
                java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.of(ROUTING_KEY), GENEROUS,
                java.util.EnumSet.of(AlertKind.WARNING))))
                .hasMessage("costwarden.alerts.channels.oncall.events: a pagerduty channel sends only [acted, failed, resolved]");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> AlertChannel.of("ml", "slack",
                java.util.Optional.of(java.net.URI.create("ftp://hooks.slack.com/services/T/B/SECRETPART")),
                java.util.Optional.empty(), java.util.Optional.empty(), GENEROUS, java.util.EnumSet.noneOf(AlertKind.class))))
                .hasMessage("costwarden.alerts.channels.ml.url: must be an absolute http or https URL");
        AlertChannel slack = AlertFixtures.slack("ml", java.net.URI.create("https://hooks.slack.com/services/T/B/SECRETPART"), GENEROUS);
        AlertChannel pd = AlertFixtures.pagerDuty("oncall", receiver.url("/v2/enqueue"));
        AlertChannel hook = AlertFixtures.webhook("audit", receiver.url("/x"), GENEROUS);
        assertThat(slack + " " + pd + " " + hook).doesNotContain("SECRETPART").doesNotContain(ROUTING_KEY).doesNotContain(SECRET);
    }
}
