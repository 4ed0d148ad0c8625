package io.costwarden.actions.alerts;

import io.costwarden.model.ActionResult;
import io.costwarden.model.Finding;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alerts loop: reads {@code costwarden.findings.v1} and {@code costwarden.action-results.v1} in its
 * own consumer group and commits a record's offset only after its messages went out (delivered or
 * dead-lettered). That makes delivery at-least-once: a crash between a delivery and its commit sends
 * that record's messages again after the restart (receivers dedupe on the event id; PagerDuty does on
 * the finding id). Within one process the bounded store in {@link Alerts} drops such repeats.
 *
 * <p>A result whose finding has not been read yet is held (up to {@code resultWait}) while the loop goes
 * on; offsets of its partition are committed only up to it, so a restart reads it again rather than
 * losing it. A record that cannot be read is logged and skipped; a failure while sending (the dead-letter
 * topic unreachable) rewinds to the failed record and retries after a pause, so nothing is skipped
 * unsent and nothing the store remembers is sent twice.
 */
public final class AlertConsumer implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertConsumer.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration ERROR_PAUSE = Duration.ofSeconds(1);

    private final Consumer<byte[], byte[]> consumer;
    private final Alerts alerts;
    private final Duration resultWait;
    private final Clock clock;
    private final AlertDelivery.Sleeper sleeper;
    private final MeterRegistry meters;
    /** Per partition, the offset after the last record handled. */
    private final Map<TopicPartition, Long> handled = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final List<Held> held = new ArrayList<>();
    private volatile boolean running = true;

    private record Held(TopicPartition partition, long offset, ActionResult result, Instant since) {
    }

    public AlertConsumer(Consumer<byte[], byte[]> consumer, Alerts alerts, Duration resultWait, Clock clock,
            AlertDelivery.Sleeper sleeper, MeterRegistry meters) {
        this.consumer = consumer;
        this.alerts = alerts;
        this.resultWait = resultWait;
        this.clock = clock;
        this.sleeper = sleeper;
        this.meters = meters;
    }

    @Override
    public void run() {
        try {
            subscribe();
            while (running) {
                pollOnce();
            }
        } catch (WakeupException e) {
            // close() asked us to stop while polling.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                commit(false);
            } catch (RuntimeException e) {
                LOG.debug("final commit failed: {}", e.toString());
            }
            consumer.close(Duration.ofSeconds(5));
        }
    }

    void subscribe() {
        consumer.subscribe(List.of(Topics.FINDINGS.name(), Topics.ACTION_RESULTS.name()), new Rebalance());
    }

    /** One poll: handle its records, offer held results again, send due summaries, commit. */
    void pollOnce() throws InterruptedException {
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(POLL);
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("polling findings and action results failed; retrying in {}", ERROR_PAUSE, e);
            sleeper.sleep(ERROR_PAUSE);
            return;
        }
        Map<TopicPartition, Long> batchStart = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            batchStart.put(tp, records.records(tp).get(0).offset());
        }
        Map<TopicPartition, Long> done = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            try {
                boolean sent = handle(r, tp);
                done.put(tp, r.offset() + 1);
                handled.put(tp, r.offset() + 1);
                if (sent) {
                    commit(true);
                }
            } catch (InterruptedException | WakeupException e) {
                rewind(records.partitions(), batchStart, done);
                throw e;
            } catch (RuntimeException e) {
                LOG.error("alerts for {}-{}@{} failed; reading again from there in {}", r.topic(), r.partition(),
                        r.offset(), ERROR_PAUSE, e);
                rewind(records.partitions(), batchStart, done);
                sleeper.sleep(ERROR_PAUSE);
                return;
            }
        }
        offerHeld();
        alerts.tick();
        commit(false);
    }

    /** Every partition of the batch back to its first record not handled yet. */
    private void rewind(Collection<TopicPartition> partitions, Map<TopicPartition, Long> start,
            Map<TopicPartition, Long> done) {
        for (TopicPartition tp : partitions) {
            try {
                consumer.seek(tp, done.getOrDefault(tp, start.get(tp)));
            } catch (IllegalStateException e) {
                // Revoked meanwhile: the new owner starts from the committed offset.
            }
        }
    }

    /** @return whether a message went out for it */
    private boolean handle(ConsumerRecord<byte[], byte[]> r, TopicPartition tp) throws InterruptedException {
        if (r.value() == null) {
            return false;
        }
        if (r.topic().equals(Topics.FINDINGS.name())) {
            Optional<Finding> f = read(r, () -> Topics.FINDINGS.valueSerde().deserializer().deserialize(r.topic(), r.value()));
            return f.isPresent() && alerts.onFinding(f.get()) > 0;
        }
        Optional<ActionResult> a = read(r,
                () -> Topics.ACTION_RESULTS.valueSerde().deserializer().deserialize(r.topic(), r.value()));
        if (a.isEmpty()) {
            return false;
        }
        Optional<Integer> sent = alerts.onResult(a.get(), false);
        if (sent.isEmpty()) {
            held.add(new Held(tp, r.offset(), a.get(), clock.instant()));
            return false;
        }
        return sent.get() > 0;
    }

    private <T> Optional<T> read(ConsumerRecord<byte[], byte[]> r, java.util.function.Supplier<T> reader) {
        try {
            return Optional.ofNullable(reader.get());
        } catch (RuntimeException e) {
            // Never the payload in the log: it may be large, and this record is not ours to print.
            meters.counter("costwarden.alerts.skipped", "reason", "unreadable").increment();
            LOG.warn("skipping unreadable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
                    e.getClass().getSimpleName());
            return Optional.empty();
        }
    }

    private void offerHeld() throws InterruptedException {
        Instant now = clock.instant();
        for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
            Held h = it.next();
            boolean giveUp = !h.since().plus(resultWait).isAfter(now);
            if (alerts.onResult(h.result(), giveUp).isPresent()) {
                it.remove();
            }
        }
    }

    /** Commits, per partition, the offset after the last handled record, or the first held one's. */
    private void commit(boolean soon) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> e : handled.entrySet()) {
            long offset = e.getValue();
            for (Held h : held) {
                if (h.partition().equals(e.getKey())) {
                    offset = Math.min(offset, h.offset());
                }
            }
            if (!committed.containsKey(e.getKey()) || committed.get(e.getKey()) != offset) {
                offsets.put(e.getKey(), new OffsetAndMetadata(offset));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            // A rebalance took the partition: its new owner reads from the last commit (at-least-once).
            LOG.warn("committing alert offsets failed{}: {}", soon ? " after a delivery" : "", e.toString());
        }
    }

    /** Stops the loop; the thread commits what it handled and closes the consumer. */
    public void close() {
        running = false;
        consumer.wakeup();
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commit(false);
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            held.removeIf(h -> partitions.contains(h.partition()));
            partitions.forEach(tp -> {
                handled.remove(tp);
                committed.remove(tp);
            });
        }
    }
}
