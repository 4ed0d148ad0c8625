package io.costwarden.actions.alerts;

import static io.costwarden.actions.alerts.AlertFixtures.GENEROUS;
import static io.costwarden.actions.alerts.AlertFixtures.launch;
import static io.costwarden.actions.alerts.AlertFixtures.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.ActionResult;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Outcome;
import io.costwarden.model.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop's offsets: committed after delivery, never past a result that still waits for its finding. */
class AlertConsumerTest {
    private static final TopicPartition FINDINGS = new TopicPartition(Topics.FINDINGS.name(), 0);
    private static final TopicPartition RESULTS = new TopicPartition(Topics.ACTION_RESULTS.name(), 0);

    private final Receiver receiver;
    private final AlertFixtures.Harness h = new AlertFixtures.Harness();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final List<Duration> pauses = new ArrayList<>();

    AlertConsumerTest() throws Exception {
        receiver = new Receiver();
        h.channel(AlertFixtures.webhook("audit", receiver.url("/audit"), GENEROUS));
        h.defaultChannel = Optional.of("audit");
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    private long committed(TopicPartition tp) {
        Map<TopicPartition, OffsetAndMetadata> c = consumer.committed(Set.of(tp));
        return c.get(tp) == null ? -1 : c.get(tp).offset();
    }

    private void add(TopicPartition tp, long offset, byte[] value) {
        consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), offset, "k".getBytes(StandardCharsets.UTF_8), value));
    }

    private static byte[] bytes(Finding f) {
        return Topics.FINDINGS.valueSerde().serializer().serialize(Topics.FINDINGS.name(), f);
    }

    private static byte[] bytes(ActionResult r) {
        return Topics.ACTION_RESULTS.valueSerde().serializer().serialize(Topics.ACTION_RESULTS.name(), r);
    }

    @Test
    void offsetsAreCommittedAfterDeliveryAndNotPastAResultThatWaitsForItsFinding() throws Exception {
        AlertConsumer loop = new AlertConsumer(consumer, h.alerts(), Duration.ofSeconds(30), h.clock,
                pauses::add, h.meters);
        loop.subscribe();
        consumer.rebalance(List.of(FINDINGS, RESULTS));
        consumer.updateBeginningOffsets(Map.of(FINDINGS, 0L, RESULTS, 0L));

        Finding acted = launch(FindingState.ACTED);
        Finding unseen = launch(FindingState.ACTED, Map.of("owner", "bo"), List.of(), Duration.ofMinutes(5),
                io.costwarden.model.Mode.DRY_RUN);
        ActionResult unseenResult = result(unseen, Outcome.DRY_RUN, unseen.changedAt());
        ActionResult late = new ActionResult(unseenResult.schemaVersion(), "action-of-an-unseen-finding", "unseen-finding",
                unseenResult.policy(), unseenResult.action(), unseenResult.mode(), unseenResult.resourceId(),
                unseenResult.kind(), unseenResult.outcome(), unseenResult.request(), "", "policy mode is dry-run", "",
                unseenResult.at());
        add(FINDINGS, 0, bytes(AlertFixtures.teamSpend(FindingState.ACTED)));
        add(FINDINGS, 1, bytes(acted));
        add(FINDINGS, 2, "not a finding".getBytes(StandardCharsets.UTF_8));
        add(RESULTS, 0, bytes(late));
        add(RESULTS, 1, bytes(result(acted, Outcome.DRY_RUN, acted.changedAt().plusSeconds(1))));

        loop.pollOnce();
        assertThat(receiver.requests()).as("the group finding and the known finding's result").hasSize(2);
        assertThat(committed(FINDINGS)).as("an unreadable record is skipped, not a stop").isEqualTo(3);
        assertThat(committed(RESULTS)).as("held at the result that waits for its finding").isEqualTo(0);
        assertThat(h.counted("costwarden.alerts.skipped", "reason", "unreadable")).isEqualTo(1);

        h.clock.advance(Duration.ofSeconds(31));
        loop.pollOnce();
        assertThat(receiver.requests()).as("given up waiting: sent with what the result knows").hasSize(3);
        assertThat(committed(RESULTS)).isEqualTo(2);
        assertThat(pauses).isEmpty();
    }

    @Test
    void aFailureWhileSendingReadsThatRecordAgainWithoutResendingWhatWasDeliveredBeforeIt() throws Exception {
        List<Integer> calls = new ArrayList<>();
        // The dead-letter topic is down for the first write: the record must be read again, not skipped.
        AlertDelivery delivery = new AlertDelivery(AlertDelivery.httpClient(Duration.ofSeconds(2)),
                new AlertLinks(AlertFixtures.API), h.settings, (key, letter) -> {
                    calls.add(1);
                    if (calls.size() == 1) {
                        throw new IllegalStateException("dlq unavailable");
                    }
                }, d -> h.clock.advance(d), h.clock, new java.util.Random(1), h.meters);
        AlertRouting routing = new AlertRouting(h.channels, h.defaultChannel, AlertFixtures.OWNER_TAGS, Map.of(), Optional.empty());
        Alerts alerts = new Alerts(new AlertEvents(List.of("owner"), AlertEvents.Pricing.NONE, p -> List.of()), routing,
                delivery, id -> Optional.empty(), Duration.ofHours(1), h.clock, h.meters);
        AlertConsumer loop = new AlertConsumer(consumer, alerts, Duration.ofSeconds(30), h.clock, pauses::add, h.meters);
        loop.subscribe();
        consumer.rebalance(List.of(FINDINGS, RESULTS));
        consumer.updateBeginningOffsets(Map.of(FINDINGS, 0L, RESULTS, 0L));

        // The cancellation is delivered; the group finding's message is refused (400) and its dead letter fails.
        receiver.answer(Receiver.Answer.of(200), new Receiver.Answer(400, Map.of(), "bad"),
                new Receiver.Answer(400, Map.of(), "bad"));
        add(FINDINGS, 0, bytes(launch(FindingState.CANCELLED)));
        add(FINDINGS, 1, bytes(AlertFixtures.teamSpend(FindingState.ACTED)));

        loop.pollOnce();
        assertThat(pauses).containsExactly(Duration.ofSeconds(1));
        assertThat(committed(FINDINGS)).as("committed right after the delivery").isEqualTo(1);
        assertThat(consumer.position(FINDINGS)).as("rewound to the failed record").isEqualTo(1);

        // MockConsumer hands out each added record once; a broker would serve it again after the seek.
        add(FINDINGS, 1, bytes(AlertFixtures.teamSpend(FindingState.ACTED)));
        loop.pollOnce();
        assertThat(calls).as("the dead letter written on the second reading").hasSize(2);
        assertThat(receiver.requests()).extracting(r -> r.header("Costwarden-Event-Type"))
                .as("the cancellation once, the refused message once per reading").containsExactly("cancelled", "acted", "acted");
        assertThat(committed(FINDINGS)).isEqualTo(2);
    }
}
