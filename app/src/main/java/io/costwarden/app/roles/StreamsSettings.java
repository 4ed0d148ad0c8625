package io.costwarden.app.roles;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.streams.DeadLetterHandler;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** Kafka Streams settings shared by the streams and actions roles. */
final class StreamsSettings {
    private StreamsSettings() {
    }

    static Properties of(KafkaCluster kafka, CostwardenConfig config, String applicationId) {
        Properties p = new Properties();
        p.putAll(kafka.clientSettings());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir(config).toAbsolutePath().toString());
        // Findings and actions must be neither lost nor doubled when a task moves or a process dies.
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streams().threads());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.topics().replicationFactor().ifPresent(rf -> p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, rf));
        config.streams().advertisedAddress().ifPresent(a -> p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, a));
        p.putAll(config.streams().config());
        return p;
    }

    static Path stateDir(CostwardenConfig config) {
        return config.dataDir().resolve("streams-state");
    }
}
