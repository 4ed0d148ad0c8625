package io.costwarden.app.roles;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.streams.CostwardenTopology;
import io.costwarden.streams.DeadLetterHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jboss.logging.Logger;

/** The streams role: inventory, detectors and decisions in one Kafka Streams application. */
@ApplicationScoped
public class StreamsRole {
    private static final Logger LOG = Logger.getLogger(StreamsRole.class);

    private final CostwardenConfig config;
    private final KafkaCluster kafka;
    private final ActivePolicies policies;
    private final MeterRegistry meters;
    private KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;

    public StreamsRole(CostwardenConfig config, KafkaCluster kafka, ActivePolicies policies, MeterRegistry meters) {
        this.config = config;
        this.kafka = kafka;
        this.policies = policies;
        this.meters = meters;
    }

    void start(@Observes @Priority(100) StartupEvent event) {
        if (!Role.parse(config.roles()).contains(Role.STREAMS)) {
            return;
        }
        policies.get();
        streams = new KafkaStreams(CostwardenTopology.build(policies, meters),
                StreamsSettings.of(kafka, config, config.streams().applicationId()));
        // A thread that dies on an unexpected error is replaced; the record that caused it went to the DLQ.
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("streams thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meters);
        streams.start();
        LOG.infof("streams role started (application.id %s)", config.streams().applicationId());
    }

    void stop(@Observes @Priority(10) ShutdownEvent event) {
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
            streamsMetrics.close();
            streams = null;
            DeadLetterHandler.closeAll();
        }
    }

    public Optional<KafkaStreams> streams() {
        return Optional.ofNullable(streams);
    }
}
