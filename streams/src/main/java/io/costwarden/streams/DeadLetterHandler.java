package io.costwarden.streams;

import io.costwarden.model.DeadLetter;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record that cannot be read or processed goes to {@code costwarden.dlq.v1} with where it came from
 * and why, and the stream goes on: one bad record must never stop detection for everyone else.
 * Kafka Streams 4.1 has no built-in dead-letter topic, so this handler owns a small producer.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);
    private static final int RAW_LIMIT = DeadLetter.RAW_LIMIT;

    /** Streams makes a handler per task; they share one producer per cluster instead of one each. */
    private static final Map<String, KafkaProducer<byte[], byte[]>> PRODUCERS = new ConcurrentHashMap<>();

    private KafkaProducer<byte[], byte[]> producer;

    @Override
    public void configure(Map<String, ?> configs) {
        String bootstrap = String.valueOf(configs.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        producer = PRODUCERS.computeIfAbsent(bootstrap, b -> {
            Map<String, Object> p = new HashMap<>();
            // The cluster's security settings travel with the Streams config; the DLQ producer needs them too.
            configs.forEach((k, v) -> {
                if (k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                    p.put(k, v);
                }
            });
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "costwarden-streams-dlq");
            return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        });
    }

    /** Counts dead letters as costwarden_dlq_total{reason="stream-record"} when set. */
    private static volatile MeterRegistry meters;

    public static void countWith(MeterRegistry registry) {
        meters = registry;
    }

    /** Closes the shared producers; call once the Streams instances using this handler are closed. */
    public static void closeAll() {
        PRODUCERS.values().forEach(p -> p.close(Duration.ofSeconds(5)));
        PRODUCERS.clear();
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
            Exception exception) {
        deadLetter(context, record.value(), "unreadable record: " + exception.getMessage());
        return DeserializationHandlerResponse.CONTINUE;
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        deadLetter(context, context.sourceRawValue(), "processing failed in " + context.processorNodeId() + ": " + exception);
        return ProcessingHandlerResponse.CONTINUE;
    }

    private void deadLetter(ErrorHandlerContext c, byte[] raw, String reason) {
        String where = c.topic() + "/" + c.partition() + "@" + c.offset();
        LOG.warn("dead-lettering {}: {}", where, reason);
        String text = raw == null ? "" : utf8OrBase64(raw);
        boolean cut = text.length() > RAW_LIMIT;
        DeadLetter letter = new DeadLetter(DeadLetter.SCHEMA_VERSION, "kafka:" + c.topic(), where, reason,
                cut ? text.substring(0, RAW_LIMIT) : text, raw == null ? 0 : raw.length, cut, Instant.now());
        try {
            producer.send(new ProducerRecord<>(Topics.DLQ.name(),
                    Topics.DLQ.keySerde().serializer().serialize(Topics.DLQ.name(), letter.source()),
                    Topics.DLQ.valueSerde().serializer().serialize(Topics.DLQ.name(), letter)))
                    // Well inside the exactly-once transaction timeout, so a slow DLQ fails this task, not the transaction.
                    .get(5, TimeUnit.SECONDS);
            MeterRegistry m = meters;
            if (m != null) {
                m.counter("costwarden.dlq", "reason", "stream-record").increment();
            }
        } catch (Exception e) {
            // Continuing would lose the record silently; failing the task makes Streams retry it instead.
            throw new IllegalStateException("cannot dead-letter " + where + ": " + e.getMessage(), e);
        }
    }

    private static String utf8OrBase64(byte[] raw) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            return "base64:" + Base64.getEncoder().encodeToString(raw);
        }
    }
}
