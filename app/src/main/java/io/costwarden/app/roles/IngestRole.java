package io.costwarden.app.roles;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.ingest.CloudTrailIngest;
import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.cloudtrail.CloudTrailParser;
import io.costwarden.ingest.firehose.MetricStreamIngest;
import io.costwarden.model.InstanceCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.Map;

/**
 * The ingest role: AWS input to Kafka. The HTTP endpoints serve only where the role is on; the
 * command line ({@code replay}) uses the same pipeline so both behave alike.
 */
@ApplicationScoped
public class IngestRole {
    private final CostwardenConfig config;
    private final KafkaCluster kafka;
    private final MeterRegistry meters;
    private KafkaPublisher publisher;
    private CloudTrailIngest cloudTrail;
    private MetricStreamIngest metricStreams;

    public IngestRole(CostwardenConfig config, KafkaCluster kafka, MeterRegistry meters) {
        this.config = config;
        this.kafka = kafka;
        this.meters = meters;
    }

    public boolean enabled() {
        return Role.parse(config.roles()).contains(Role.INGEST);
    }

    public synchronized CloudTrailIngest cloudTrail() {
        if (cloudTrail == null) {
            cloudTrail = new CloudTrailIngest(new CloudTrailParser(InstanceCatalog.bundled(), limits(), Clock.systemUTC()),
                    publisher(), meters, Clock.systemUTC());
        }
        return cloudTrail;
    }

    public synchronized MetricStreamIngest metricStreams() {
        if (metricStreams == null) {
            metricStreams = new MetricStreamIngest(limits(), publisher(), meters, Clock.systemUTC());
        }
        return metricStreams;
    }

    private InputLimits limits() {
        return new InputLimits(config.ingest().maxDecompressedBytes(), config.ingest().maxNestingDepth());
    }

    private KafkaPublisher publisher() {
        if (publisher == null) {
            publisher = new KafkaPublisher(kafka.bootstrapServers(), Map.copyOf(kafka.clientSettings()),
                    config.ingest().ackTimeout());
        }
        return publisher;
    }

    synchronized void stop(@Observes @Priority(10) ShutdownEvent event) {
        if (publisher != null) {
            publisher.close();
            publisher = null;
            cloudTrail = null;
            metricStreams = null;
        }
    }
}
