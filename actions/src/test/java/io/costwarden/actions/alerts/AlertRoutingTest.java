package io.costwarden.actions.alerts;

import static io.costwarden.actions.alerts.AlertFixtures.GENEROUS;
import static io.costwarden.actions.alerts.AlertFixtures.launch;
import static io.costwarden.actions.alerts.AlertFixtures.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Json;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Who hears what, and that each state change is told once. */
class AlertRoutingTest {
    private final Receiver receiver;
    private final AlertFixtures.Harness h = new AlertFixtures.Harness();

    AlertRoutingTest() throws Exception {
        receiver = new Receiver();
        h.channel(AlertFixtures.slack("slack-ml", receiver.url("/slack-ml"), GENEROUS));
        h.channel(AlertFixtures.slack("slack-finops", receiver.url("/slack-finops"), GENEROUS));
        h.channel(AlertFixtures.webhook("audit", receiver.url("/audit"), GENEROUS));
        h.defaultChannel = Optional.of("slack-finops");
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    private List<String> paths() {
        return receiver.requests().stream().map(Receiver.Request::path).toList();
    }

    private static Finding warning(Map<String, String> tags, List<String> channels) {
        return launch(FindingState.OPEN, tags, channels, Duration.ofMinutes(15), Mode.DRY_RUN);
    }

    @Test
    void thePolicysChannelsAndTheOwnersChannelHearItAndTheDefaultOnlyWhenNobodyElseDoes() throws Exception {
        h.ownerRoutes.put("ml-research", "slack-ml");
        h.alerts().onFinding(warning(Map.of("costwarden:notify", "ml-research"), List.of("audit", "not-configured")));
        assertThat(paths()).containsExactly("/audit", "/slack-ml");

        h.alerts().onFinding(launch(FindingState.CANCELLED, Map.of("owner", "someone-unrouted"), List.of(),
                Duration.ofMinutes(15), Mode.DRY_RUN));
        assertThat(paths()).containsExactly("/audit", "/slack-ml", "/slack-finops");
    }

    @Test
    void anOwnerTagValueIsNeverTakenAsAChannelNameByItself() throws Exception {
        h.alerts().onFinding(warning(Map.of("owner", "audit"), List.of()));
        assertThat(paths()).as("only owner-routes decide which values reach which channel").containsExactly("/slack-finops");
    }

    @Test
    void aSlackChannelOrUserInTheOwnerTagIsTheTargetOfTheOwnerSlackWebhook() throws Exception {
        h.ownerSlack = Optional.of("slack-ml");
        h.alerts().onFinding(warning(Map.of("costwarden:notify", "#ml-alerts"), List.of()));
        h.alerts().onFinding(launch(FindingState.CANCELLED, Map.of("costwarden:notify", "@ana"), List.of(),
                Duration.ofMinutes(15), Mode.DRY_RUN));
        h.alerts().onFinding(launch(FindingState.RESOLVED, Map.of("costwarden:notify", "#not a channel!"), List.of(),
                Duration.ofMinutes(15), Mode.DRY_RUN));

        assertThat(paths()).containsExactly("/slack-ml", "/slack-ml", "/slack-finops");
        assertThat(Json.mapper().readTree(receiver.requests().get(0).body()).get("channel").asText()).isEqualTo("#ml-alerts");
        assertThat(Json.mapper().readTree(receiver.requests().get(1).body()).get("channel").asText()).isEqualTo("@ana");
        assertThat(Json.mapper().readTree(receiver.requests().get(2).body()).has("channel")).isFalse();
    }

    @Test
    void theOwnerIsShownFromTheFirstOwnerTagAndRoutedByTheFirstOwnerTagValueThatRoutes() throws Exception {
        h.ownerSlack = Optional.of("slack-ml");
        h.alerts().onFinding(warning(Map.of("owner", "ana", "costwarden:notify", "#ml-alerts"), List.of()));

        assertThat(paths()).containsExactly("/slack-ml");
        JsonNode body = Json.mapper().readTree(receiver.requests().get(0).body());
        assertThat(body.get("channel").asText()).isEqualTo("#ml-alerts");
        assertThat(body.get("blocks").get(2).get("fields").get(1).get("text").asText()).isEqualTo("*Owner*\nana");
    }

    @Test
    void aGroupFindingRoutesByItsGroup() throws Exception {
        h.ownerRoutes.put("team=ml-research", "slack-ml");
        h.alerts().onFinding(AlertFixtures.teamSpend(FindingState.ACTED));
        assertThat(paths()).containsExactly("/slack-ml");
    }

    @Test
    void theSameTransitionReadAgainIsNotSentAgain() throws Exception {
        Finding open = warning(Map.of(), List.of("audit"));
        h.alerts().onFinding(open);
        h.alerts().onFinding(open);
        h.alerts().onFinding(Json.mapper().readValue(Json.mapper().writeValueAsBytes(open), Finding.class));
        assertThat(receiver.requests()).hasSize(1);
        assertThat(h.counted("costwarden.alerts", "channel", "audit", "result", "duplicate")).isEqualTo(2);
    }

    @Test
    void theActionsResultIsTheActedMessageWithItsFindingsOwnerAndRoutingAndIsToldOnce() throws Exception {
        h.ownerRoutes.put("ana", "slack-ml");
        Finding acted = launch(FindingState.ACTED, Map.of("owner", "ana"), List.of("audit"), Duration.ZERO, Mode.DRY_RUN);
        h.alerts().onFinding(acted);
        assertThat(receiver.requests()).as("the acted step waits for its outcome").isEmpty();

        ActionResult r = result(acted, Outcome.DRY_RUN, acted.changedAt().plusSeconds(1));
        assertThat(h.alerts().onResult(r, false)).contains(2);
        assertThat(h.alerts().onResult(r, false)).contains(0);
        assertThat(paths()).containsExactly("/audit", "/slack-ml");
        JsonNode body = Json.mapper().readTree(receiver.requests().get(0).body());
        assertThat(body.get("subject").get("owner").asText()).isEqualTo("ana");
        assertThat(body.get("action").get("actionId").asText()).isEqualTo(r.actionId());
    }

    @Test
    void aResultWhoseFindingWasNotSeenWaitsThenGoesOutWithWhatItKnows() throws Exception {
        Finding acted = launch(FindingState.ACTED, Map.of("owner", "ana"), List.of("audit"), Duration.ZERO, Mode.DRY_RUN);
        ActionResult r = result(acted, Outcome.DRY_RUN, acted.changedAt().plusSeconds(1));
        assertThat(h.alerts().onResult(r, false)).as("held: its finding may still arrive").isEmpty();
        assertThat(h.alerts().onResult(r, true)).contains(1);

        assertThat(paths()).as("no policy channels known: the default").containsExactly("/slack-finops");
        JsonNode blocks = Json.mapper().readTree(receiver.requests().get(0).body()).get("blocks");
        assertThat(blocks.get(2).get("fields").get(0).get("text").asText())
                .isEqualTo("*Resource*\n`" + AlertFixtures.INSTANCE + "`\nec2-instance · us-west-2 · 111122223333");
        assertThat(blocks.get(2).get("fields").get(5).get("text").asText()).isEqualTo("*Outcome*\ndry-run: policy mode is dry-run");
    }

    @Test
    void alertsOlderThanTheMaximumAgeAreNotSent() throws Exception {
        h.clock.advance(Duration.ofHours(2));
        h.alerts().onFinding(warning(Map.of(), List.of("audit")));
        assertThat(receiver.requests()).isEmpty();
        assertThat(h.counted("costwarden.alerts.skipped", "reason", "stale")).isEqualTo(1);
    }

    @Test
    void routingSettingsThatNameMissingChannelsAreRefusedAtStart() {
        var channels = h.channels;
        assertThat(catchThrowable(() -> new AlertRouting(channels, Optional.of("nope"), List.of(), Map.of(), Optional.empty())))
                .hasMessage("costwarden.alerts.default-channel: no channel named 'nope' is configured (costwarden.alerts.channels)");
        assertThat(catchThrowable(() -> new AlertRouting(channels, Optional.empty(), List.of(), Map.of("ana", "nope"), Optional.empty())))
                .hasMessageStartingWith("costwarden.alerts.owner-routes.\"ana\": no channel named 'nope'");
        assertThat(catchThrowable(() -> new AlertRouting(channels, Optional.empty(), List.of(), Map.of(), Optional.of("audit"))))
                .hasMessage("costwarden.alerts.owner-slack: channel audit is not a slack channel");
    }
}
