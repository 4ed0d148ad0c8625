package io.costwarden.ingest;

import io.costwarden.model.DeadLetter;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.Topic;
import io.costwarden.model.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes ingested events and dead letters to Kafka and returns only when every record is durable
 * (acks=all, idempotent), so that a caller never acknowledges input that could still be lost.
 */
public final class KafkaPublisher implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final Duration ackTimeout;

    /** Thrown when Kafka did not acknowledge every record in time; the caller must not acknowledge its input. */
    public static final class NotDurable extends Exception {
        public NotDurable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public KafkaPublisher(String bootstrapServers, Map<String, Object> overrides, Duration ackTimeout) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "costwarden-ingest");
        // Bounded so a broker outage turns into an error response instead of a request that hangs.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) ackTimeout.toMillis());
        // Kafka requires delivery.timeout >= linger + request.timeout.
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1, Math.min(ackTimeout.toMillis() / 2, 30_000)));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, ackTimeout.toMillis());
        p.putAll(overrides);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.ackTimeout = ackTimeout;
    }

    public void publish(List<ResourceEvent> events, List<DeadLetter> deadLetters) throws NotDurable {
        List<Future<RecordMetadata>> acks = new ArrayList<>(events.size() + deadLetters.size());
        try {
            for (ResourceEvent e : events) {
                acks.add(send(Topics.EVENTS, e.resourceId(), e));
            }
            for (DeadLetter d : deadLetters) {
                acks.add(send(Topics.DLQ, d.source(), d));
            }
        } catch (RuntimeException e) {
            throw new NotDurable("Kafka refused the records: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + ackTimeout.toNanos();
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new NotDurable("Kafka did not acknowledge a record: " + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new NotDurable("Kafka did not acknowledge within " + ackTimeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NotDurable("interrupted while waiting for Kafka", e);
            }
        }
    }

    private <K, V> Future<RecordMetadata> send(Topic<K, V> topic, K key, V value) {
        byte[] k = topic.keySerde().serializer().serialize(topic.name(), key);
        byte[] v = topic.valueSerde().serializer().serialize(topic.name(), value);
        return producer.send(new ProducerRecord<>(topic.name(), k, v));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
