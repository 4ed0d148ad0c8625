package io.costwarden.actions.alerts;

import static io.costwarden.actions.alerts.AlertFixtures.GENEROUS;
import static io.costwarden.actions.alerts.AlertFixtures.SECRET;
import static io.costwarden.actions.alerts.AlertFixtures.launch;
import static io.costwarden.actions.alerts.AlertFixtures.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.DeadLetter;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Ids;
import io.costwarden.model.Json;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retries, Retry-After, permanent refusals, the dead-letter topic and the rate limit, against a real HTTP server. */
class AlertDeliveryTest {
    private final Receiver receiver;
    private final AlertFixtures.Harness h = new AlertFixtures.Harness();

    AlertDeliveryTest() throws Exception {
        receiver = new Receiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    private void webhook(RateLimit limit) {
        h.channel(AlertFixtures.webhook("audit", receiver.url("/costwarden"), limit));
        h.defaultChannel = Optional.of("audit");
    }

    /** An open finding with a grace period: one warning each, distinct per resource. */
    private static Finding warning(int i) {
        Finding f = launch(FindingState.OPEN, Map.of("owner", "ana"), List.of(), Duration.ofMinutes(15), Mode.DRY_RUN);
        String id = Ids.hash("finding", "fleet", Integer.toString(i));
        return new Finding(f.schemaVersion(), id, Ids.hash("transition", id, "open"), f.policy(), f.policyVersion(),
                f.detector(), f.state(), f.stateReason(), f.resourceId() + "-" + i, f.kind(), f.nativeId() + "-" + i,
                f.account(), f.region(), f.instanceType(), f.gpuCount(), f.launchedBy(), f.tags(), f.group(), f.figures(),
                f.violations(), f.action(), f.mode(), f.channels(), f.detectedAt(), f.actAfter(), f.changedAt(),
                f.triggerEventId());
    }

    @Test
    void a503IsRetriedWithGrowingJitteredBackoffUntilItIsDelivered() throws Exception {
        webhook(GENEROUS);
        receiver.answer(Receiver.Answer.of(503), Receiver.Answer.of(503));
        h.alerts().onFinding(warning(1));

        assertThat(receiver.requests()).hasSize(3);
        assertThat(receiver.requests()).extracting(r -> r.header("Costwarden-Delivery-Attempt")).containsExactly("1", "2", "3");
        assertThat(receiver.requests()).extracting(r -> r.header("Costwarden-Event-Id")).containsOnly(
                receiver.requests().get(0).header("Costwarden-Event-Id"));
        assertThat(receiver.requests()).extracting(Receiver.Request::body).containsOnly(receiver.requests().get(0).body());
        // Backoff doubles from 1 s, each wait jittered to between half and all of it.
        assertThat(h.waits).hasSize(2);
        assertThat(h.waits.get(0)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
        assertThat(h.waits.get(1)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        // Each attempt is signed at its own time, so a retry after a long wait still passes the replay window.
        for (Receiver.Request r : receiver.requests()) {
            Instant signedAt = Instant.ofEpochSecond(Long.parseLong(r.header("Costwarden-Timestamp")));
            assertThat(AlertMessagesTest.verify(SECRET, r.headers(), r.body(), signedAt, Duration.ofMinutes(5))).isTrue();
        }
        assertThat(h.deadLetters).isEmpty();
        assertThat(h.counted("costwarden.alerts", "channel", "audit", "result", "delivered")).isEqualTo(1);
    }

    @Test
    void retryAfterReplacesTheBackoff() throws Exception {
        webhook(GENEROUS);
        receiver.answer(new Receiver.Answer(429, Map.of("Retry-After", "7"), "rate_limited"));
        h.alerts().onFinding(warning(1));

        assertThat(receiver.requests()).hasSize(2);
        assertThat(h.waits).containsExactly(Duration.ofSeconds(7));
        assertThat(h.deadLetters).isEmpty();
    }

    @Test
    void aRetryAfterLongerThanTheMaximumBackoffIsHonouredByNotComingBackAndDeadLettering() throws Exception {
        webhook(GENEROUS);
        receiver.answer(new Receiver.Answer(429, Map.of("Retry-After", "3600"), ""));
        h.alerts().onFinding(warning(1));
        h.alerts().onFinding(warning(2));

        assertThat(receiver.requests()).as("neither an early retry nor the next message").hasSize(1);
        assertThat(h.waits).isEmpty();
        assertThat(h.deadLetters).extracting(DeadLetter::reason).containsExactly(
                "alert-delivery: channel audit (webhook), HTTP 429 asking to retry after 3600 s, more than max-backoff 30 s",
                "alert-delivery: channel audit (webhook), not attempted: HTTP 429 asking to retry after 3600 s; the channel "
                        + "is paused until " + AlertFixtures.T0.plusSeconds(5).plusSeconds(3600));
    }

    @Test
    void a400IsNotRetriedAndGoesToTheDeadLetterTopicWithTheReceiversAnswer() throws Exception {
        webhook(GENEROUS);
        receiver.answer(new Receiver.Answer(400, Map.of(), "invalid_payload"));
        h.alerts().onFinding(warning(1));

        assertThat(receiver.requests()).hasSize(1);
        assertThat(h.waits).isEmpty();
        assertThat(h.deadLetters).hasSize(1);
        DeadLetter letter = h.deadLetters.get(0);
        assertThat(letter.reason()).isEqualTo("alert-delivery: channel audit (webhook), HTTP 400 (invalid_payload), not retried");
        assertThat(letter.source()).isEqualTo("alerts:audit");
        assertThat(letter.location()).isEqualTo("event " + warning(1).transitionId());

        // The next message is tried normally: a refusal of one body says nothing about the channel.
        h.alerts().onFinding(warning(2));
        assertThat(receiver.requests()).hasSize(2);
    }

    @Test
    void afterTheLastAttemptTheMessageIsDeadLetteredAndTheChannelPausedSoOthersAreNotHeldUp() throws Exception {
        webhook(GENEROUS);
        for (int i = 0; i < 4; i++) {
            receiver.answer(Receiver.Answer.of(503));
        }
        h.alerts().onFinding(warning(1));

        assertThat(receiver.requests()).hasSize(4);
        assertThat(h.waits).hasSize(3);
        assertThat(h.deadLetters).hasSize(1);
        DeadLetter letter = h.deadLetters.get(0);
        assertThat(letter.reason()).isEqualTo("alert-delivery: channel audit (webhook), HTTP 503 after 4 attempts");
        var raw = Json.mapper().readTree(letter.raw());
        assertThat(raw.get("id").asText()).isEqualTo(warning(1).transitionId());
        assertThat(raw.get("kind").asText()).isEqualTo("warning");
        assertThat(letter.raw() + letter.reason()).doesNotContain(SECRET).doesNotContain("127.0.0.1");
        assertThat(h.counted("costwarden.dlq", "reason", "alert-delivery")).isEqualTo(1);

        h.alerts().onFinding(warning(2));
        assertThat(receiver.requests()).as("paused: not attempted").hasSize(4);
        assertThat(h.deadLetters.get(1).reason()).startsWith("alert-delivery: channel audit (webhook), not attempted: "
                + "HTTP 503 after 4 attempts; the channel is paused until");

        h.clock.advance(Duration.ofMinutes(1));
        h.alerts().onFinding(warning(3));
        assertThat(receiver.requests()).as("tried again after the pause").hasSize(5);
        assertThat(h.deadLetters).hasSize(2);
    }

    @Test
    void anUnreachableReceiverIsRetriedAndDeadLetteredWithoutNamingItsAddress() throws Exception {
        java.net.URI closed = receiver.url("/gone");
        receiver.close();
        h.channel(AlertFixtures.webhook("audit", closed, GENEROUS));
        h.defaultChannel = Optional.of("audit");
        h.alerts().onFinding(warning(1));

        assertThat(h.waits).hasSize(3);
        assertThat(h.deadLetters).extracting(DeadLetter::reason)
                .containsExactly("alert-delivery: channel audit (webhook), ConnectException after 4 attempts");
    }

    @Test
    void aReceiverThatNeverFinishesItsAnswerTimesOutAndIsDeadLettered() throws Exception {
        h.settings = new AlertDelivery.Settings(2, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMillis(300),
                Duration.ofMinutes(1));
        webhook(GENEROUS);
        receiver.answer(Receiver.Answer.HANG, Receiver.Answer.HANG);
        h.alerts().onFinding(warning(1));

        assertThat(h.deadLetters).extracting(DeadLetter::reason)
                .containsExactly("alert-delivery: channel audit (webhook), HttpTimeoutException after 2 attempts");
    }

    @Test
    void overTheRateLimitMessagesAreHeldBackAndToldInOneSummaryNeverAFlood() throws Exception {
        webhook(new RateLimit(6, 3));
        for (int i = 0; i < 20; i++) {
            h.alerts().onFinding(warning(i));
        }
        assertThat(receiver.requests()).as("the burst").hasSize(3);
        assertThat(h.counted("costwarden.alerts", "channel", "audit", "result", "suppressed")).isEqualTo(17);

        // 6 a minute: one token every 10 s. The first token goes to one summary of all 17.
        h.clock.advance(Duration.ofSeconds(10));
        h.alerts().tick();
        h.alerts().tick();
        assertThat(receiver.requests()).hasSize(4);
        var summary = Json.mapper().readTree(receiver.requests().get(3).body());
        assertThat(summary.get("type").asText()).isEqualTo("suppressed");
        assertThat(summary.get("suppressed").get("count").asInt()).isEqualTo(17);
        assertThat(summary.get("suppressed").get("byKind").get("warning").asInt()).isEqualTo(17);
        assertThat(summary.get("suppressed").get("policies").get(0).asText()).isEqualTo(AlertFixtures.POLICY);
        assertThat(receiver.requests().get(3).header("Costwarden-Event-Type")).isEqualTo("suppressed");

        // Nothing held back is sent later: with the bucket full again, only what arrives then goes out.
        h.clock.advance(Duration.ofMinutes(20));
        h.alerts().tick();
        assertThat(receiver.requests()).hasSize(4);
        h.alerts().onFinding(warning(100));
        assertThat(receiver.requests()).hasSize(5);
    }

    @Test
    void backoffDoublesUpToTheMaximumAndStaysWithinItsJitter() {
        AlertDelivery.Settings s = new AlertDelivery.Settings(10, Duration.ofSeconds(1), Duration.ofSeconds(8),
                Duration.ofSeconds(5), Duration.ofMinutes(1));
        Random random = new Random(42);
        long[] full = {1000, 2000, 4000, 8000, 8000, 8000};
        for (int attempt = 1; attempt <= full.length; attempt++) {
            Duration d = AlertDelivery.backoff(s, attempt, random);
            assertThat(d.toMillis()).isBetween(full[attempt - 1] / 2, full[attempt - 1]);
        }
        assertThat(AlertDelivery.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Instant.parse("2015-10-21T07:27:00Z")))
                .contains(Duration.ofMinutes(1));
        assertThat(AlertDelivery.retryAfter("soon", Instant.EPOCH)).isEmpty();
        assertThat(AlertDelivery.retryAfter("-5", Instant.EPOCH)).isEmpty();
    }

    @Test
    void aFailedActionIsOneFailedMessageNotAnActedOneAndAFailed() throws Exception {
        webhook(GENEROUS);
        Finding acted = launch(FindingState.ACTED, Map.of(), List.of(), Duration.ZERO, Mode.ENFORCE);
        h.alerts().onFinding(acted);
        h.alerts().onResult(result(acted, Outcome.FAILED, acted.changedAt().plusSeconds(1)), false);

        assertThat(receiver.requests()).hasSize(1);
        var body = Json.mapper().readTree(receiver.requests().get(0).body());
        assertThat(body.get("type").asText()).isEqualTo("failed");
        assertThat(body.get("action").get("errorCode").asText()).isEqualTo("IncorrectInstanceState");
    }
}
