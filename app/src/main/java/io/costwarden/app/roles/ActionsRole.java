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
import io.costwarden.model.InstanceCatalog;
import java.time.Clock;
import java.time.Duration;
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

    /** Room on top of one action's budget for the commit and the STS calls that fetch credentials. */
    private static final Duration MARGIN = Duration.ofSeconds(30);
    static final Duration MAX_ACTION_TIMEOUT = Duration.ofMinutes(14);

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
        var a = config.actions();
        if (a.timeout().compareTo(MAX_ACTION_TIMEOUT) > 0 || a.timeout().isNegative() || a.timeout().isZero()) {
            throw new IllegalArgumentException("costwarden.actions.timeout must be positive and at most "
                    + MAX_ACTION_TIMEOUT + " (the broker's default transaction.max.timeout.ms of 15 min, less a margin), was "
                    + a.timeout());
        }
        Executor executor = Executor.over(clients, a.forceDryRun(), new Executor.Timing(a.timeout(), a.waiterPoll()),
                InstanceCatalog.bundled(), meters, Clock.systemUTC());
        Properties props = StreamsSettings.of(kafka, config, a.applicationId());
        // AWS calls run inside the exactly-once transaction, one action per transaction: a downscale may wait
        // minutes for an instance to stop and start. The transaction timeout and the poll interval cover one
        // action's whole budget (costwarden.actions.timeout, which bounds every call and wait of it) plus a
        // margin that also covers the STS calls fetching credentials (5 s each, outside that budget), so a slow
        // action cannot abort or fence work already done.
        long budget = a.timeout().plus(MARGIN).toMillis();
        props.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 1);
        props.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), (int) budget);
        props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int) budget);
        DeadLetterHandler.countWith(meters);
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

    /** True when this role is not enabled here, or its Kafka Streams client has been RUNNING. */
    public boolean hasRun() {
        RunningStreams r = running;
        return r == null || r.hasRun();
    }
}
