package io.costwarden.ingest;

import io.costwarden.model.Topic;
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
 * Writes ingested records to Kafka and returns only when every record of a batch is durable
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

    /** Records to publish together; {@link #commit()} waits until Kafka has all of them. */
    public Batch batch() {
        return new Batch();
    }

    public final class Batch {
        private final List<Future<RecordMetadata>> acks = new ArrayList<>();
        private RuntimeException refused;

        private Batch() {
        }

        public <V> Batch add(Topic<String, V> topic, String key, V value) {
            if (refused == null) {
                try {
                    acks.add(producer.send(new ProducerRecord<>(topic.name(),
                            topic.keySerde().serializer().serialize(topic.name(), key),
                            topic.valueSerde().serializer().serialize(topic.name(), value))));
                } catch (RuntimeException e) {
                    refused = e;
                }
            }
            return this;
        }

        public void commit() throws NotDurable {
            if (refused != null) {
                throw new NotDurable("Kafka refused the records: " + refused.getMessage(), refused);
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
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
