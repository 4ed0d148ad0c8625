package io.costwarden.app.roles;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.app.live.LiveFeed;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Finding;
import io.costwarden.model.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * The recent findings and action results, for the API and the live stream (each record read is also
 * published to the {@link LiveFeed}). Every instance reads both topics in full
 * (assigned partitions, no consumer group), so any instance answers for all of them; memory is bounded
 * by {@code costwarden.api.recent-limit} per kind. Eviction follows the order records were read, which
 * after a restart interleaves partitions; lists are sorted by time when served.
 */
@ApplicationScoped
public class RecentActivity {
    private static final Logger LOG = Logger.getLogger(RecentActivity.class);

    private final CostwardenConfig config;
    private final KafkaCluster kafka;
    private final Map<String, Finding> findings;
    private final Map<String, ActionResult> results;
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final LiveFeed feed;
    private final Map<TopicPartition, Long> liveFrom = new ConcurrentHashMap<>();
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;
    private volatile boolean running;

    public RecentActivity(CostwardenConfig config, KafkaCluster kafka, LiveFeed feed) {
        this.config = config;
        this.kafka = kafka;
        this.feed = feed;
        this.findings = bounded(config.api().recentLimit());
        this.results = bounded(config.api().recentLimit());
    }

    private static <V> Map<String, V> bounded(int limit) {
        return new LinkedHashMap<>(256, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > limit;
            }
        };
    }

    void start(@Observes @Priority(130) StartupEvent event) {
        if (Role.parse(config.roles()).isEmpty()) {
            return;
        }
        Map<String, Object> p = new HashMap<>(kafka.clientSettings());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "costwarden-api-view");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.FINDINGS.name(), Topics.ACTION_RESULTS.name())) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        // History read at start fills the views; only what comes after it is news for the live stream (a client
        // cannot hold an event id from before this process began, so replaying history to it serves no one).
        consumer.endOffsets(partitions).forEach(liveFrom::put);
        running = true;
        thread = new Thread(this::run, "costwarden-api-view");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                try {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        accept(r);
                    }
                    for (TopicPartition tp : consumer.assignment()) {
                        positions.put(tp, consumer.position(tp));
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // The view must not silently freeze: log, back off, and keep reading.
                    LOG.error("reading findings and action results failed; retrying in 1 s", e);
                    TimeUnit.SECONDS.sleep(1);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> r) {
        try {
            if (r.topic().equals(Topics.FINDINGS.name())) {
                Finding f = Topics.FINDINGS.valueSerde().deserializer().deserialize(r.topic(), r.value());
                if (f != null) {
                    synchronized (findings) {
                        // Remove first: a finding's newest transition makes it the youngest entry, so a
                        // long-lived current finding is not evicted before thousands of newer ended ones.
                        findings.remove(f.id());
                        findings.put(f.id(), f);
                    }
                    if (isNews(r)) {
                        feed.publish("finding", f);
                    }
                }
            } else {
                ActionResult a = Topics.ACTION_RESULTS.valueSerde().deserializer().deserialize(r.topic(), r.value());
                if (a != null) {
                    synchronized (results) {
                        results.put(a.actionId(), a);
                    }
                    if (isNews(r)) {
                        feed.publish("action", a);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("skipping unreadable record %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    private boolean isNews(ConsumerRecord<byte[], byte[]> r) {
        return r.offset() >= liveFrom.getOrDefault(new TopicPartition(r.topic(), r.partition()), 0L);
    }

    /** Newest detection first. */
    public List<Finding> findings() {
        List<Finding> list;
        synchronized (findings) {
            list = new ArrayList<>(findings.values());
        }
        list.sort(Comparator.comparing(Finding::detectedAt).reversed().thenComparing(Finding::id));
        return list;
    }

    /** Newest result first. */
    public List<ActionResult> results() {
        List<ActionResult> list;
        synchronized (results) {
            list = new ArrayList<>(results.values());
        }
        list.sort(Comparator.comparing(ActionResult::at).reversed().thenComparing(ActionResult::actionId));
        return list;
    }

    /** True once this view has read every partition up to the given offsets. */
    public boolean caughtUpTo(Map<TopicPartition, Long> endOffsets) {
        return endOffsets.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    void stop(@Observes @Priority(20) ShutdownEvent event) {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            consumer = null;
        }
    }
}
