package io.costwarden.app.roles;

import io.costwarden.actions.Executor;
import io.costwarden.actions.ExecutorTopology;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.actions.ec2.Ec2Instances;
import io.costwarden.actions.sagemaker.SageMakerNotebooks;
import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jboss.logging.Logger;

/** The actions role: the only one that holds AWS write permissions. */
@ApplicationScoped
public class ActionsRole {
    private static final Logger LOG = Logger.getLogger(ActionsRole.class);

    private final CostwardenConfig config;
    private final KafkaCluster kafka;
    private final MeterRegistry meters;
    private AwsClients clients;
    private KafkaStreams streams;

    public ActionsRole(CostwardenConfig config, KafkaCluster kafka, MeterRegistry meters) {
        this.config = config;
        this.kafka = kafka;
        this.meters = meters;
    }

    void start(@Observes @Priority(110) StartupEvent event) {
        if (!Role.parse(config.roles()).contains(Role.ACTIONS)) {
            return;
        }
        clients = AwsClients.withDefaultCredentials(config.actions().awsEndpointOverride());
        Executor executor = new Executor(new Ec2Instances(clients), new SageMakerNotebooks(clients),
                config.actions().forceDryRun(), meters, Clock.systemUTC());
        streams = new KafkaStreams(ExecutorTopology.build(executor, meters),
                StreamsSettings.of(kafka, config, config.actions().applicationId()));
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("actions thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        LOG.infof("actions role started (application.id %s, force-dry-run %s)", config.actions().applicationId(),
                config.actions().forceDryRun());
    }

    void stop(@Observes @Priority(10) ShutdownEvent event) {
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
            streams = null;
        }
        if (clients != null) {
            clients.close();
            clients = null;
        }
    }

    public Optional<KafkaStreams> streams() {
        return Optional.ofNullable(streams);
    }
}
