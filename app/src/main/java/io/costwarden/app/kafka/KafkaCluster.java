package io.costwarden.app.kafka;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.model.Topic;
import io.costwarden.model.Topics;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * The Kafka cluster this process talks to: the one {@code kafka.bootstrap.servers} names, or else an
 * embedded single-node broker under the data dir, started on first use and stopped last at shutdown.
 * Creates Costwarden's topics when they are missing.
 *
 * <p>The embedded broker writes its address to {@code <data-dir>/kafka/bootstrap.servers}, so that a
 * command-line tool started next to a running Costwarden (such as {@code costwarden replay}) finds it.
 */
@ApplicationScoped
public class KafkaCluster {
    private static final Logger LOG = Logger.getLogger(KafkaCluster.class);

    private final KafkaSettings settings;
    private final CostwardenConfig config;
    private EmbeddedKafka embedded;
    private String bootstrapServers;

    public KafkaCluster(KafkaSettings settings, CostwardenConfig config) {
        this.settings = settings;
        this.config = config;
    }

    public synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = settings.bootstrapServers().filter(s -> !s.isBlank()).orElseGet(this::localBroker);
            if (config.topics().create()) {
                createTopics();
            }
        }
        return bootstrapServers;
    }

    /** Settings every client gets: the bootstrap address plus any kafka.client.* security settings. */
    public Map<String, Object> clientSettings() {
        Map<String, Object> m = new HashMap<>(settings.client());
        m.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return m;
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    private String localBroker() {
        Path dir = config.dataDir().resolve("kafka");
        Path addressFile = dir.resolve("bootstrap.servers");
        // A running `costwarden serve` or `costwarden demo` with the same data dir, in that order.
        for (Path candidate : List.of(addressFile, config.dataDir().resolve("demo").resolve("kafka").resolve("bootstrap.servers"))) {
            Optional<String> running = runningLocalBroker(candidate);
            if (running.isPresent()) {
                LOG.infof("using the Costwarden broker already running at %s", running.get());
                return running.get();
            }
        }
        if (!config.embeddedKafka().enabled()) {
            throw new IllegalStateException("no Kafka to use: set kafka.bootstrap.servers, or start `costwarden serve` "
                    + "or `costwarden demo` with the same data dir (" + config.dataDir() + ")");
        }
        embedded = new EmbeddedKafka(dir, config.topics().partitions());
        long start = System.nanoTime();
        String address = embedded.start(config.embeddedKafka().port());
        try {
            Files.writeString(addressFile, address);
        } catch (java.io.IOException e) {
            LOG.warnf("cannot write %s: %s", addressFile, e.getMessage());
        }
        LOG.infof("embedded Kafka broker up at %s in %d ms (data in %s)", address,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), dir);
        return address;
    }

    /** A broker another local Costwarden process started, if its address file is there and it answers. */
    private Optional<String> runningLocalBroker(Path addressFile) {
        if (!Files.exists(addressFile)) {
            return Optional.empty();
        }
        try {
            String address = Files.readString(addressFile).trim();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, address,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1500))) {
                admin.describeCluster().clusterId().get(2, TimeUnit.SECONDS);
                return Optional.of(address);
            }
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private void createTopics() {
        Map<String, Object> admin = new HashMap<>(settings.client());
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin a = Admin.create(admin)) {
            Set<String> existing = a.listTopics().names().get(30, TimeUnit.SECONDS);
            Optional<Short> rf = config.topics().replicationFactor().isPresent()
                    ? Optional.of((short) config.topics().replicationFactor().getAsInt()) : Optional.empty();
            List<NewTopic> missing = Topics.ALL.stream().filter(t -> !existing.contains(t.name()))
                    .map(t -> t.compacted()
                            // A compacted topic here holds one document per key that every instance reads whole.
                            ? new NewTopic(t.name(), Optional.of(1), rf).configs(Map.of("cleanup.policy", "compact"))
                            : new NewTopic(t.name(), Optional.of(config.topics().partitions()), rf))
                    .toList();
            if (missing.isEmpty()) {
                return;
            }
            for (var entry : a.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            LOG.infof("created topics %s", missing.stream().map(NewTopic::name).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrapServers + " to create topics: "
                    + e.getMessage(), e);
        }
    }

    /** Last to stop: the roles observe shutdown at a lower priority and close their clients first. */
    void stop(@Observes @Priority(1000) ShutdownEvent event) {
        close();
    }

    public synchronized void close() {
        if (embedded != null) {
            long start = System.nanoTime();
            embedded.close();
            embedded = null;
            try {
                Files.deleteIfExists(config.dataDir().resolve("kafka").resolve("bootstrap.servers"));
            } catch (java.io.IOException e) {
                LOG.debugf("cannot remove the broker address file: %s", e.getMessage());
            }
            LOG.infof("embedded Kafka broker stopped in %d ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
        bootstrapServers = null;
    }
}
