package io.costwarden.app.roles;

import io.costwarden.model.Ids;
import io.costwarden.model.PolicyDocument;
import io.costwarden.model.Topics;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.model.policy.ReloadingPolicies;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Policies distributed through the compacted {@code costwarden.policies.v1}: every instance follows the
 * topic from its start and applies each document that validates, so all instances run the same
 * version. A document that fails validation is refused as a whole, exactly like a bad file: the
 * version in force stays, and the refusal is reported.
 *
 * <p>No consumer group: each instance reads the single partition itself (an assignment, not a
 * subscription), because every instance needs every document, not a share of them.
 */
public final class PolicyTopic implements Supplier<PolicySet>, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PolicyTopic.class);
    private static final TopicPartition PARTITION = new TopicPartition(Topics.POLICIES.name(), 0);

    private final Map<String, Object> client;
    private final Consumer<ReloadingPolicies.Reload> listener;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile PolicySet current;
    /** The newest document read from the topic, valid or not; null while the topic is empty. */
    private volatile PolicyDocument latest;
    private volatile boolean running = true;

    /**
     * Reads the topic to its end now; the newest valid document there is in force, else {@code fallback}
     * (a configured file, or the bundled defaults) until a document arrives.
     */
    public PolicyTopic(Map<String, Object> client, Supplier<PolicySet> fallback, Duration startTimeout,
            Consumer<ReloadingPolicies.Reload> listener) {
        this.client = Map.copyOf(client);
        this.listener = listener;
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // Bytes, not the JSON serde: a record that is not a document must be refused like an invalid file,
        // not fail inside poll() and stop the topic for good.
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.assign(List.of(PARTITION));
        consumer.seekToBeginning(List.of(PARTITION));
        long end = consumer.endOffsets(List.of(PARTITION), startTimeout).get(PARTITION);
        long deadline = System.nanoTime() + startTimeout.toNanos();
        PolicySet newest = null;
        while (consumer.position(PARTITION, startTimeout) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                newest = read(r).orElse(newest);
            }
        }
        if (consumer.position(PARTITION, startTimeout) < end) {
            throw new IllegalStateException("could not read " + Topics.POLICIES.name() + " to its end within " + startTimeout);
        }
        this.current = newest != null ? newest : fallback.get();
        LOG.infof("policies from %s, version %s", current.source(), current.version());
        this.thread = new Thread(this::follow, "costwarden-policy-topic");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public PolicySet get() {
        return current;
    }

    /**
     * Publishes a policy file's text, validated first so a bad file never reaches other instances. Waits
     * for the broker's acknowledgement. Not published: the same text as the topic's newest document, or a
     * file last changed before that document was published (a pod restarting with an older ConfigMap
     * must not undo a newer version).
     *
     * @param changedAt when the file last changed (its modification time)
     */
    public PolicySet publish(String source, String text, Instant changedAt) throws InvalidPolicyException {
        PolicySet set = PolicyFile.parse(source, text);
        PolicyDocument newest = latest;
        if (newest != null && (text.equals(newest.text())
                || (newest.publishedAt() != null && changedAt.isBefore(newest.publishedAt())))) {
            return set;
        }
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, PolicyDocument> producer = new KafkaProducer<>(props, new StringSerializer(),
                Topics.POLICIES.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.POLICIES.name(), PolicyDocument.KEY, new PolicyDocument(
                    PolicyDocument.SCHEMA_VERSION, source, set.version(), text, Clock.systemUTC().instant())))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing policies", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot publish policies to " + Topics.POLICIES.name() + ": " + e.getMessage(), e);
        }
        LOG.infof("published policies from %s, version %s", source, set.version());
        return set;
    }

    private void follow() {
        try {
            while (running) {
                try {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                        read(r).ifPresent(next -> {
                            if (!next.version().equals(current.version())) {
                                current = next;
                                listener.accept(new ReloadingPolicies.Applied(next));
                            }
                        });
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // A broker hiccup must not freeze the policies for good: report, back off, keep following.
                    LOG.error("following " + Topics.POLICIES.name() + " failed; retrying in 1 s", e);
                    try {
                        TimeUnit.SECONDS.sleep(1);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** A valid document's policies; an invalid or unreadable one is refused and reported. */
    private Optional<PolicySet> read(ConsumerRecord<String, byte[]> r) {
        String where = Topics.POLICIES.name() + "@" + r.offset();
        PolicyDocument doc;
        try {
            doc = r.value() == null ? null : Topics.POLICIES.valueSerde().deserializer().deserialize(r.topic(), r.value());
        } catch (RuntimeException e) {
            doc = null;
        }
        if (doc == null || doc.text() == null) {
            listener.accept(new ReloadingPolicies.Refused(where + ": not a policy document (a JSON PolicyDocument with"
                    + " the file's text); publish policy files through an instance with costwarden.policies.file"));
            return Optional.empty();
        }
        latest = doc;
        try {
            PolicySet set = PolicyFile.parse(doc.source() == null ? where : doc.source(), doc.text());
            if (doc.version() != null && !doc.version().equals(Ids.hash(doc.text().getBytes(StandardCharsets.UTF_8)))) {
                LOG.warnf("%s: published version %s differs from the text's hash %s; using the hash", where, doc.version(),
                        set.version());
            }
            return Optional.of(set);
        } catch (InvalidPolicyException e) {
            listener.accept(new ReloadingPolicies.Refused(where + " (published from " + doc.source() + "):\n" + e.getMessage()));
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
