package io.costwarden.app.roles;

import io.costwarden.actions.alerts.AlertChannel;
import io.costwarden.actions.alerts.AlertConsumer;
import io.costwarden.actions.alerts.AlertDelivery;
import io.costwarden.actions.alerts.AlertEvents;
import io.costwarden.actions.alerts.AlertKind;
import io.costwarden.actions.alerts.AlertLinks;
import io.costwarden.actions.alerts.AlertRouting;
import io.costwarden.actions.alerts.Alerts;
import io.costwarden.actions.alerts.RateLimit;
import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.model.DeadLetter;
import io.costwarden.model.Finding;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.Topics;
import io.costwarden.model.policy.Policy;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * The alerts role: tells Slack, PagerDuty and signed webhooks about finding transitions and action
 * outcomes (docs/webhooks.md). A role of its own because it needs outbound HTTPS to third parties and
 * no AWS rights, while the actions role needs AWS rights and no third parties.
 */
@ApplicationScoped
public class AlertsRole {
    private static final Logger LOG = Logger.getLogger(AlertsRole.class);
    /** A dead letter is written before the record's offset is committed; this bounds how long that may take. */
    private static final Duration DLQ_WRITE_TIMEOUT = Duration.ofSeconds(30);

    private final CostwardenConfig config;
    private final KafkaCluster kafka;
    private final MeterRegistry meters;
    private final ActivePolicies policies;
    private final RecentActivity recent;
    private KafkaProducer<String, DeadLetter> deadLetters;
    private AlertConsumer loop;
    private Thread thread;

    public AlertsRole(CostwardenConfig config, KafkaCluster kafka, MeterRegistry meters, ActivePolicies policies,
            RecentActivity recent) {
        this.config = config;
        this.kafka = kafka;
        this.meters = meters;
        this.policies = policies;
        this.recent = recent;
    }

    void start(@Observes @Priority(120) StartupEvent event) {
        if (!Role.parse(config.roles()).contains(Role.ALERTS)) {
            return;
        }
        CostwardenConfig.Alerts a = config.alerts();
        if (a.channels().isEmpty()) {
            LOG.info("alerts role: no channels configured (costwarden.alerts.channels); no alerts are sent");
            return;
        }
        Map<String, AlertChannel> channels = channels(a);
        AlertRouting routing = new AlertRouting(channels, a.defaultChannel(), a.ownerTags(), a.ownerRoutes(),
                a.ownerSlack());
        AlertDelivery.Settings settings = new AlertDelivery.Settings(a.maxAttempts(), a.initialBackoff(),
                a.maxBackoff(), a.requestTimeout(), a.downPause());
        deadLetters = deadLetterProducer();
        AlertDelivery delivery = new AlertDelivery(AlertDelivery.httpClient(Duration.ofSeconds(5)),
                new AlertLinks(a.apiBaseUrl()), settings, this::deadLetter, AlertDelivery.Sleeper.THREAD,
                Clock.systemUTC(), new SecureRandom(), meters);
        AlertEvents events = new AlertEvents(a.ownerTags(), pricing(), this::currentChannels);
        Alerts alerts = new Alerts(events, routing, delivery, this::finding, a.maxAge(), Clock.systemUTC(), meters);
        loop = new AlertConsumer(consumer(a.groupId()), alerts, a.resultWait(), Clock.systemUTC(),
                AlertDelivery.Sleeper.THREAD, meters);
        thread = new Thread(loop, "costwarden-alerts");
        thread.setDaemon(true);
        thread.start();
        // Names and types only: URLs, routing keys and secrets are credentials.
        LOG.infof("alerts role started (group %s): channels %s, default %s", a.groupId(),
                channels.values().stream().map(c -> c.name() + " (" + c.type() + ")").toList(),
                a.defaultChannel().orElse("none"));
    }

    /** Every configured channel, checked; a mistake stops start-up with the key to fix. */
    static Map<String, AlertChannel> channels(CostwardenConfig.Alerts a) {
        Map<String, AlertChannel> out = new TreeMap<>();
        a.channels().forEach((name, c) -> {
            Set<AlertKind> kinds = EnumSet.noneOf(AlertKind.class);
            for (String word : c.events().orElse(List.of())) {
                kinds.add(AlertKind.byWord(word).orElseThrow(() -> new IllegalArgumentException(
                        "costwarden.alerts.channels." + name + ".events: '" + word + "' is not an alert kind; use "
                                + java.util.Arrays.stream(AlertKind.values()).map(AlertKind::word).toList())));
            }
            RateLimit limit;
            try {
                limit = new RateLimit(c.ratePerMinute(), c.burst());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("costwarden.alerts.channels." + name + ".rate-per-minute/burst: "
                        + e.getMessage(), e);
            }
            out.put(name, AlertChannel.of(name, c.type(), c.url(), c.secret(), c.routingKey(), limit, kinds));
        });
        return out;
    }

    private AlertEvents.Pricing pricing() {
        InstanceCatalog catalog = config.catalog().file()
                .map(f -> InstanceCatalog.bundled().withOverrides(InstanceCatalog.load(f)))
                .orElseGet(InstanceCatalog::bundled);
        return (type, region) -> catalog.hourlyPrice(type, region, PurchaseOption.ON_DEMAND)
                .map(InstanceCatalog.HourlyPrice::usdPerHour);
    }

    /** The policy's notify channels as the policies now stand, for a result whose finding was not read. */
    private List<String> currentChannels(String policy) {
        return policies.get().named(policy).map(Policy::channels).orElse(List.of());
    }

    /** The API's view reads every partition of the findings topic, so it knows findings of other instances' partitions. */
    private Optional<Finding> finding(String id) {
        return recent.findings().stream().filter(f -> f.id().equals(id)).findFirst();
    }

    private KafkaConsumer<byte[], byte[]> consumer(String groupId) {
        Map<String, Object> p = new HashMap<>(kafka.clientSettings());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "costwarden-alerts");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // A new group starts at the beginning; max-age keeps old transitions from becoming messages.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Delivery with retries can take a minute per record on a failing channel: few records per poll,
        // and a poll interval well above their worst case, so the group does not evict a busy member.
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20);
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 600_000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private KafkaProducer<String, DeadLetter> deadLetterProducer() {
        Map<String, Object> p = new HashMap<>(kafka.clientSettings());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "costwarden-alerts-dlq");
        return new KafkaProducer<>(p, Topics.DLQ.keySerde().serializer(), Topics.DLQ.valueSerde().serializer());
    }

    /** Durable before it returns: the record's offset is committed only after its dead letter is. */
    private void deadLetter(String key, DeadLetter letter) {
        try {
            deadLetters.send(new ProducerRecord<>(Topics.DLQ.name(), key, letter))
                    .get(DLQ_WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing an alert dead letter", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot write an alert dead letter to " + Topics.DLQ.name(), e);
        }
    }

    void stop(@Observes @Priority(15) ShutdownEvent event) {
        if (loop != null) {
            loop.close();
            try {
                thread.join(5_000);
                if (thread.isAlive()) {
                    // Waiting out a backoff: interrupt it; the record is read again at the next start.
                    thread.interrupt();
                    thread.join(5_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            loop = null;
        }
        if (deadLetters != null) {
            deadLetters.close(Duration.ofSeconds(5));
            deadLetters = null;
        }
    }
}
