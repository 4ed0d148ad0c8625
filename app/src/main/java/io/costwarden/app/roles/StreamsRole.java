package io.costwarden.app.roles;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.streams.CostwardenTopology;
import io.costwarden.streams.DeadLetterHandler;
import io.costwarden.streams.spend.PriceBook;
import io.costwarden.streams.spend.SpendTopology;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.jboss.logging.Logger;

/** The streams role: inventory, detectors and decisions in one Kafka Streams application. */
@ApplicationScoped
public class StreamsRole {
    private static final Logger LOG = Logger.getLogger(StreamsRole.class);

    private final CostwardenConfig config;
    private final KafkaCluster kafka;
    private final ActivePolicies policies;
    private final MeterRegistry meters;
    private final CatalogInUse catalog;
    private RunningStreams running;

    public StreamsRole(CostwardenConfig config, KafkaCluster kafka, ActivePolicies policies, MeterRegistry meters,
            CatalogInUse catalog) {
        this.config = config;
        this.catalog = catalog;
        this.kafka = kafka;
        this.policies = policies;
        this.meters = meters;
    }

    void start(@Observes @Priority(100) StartupEvent event) {
        if (!Role.parse(config.roles()).contains(Role.STREAMS)) {
            return;
        }
        policies.get();
        DeadLetterHandler.countWith(meters);
        SpendTopology.Settings spend = new SpendTopology.Settings(PriceBook.of(catalog.get()), config.spend().groupBy());
        running = new RunningStreams("streams", CostwardenTopology.build(policies, meters, spend,
                config.streams().idleStateFormat()),
                StreamsSettings.of(kafka, config, config.streams().applicationId()), meters);
        LOG.infof("streams role started (application.id %s)", config.streams().applicationId());
    }

    void stop(@Observes @Priority(10) ShutdownEvent event) {
        if (running != null) {
            running.close();
            running = null;
        }
    }

    /** After both Streams roles have closed: the dead-letter producers they share. */
    void closeDeadLetters(@Observes @Priority(500) ShutdownEvent event) {
        DeadLetterHandler.closeAll();
    }

    public Optional<KafkaStreams> streams() {
        return Optional.ofNullable(running).map(RunningStreams::streams);
    }

    /** True when this role is not enabled here, or its Kafka Streams client has been RUNNING. */
    public boolean hasRun() {
        RunningStreams r = running;
        return r == null || r.hasRun();
    }
}
