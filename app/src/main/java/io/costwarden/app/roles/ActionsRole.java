package io.costwarden.app.roles;

import io.costwarden.actions.Executor;
import io.costwarden.actions.ExecutorTopology;
import io.costwarden.actions.Guardrails;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.Properties;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import io.costwarden.streams.DeadLetterHandler;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.jboss.logging.Logger;

/** The actions role: the only one that holds AWS write permissions. */
@ApplicationScoped
public class ActionsRole {
    private static final Logger LOG = Logger.getLogger(ActionsRole.class);

    private final CostwardenConfig config;
    private final KafkaCluster kafka;
    private final MeterRegistry meters;
    private AwsClients clients;
    private RunningStreams running;

    public ActionsRole(CostwardenConfig config, KafkaCluster kafka, MeterRegistry meters) {
        this.config = config;
        this.kafka = kafka;
        this.meters = meters;
    }

    void start(@Observes @Priority(110) StartupEvent event) {
        if (!Role.parse(config.roles()).contains(Role.ACTIONS)) {
            return;
        }
        var role = config.actions().assumeRole();
        clients = AwsClients.withDefaultCredentials(config.actions().awsEndpointOverride(),
                role.name().map(name -> new AwsClients.AssumeRole(name, role.externalId().orElse(""))));
        Executor executor = Executor.over(clients, config.actions().forceDryRun(), meters, Clock.systemUTC());
        Properties props = StreamsSettings.of(kafka, config, config.actions().applicationId());
        // AWS calls run inside the exactly-once transaction: few requests per transaction, and a transaction
        // timeout above their combined worst case, so slow calls cannot abort work already done. One action is
        // its Describe and its stop within Executor.ACTION_TIMEOUT (20 s), plus at most two STS calls of
        // AwsClients.STS_CALL_TIMEOUT (5 s) when it needs fresh credentials: 30 s, 5 x 30 s = 150 s.
        props.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 5);
        props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 180_000);
        DeadLetterHandler.countWith(meters);
        var a = config.actions();
        Guardrails guardrails = new Guardrails(a.paused(), java.util.Set.copyOf(a.allowedAccounts().orElse(java.util.List.of())),
                a.limits().perPolicy(), a.limits().global(), a.limits().window());
        running = new RunningStreams("actions", ExecutorTopology.build(executor, guardrails, meters), props, meters);
        LOG.infof("actions role started (application.id %s, force-dry-run %s, assume-role %s)",
                config.actions().applicationId(), config.actions().forceDryRun(), role.name().orElse("none"));
    }

    void stop(@Observes @Priority(10) ShutdownEvent event) {
        if (running != null) {
            running.close();
            running = null;
        }
        if (clients != null) {
            clients.close();
            clients = null;
        }
    }

    public Optional<KafkaStreams> streams() {
        return Optional.ofNullable(running).map(RunningStreams::streams);
    }
}
