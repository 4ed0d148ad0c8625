package io.costwarden.app.kafka;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;
import java.util.Map;
import java.util.Optional;

/** Where Kafka is. With {@code kafka.bootstrap.servers} unset, Costwarden runs its own embedded broker. */
@ConfigMapping(prefix = "kafka")
public interface KafkaSettings {
    @WithName("bootstrap.servers")
    Optional<String> bootstrapServers();

    /** Client settings for every Kafka client Costwarden makes (security.protocol, sasl.*, ssl.*). */
    @WithName("client")
    Map<String, String> client();
}
