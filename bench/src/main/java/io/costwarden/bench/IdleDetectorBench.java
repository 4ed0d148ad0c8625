package io.costwarden.bench;

import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.JsonSerde;
import io.costwarden.model.MetricSample;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.Topics;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.DeadLetterHandler;
import io.costwarden.streams.decisions.DecisionTopology;
import io.costwarden.streams.decisions.Verdict;
import io.costwarden.streams.idle.IdleState;
import io.costwarden.streams.idle.IdleStateSerde;
import io.costwarden.streams.idle.IdleTopology;
import io.costwarden.streams.inventory.InventoryTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * End to end through a real broker (Apache Kafka's own, single node, in this JVM): how many metric
 * samples per second the idle path of the streams topology handles, against Kafka's own consumer
 * reading the same records in the same run, and how long after the sample that completes an idle
 * condition its finding is readable on {@code costwarden.findings.v1} at half that rate.
 *
 * <p>Not a JMH benchmark: its unit is a whole run through a broker, measured once per phase.
 * Run: {@code java -Xms2g -Xmx2g -cp bench/target/benchmarks.jar io.costwarden.bench.IdleDetectorBench [--name=value ...]};
 * options and figures in docs/benchmarks.md.
 */
public final class IdleDetectorBench {
    /** The benchmark's own consumer group, whose committed offsets say how far Kafka Streams has got. */
    static final String APPLICATION_ID = "costwarden-bench-streams";

    record Options(int watched, int gpuEvery, int minutes, int partitions, int threads, int completions, int liveMinutes,
            double rate) {
        static Options parse(String[] args) {
            Map<String, String> given = new HashMap<>();
            for (String a : args) {
                if (!a.startsWith("--") || !a.contains("=")) {
                    throw new IllegalArgumentException("options are --name=value, got '" + a + "'; see docs/benchmarks.md");
                }
                given.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            }
            Options o = new Options(
                    Integer.parseInt(given.getOrDefault("instances", "5000")),
                    Integer.parseInt(given.getOrDefault("gpu-every", "4")),
                    Integer.parseInt(given.getOrDefault("minutes", "160")),
                    Integer.parseInt(given.getOrDefault("partitions", "3")),
                    Integer.parseInt(given.getOrDefault("threads", "1")),
                    Integer.parseInt(given.getOrDefault("completions", "600")),
                    Integer.parseInt(given.getOrDefault("live-minutes", "100")),
                    Double.parseDouble(given.getOrDefault("rate", "0")));
            List<String> known = List.of("instances", "gpu-every", "minutes", "partitions", "threads", "completions",
                    "live-minutes", "rate");
            given.keySet().stream().filter(k -> !known.contains(k)).findFirst().ifPresent(k -> {
                throw new IllegalArgumentException("unknown option --" + k + "; known: " + known);
            });
            return o;
        }
    }

    private final Options options;
    private final String bootstrap;
    private final Path stateDir;
    private final PolicySet policies;
    private final List<String> report = new ArrayList<>();

    private IdleDetectorBench(Options options, String bootstrap, Path stateDir, PolicySet policies) {
        this.options = options;
        this.bootstrap = bootstrap;
        this.stateDir = stateDir;
        this.policies = policies;
    }

    public static void main(String[] args) throws Exception {
        // Before any logger exists: the broker and clients log every step at INFO, which would bury the figures.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Options o = Options.parse(args);
        PolicySet policies = PolicyFile.parse("bench-idle.yaml", Fleet.POLICY);
        Path stateDir = Files.createTempDirectory("costwarden-bench-state");
        long started = System.nanoTime();
        try (SingleNodeBroker broker = SingleNodeBroker.start(o.partitions())) {
            IdleDetectorBench bench = new IdleDetectorBench(o, broker.bootstrapServers(), stateDir, policies);
            bench.line("broker up in %.1f s (Apache Kafka %s, single-node KRaft in this JVM, %d partitions per topic)",
                    seconds(System.nanoTime() - started), AppInfoParser.getVersion(), o.partitions());
            bench.run();
            // Before the broker stops: they would otherwise retry their connection until they time out.
            DeadLetterHandler.closeAll();
            bench.line("whole run: %.0f s", seconds(System.nanoTime() - started));
            System.out.println();
            System.out.println("== IdleDetectorBench summary ==");
            bench.report.forEach(System.out::println);
        } finally {
            DeadLetterHandler.closeAll();
            deleteTree(stateDir);
        }
    }

    private void run() throws Exception {
        // Data time runs faster than the wall clock (a data minute takes well under a second to send) and must end
        // in the past: the broker refuses record timestamps more than an hour ahead (log.message.timestamp.after.max.ms),
        // and the detector's outputs carry the data time. So the pre-produced minutes, the latency run's warm-up
        // hour and its minutes of completions are laid out to end at the start of the run.
        int dataMinutes = options.minutes() + Fleet.IDLE_MINUTES + options.liveMinutes();
        Fleet fleet = new Fleet(Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(dataMinutes)),
                options.watched(), options.gpuEvery());
        line("machine: %d CPUs, %s %s, heap max %d MiB", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            createTopics(admin);
            long samples = preProduce(fleet);

            // Each consumer reads the topic twice: the first pass also warms up its code (JIT), the second is the
            // one compared, as Kafka Streams' run is long enough for its own warm-up to be a small part of it.
            consumerRate("raw bytes, first pass", new ByteArrayDeserializer(), new ByteArrayDeserializer(), samples);
            double raw = consumerRate("raw bytes", new ByteArrayDeserializer(), new ByteArrayDeserializer(), samples);
            consumerRate("JSON MetricSample, first pass", Topics.METRICS.keySerde().deserializer(),
                    Topics.METRICS.valueSerde().deserializer(), samples);
            double json = consumerRate("JSON MetricSample", Topics.METRICS.keySerde().deserializer(),
                    Topics.METRICS.valueSerde().deserializer(), samples);

            try (KafkaStreams streams = new KafkaStreams(topology(), streamsSettings())) {
                double streamsRate = streamsRate(streams, admin, samples);
                IdleState state = streams.store(StoreQueryParameters.fromNameAndType(IdleTopology.STORE,
                        QueryableStoreTypes.<String, IdleState>keyValueStore())).get(fleet.watchedArn(0));
                line("idle state of a watched GPU instance: %d bytes in the store (%d as the JSON of earlier versions),"
                        + " read and written back for each of its samples",
                        new IdleStateSerde().serializer().serialize(IdleTopology.STORE, state).length,
                        JsonSerde.of(IdleState.class).serializer().serialize(IdleTopology.STORE, state).length);
                // End offsets: under exactly-once they would count commit markers too, so only zero is exact, and
                // zero is what both must be: no watched instance stays quiet for an hour, and every sample is valid.
                line("after (b): findings topic end offsets %d, dead-letter topic end offsets %d (both must be 0)",
                        endOffset(admin, Topics.FINDINGS.name()), endOffset(admin, Topics.DLQ.name()));
                line("ratio: Kafka Streams / KafkaConsumer = %.2f of the JSON consumer, %.2f of the raw consumer",
                        streamsRate / json, streamsRate / raw);
                double rate = options.rate() > 0 ? options.rate() : streamsRate / 2;
                latency(admin, fleet, rate);
                streams.close(Duration.ofSeconds(30));
            }
        }
    }

    /** Inventory, idle detector and decision step: the idle path of CostwardenTopology, without the other detectors. */
    private Topology topology() {
        StreamsBuilder builder = new StreamsBuilder();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        KStream<String, ResourceChange> changes = InventoryTopology.build(builder);
        KStream<String, Verdict> verdicts = IdleTopology.build(builder, changes, () -> policies, meters);
        DecisionTopology.forResources(builder, verdicts, changes, () -> policies, meters);
        return builder.build();
    }

    /**
     * The streams role's settings (app/.../roles/StreamsSettings.java) with the app's defaults: one stream
     * thread unless --threads says otherwise, and Kafka Streams' own commit interval and record cache, which
     * the app does not change.
     */
    private Properties streamsSettings() {
        Properties p = new Properties();
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, options.threads());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return p;
    }

    private void createTopics(Admin admin) throws Exception {
        // As the app creates them (KafkaCluster): compacted topics have one partition, the rest the configured count.
        List<NewTopic> topics = Topics.ALL.stream().map(t -> t.compacted()
                ? new NewTopic(t.name(), Optional.of(1), Optional.empty()).configs(Map.of("cleanup.policy", "compact"))
                : new NewTopic(t.name(), Optional.of(options.partitions()), Optional.empty())).toList();
        admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
    }

    /** The ingest role's producer settings (ingest/.../KafkaPublisher.java), so records are batched and compressed as in production. */
    private KafkaProducer<byte[], byte[]> producer(String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The watched instances' launches, then their samples minute by minute: the input of the throughput phases. */
    private long preProduce(Fleet fleet) throws Exception {
        AtomicReference<Exception> failed = new AtomicReference<>();
        long samples = 0;
        long bytes = 0;
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = producer("bench-preproduce")) {
            for (ResourceEvent e : fleet.watchedLaunches()) {
                send(producer, Topics.EVENTS.name(), e.resourceId(), serialize(e), failed);
            }
            for (int m = 1; m <= options.minutes(); m++) {
                for (MetricSample s : fleet.watchedMinute(m)) {
                    byte[] value = serialize(s);
                    send(producer, Topics.METRICS.name(), s.resourceId(), value, failed);
                    samples++;
                    bytes += value.length;
                }
                if (failed.get() != null) {
                    throw failed.get();
                }
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
        double secs = seconds(System.nanoTime() - start);
        line("workload: %,d watched EC2 instances (%,d with a GPU, reporting CPU and GPU), %d data minutes: %,d metric "
                        + "samples, JSON values of %d bytes on average, keyed by ARN; %,d launch events",
                fleet.watched(), fleet.withGpu(), options.minutes(), samples, bytes / samples, fleet.watched());
        line("pre-produce: %,d samples in %.1f s = %,.0f records/s (the ingest producer's settings: acks=all, "
                + "idempotent, linger 5 ms, lz4)", samples, secs, samples / secs);
        return samples;
    }

    /** Kafka's own consumer over the whole metrics topic, from the first offset, as fast as it goes. */
    private double consumerRate(String label, Deserializer<?> keys, Deserializer<?> values, long expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-consumer");
        // As Kafka Streams reads under exactly-once.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        long count = 0;
        long bytes = 0;
        CpuUse cpu = CpuUse.now();
        long start = System.nanoTime();
        long elapsed;
        try (KafkaConsumer<?, ?> consumer = new KafkaConsumer<>(p, keys, values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.METRICS.name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long lastProgress = System.nanoTime();
            while (count < expected) {
                ConsumerRecords<?, ?> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<?, ?> r : records) {
                    count++;
                    bytes += r.serializedValueSize();
                }
                if (!records.isEmpty()) {
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(30)) {
                    throw new IllegalStateException("consumer stalled at " + count + " of " + expected + " records");
                }
            }
            elapsed = System.nanoTime() - start;
        }
        double rate = count / seconds(elapsed);
        line("(a) KafkaConsumer, %s: %,d records in %.1f s = %,.0f records/s (%.1f MB/s of values); %s",
                label, count, seconds(elapsed), rate, bytes / seconds(elapsed) / 1e6, cpu.since());
        return rate;
    }

    /**
     * Kafka Streams from the first offset until its committed offsets reach the end of its input topics, as
     * the CLI's PipelineProgress decides "caught up": under exactly-once a committed offset means the state
     * and outputs of every record before it are committed too.
     */
    private double streamsRate(KafkaStreams streams, Admin admin, long samples) throws Exception {
        AtomicLong runningAt = new AtomicLong();
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                runningAt.compareAndSet(0, System.nanoTime());
            }
        });
        CpuUse cpu = CpuUse.now();
        Map<Long, Long> threads0 = threadCpu();
        long start = System.nanoTime();
        streams.start();
        awaitCaughtUp(admin, Duration.ofSeconds(60), true);
        long done = System.nanoTime();
        long elapsed = done - start;
        double rate = samples / seconds(elapsed);
        long streamThreads = streamThreadCpu(threads0);
        StreamsConfig config = new StreamsConfig(streamsSettings());
        line("(b) Kafka Streams, inventory + idle + decisions, exactly_once_v2, %d stream thread(s), commit.interval.ms %d, "
                        + "statestore.cache.max.bytes %d: %,d samples in %.1f s = %,.0f records/s from start() "
                        + "(%,.0f records/s from RUNNING, %.1f s after start()); %s",
                options.threads(), config.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG), config.getLong(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG),
                samples, seconds(elapsed), rate, samples / seconds(done - runningAt.get()),
                seconds(runningAt.get() - start), cpu.since());
        // Whether the stream thread was busy all along (then its own work bounds the rate) or waited for a CPU
        // or for the broker; the rest of the process is the broker, the other clients, the JIT and the GC.
        line("CPU during (b): stream thread(s) %.2f of one core, the rest of the process %.2f of one core (of %d)",
                streamThreads / (double) elapsed, (cpuNanos() - cpu.processNanos() - streamThreads) / (double) elapsed,
                Runtime.getRuntime().availableProcessors());
        // Kafka Streams' own account (KIP-761) of the time its thread waited for Kafka; time neither on a CPU nor
        // blocked is time the thread was ready to run but both cores were busy with the broker, the JIT and the GC.
        double blocked = metric(streams, "stream-thread-metrics", "blocked-time-ns-total");
        line("stream thread(s) blocked on Kafka %.0f%% of (b): transaction commits %.1f s, producer flushes %.1f s "
                        + "(%,.0f commits, %.1f ms each on average)",
                100 * blocked / elapsed / options.threads(), metric(streams, "producer-metrics", "txn-commit-time-ns-total") / 1e9,
                metric(streams, "producer-metrics", "flush-time-ns-total") / 1e9,
                metric(streams, "stream-thread-metrics", "commit-total"),
                metric(streams, "stream-thread-metrics", "commit-latency-avg"));
        return rate;
    }

    /** A Kafka Streams metric summed over its threads and clients (averages are averaged instead). */
    private static double metric(KafkaStreams streams, String group, String name) {
        List<Double> values = streams.metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals(group) && e.getKey().name().equals(name))
                .map(e -> e.getValue().metricValue()).filter(v -> v instanceof Number)
                .map(v -> ((Number) v).doubleValue()).filter(v -> !v.isNaN()).toList();
        double sum = values.stream().mapToDouble(Double::doubleValue).sum();
        return name.endsWith("-avg") && !values.isEmpty() ? sum / values.size() : sum;
    }

    /** CPU time of every live thread by id. */
    private static Map<Long, Long> threadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> out = new HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            out.put(id, mx.getThreadCpuTime(id));
        }
        return out;
    }

    /** CPU time of Kafka Streams' stream threads since {@code before} (threads that started since count from zero). */
    private static long streamThreadCpu(Map<Long, Long> before) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            // Stream threads are named <client id>-StreamThread-<n>; their producers' I/O threads carry that name too.
            if (t != null && t.getThreadName().contains("-StreamThread-") && !t.getThreadName().startsWith("kafka-producer")) {
                long now = mx.getThreadCpuTime(t.getThreadId());
                sum += Math.max(0, now - before.getOrDefault(t.getThreadId(), 0L));
            }
        }
        return sum;
    }

    /** Blocks until the streams group has committed the end of the events and metrics topics. */
    private void awaitCaughtUp(Admin admin, Duration stall, boolean progress) throws Exception {
        Map<TopicPartition, Long> ends = endOffsets(admin, List.of(Topics.EVENTS.name(), Topics.METRICS.name()));
        long total = ends.values().stream().mapToLong(Long::longValue).sum();
        long lastLag = Long.MAX_VALUE;
        long lastProgress = System.nanoTime();
        long lastPrint = System.nanoTime();
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(APPLICATION_ID)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            long lag = 0;
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += Math.max(0, e.getValue() - (c == null ? 0 : c.offset()));
            }
            if (lag == 0) {
                return;
            }
            long now = System.nanoTime();
            if (lag < lastLag) {
                lastLag = lag;
                lastProgress = now;
            } else if (now - lastProgress > stall.toNanos()) {
                throw new IllegalStateException("Kafka Streams made no progress for " + stall + "; " + lag + " records behind");
            }
            if (progress && now - lastPrint > TimeUnit.SECONDS.toNanos(10)) {
                System.out.printf(Locale.ROOT, "  streams: %,d of %,d input records committed%n", total - lag, total);
                lastPrint = now;
            }
            // There is no notification for "group caught up"; the admin API is polled, 20 times per commit
            // interval's worth of seconds, which is finer than the commits it observes (every 100 ms).
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /**
     * Latency: probes' launches first (so the inventory knows them before their samples), then the watched
     * fleet's next minutes and the probes' samples at a fixed rate; each probe's 60th quiet minute completes its
     * idle condition, and the time from that sample's scheduled send to its open finding on the findings topic
     * (read_committed, as any reader of committed findings) is one latency. The send is stamped with its
     * scheduled time, not the time it went out, so a producer that falls behind adds to the latency instead of
     * hiding it.
     */
    private void latency(Admin admin, Fleet watched, double rate) throws Exception {
        // Completions spread over live-minutes data minutes; the 60 before them (the first probes' quiet hour) bring
        // the rate to steady state.
        int perMinute = (int) Math.ceil(options.completions() / (double) options.liveMinutes());
        Fleet fleet = watched.withProbes(options.minutes() + 1, options.completions(), perMinute);

        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = producer("bench-live")) {
            for (ResourceEvent e : fleet.probeLaunches()) {
                send(producer, Topics.EVENTS.name(), e.resourceId(), serialize(e), failed);
            }
            producer.flush();
            awaitCaughtUp(admin, Duration.ofSeconds(30), false);

            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            Histogram latencies = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
            try (FindingsReader reader = new FindingsReader(sentAt, Set.copyOf(fleet.warmUpArns()), latencies)) {
                reader.start();
                CpuUse cpu = CpuUse.now();
                long start = System.nanoTime();
                // Not in the summary: the wall time lets a GC log or a flight recording be lined up with the slowest completions.
                System.out.println("latency run starts at " + Instant.now());
                long n = 0;
                long behind = 0;
                int expected = 0;
                for (int m = fleet.liveStartMinute() + 1; m <= fleet.lastLiveMinute(); m++) {
                    for (Fleet.Sample s : fleet.liveMinute(m)) {
                        long due = start + (long) (n * 1e9 / rate);
                        long now = System.nanoTime();
                        if (now < due) {
                            do {
                                LockSupport.parkNanos(due - now);
                            } while ((now = System.nanoTime()) < due);
                        } else {
                            behind = Math.max(behind, now - due);
                        }
                        byte[] value = serialize(s.sample());
                        if (s.completes() && s.measured()) {
                            sentAt.put(s.sample().resourceId(), due);
                            expected++;
                        }
                        send(producer, Topics.METRICS.name(), s.sample().resourceId(), value, failed);
                        n++;
                    }
                    if (failed.get() != null) {
                        throw failed.get();
                    }
                }
                producer.flush();
                long produced = System.nanoTime() - start;
                // The last completions need their commit; every one is awaited, or reported missing after a minute.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while ((!sentAt.isEmpty() || reader.warmUps() < fleet.warmUpProbes()) && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(50);
                }
                long elapsed = System.nanoTime() - start;
                reader.stop();
                Histogram h = reader.latencies();
                line("latency run: %,d samples at a target of %,.0f records/s (%s), achieved %,.0f records/s over "
                                + "%.0f s, producer at most %.0f ms behind schedule; %s",
                        n, rate, options.rate() > 0 ? "--rate" : "half of (b)", n / seconds(produced), seconds(produced),
                        behind / 1e6, cpu.since());
                line("latency, completing sample sent -> open finding read (read_committed): %,d of %,d completions, "
                                + "p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, p99.9 %.0f ms, max %.0f ms; %d missing, %d unexpected findings "
                                + "(%d of %d warm-up findings before them, not measured)",
                        h.getTotalCount(), expected, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3,
                        h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3,
                        sentAt.size(), reader.unexpected(), reader.warmUps(), fleet.warmUpProbes());
                line("slowest completions (latency at seconds into the latency run): %s; dead-letter topic end offsets %d",
                        reader.slowest(start, 8), endOffset(admin, Topics.DLQ.name()));
            }
        }
    }

    /** Reads open findings on its own thread and records each one's latency against the send stamped for its resource. */
    private final class FindingsReader implements AutoCloseable {
        private final Map<String, Long> sentAt;
        private final Set<String> warmUpArns;
        private final AtomicLong warmUps = new AtomicLong();
        private final Histogram latencies;
        /** Per completion: when it was sent (nanoTime) and its latency (µs), to see when the slowest happened. */
        private final List<long[]> each = new ArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong unexpected = new AtomicLong();
        private final KafkaConsumer<String, Finding> consumer;
        private final Thread thread;

        FindingsReader(Map<String, Long> sentAt, Set<String> warmUpArns, Histogram latencies) {
            this.sentAt = sentAt;
            this.warmUpArns = warmUpArns;
            this.latencies = latencies;
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-findings");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            consumer = new KafkaConsumer<>(p, new StringDeserializer(), Topics.FINDINGS.valueSerde().deserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.FINDINGS.name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            // Resolve the positions now: the lazy seek would otherwise happen on the first poll, after sends began.
            partitions.forEach(consumer::position);
            thread = new Thread(this::read, "bench-findings-reader");
        }

        void start() {
            thread.start();
        }

        private void read() {
            while (running.get()) {
                for (ConsumerRecord<String, Finding> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    Finding f = r.value();
                    if (f == null || f.state() != FindingState.OPEN) {
                        continue;
                    }
                    Long sent = sentAt.remove(f.resourceId());
                    if (sent == null && warmUpArns.contains(f.resourceId())) {
                        warmUps.incrementAndGet();
                    } else if (sent == null) {
                        unexpected.incrementAndGet();
                    } else {
                        long micros = Math.max(0, (now - sent) / 1000);
                        latencies.recordValue(micros);
                        each.add(new long[] {sent, micros});
                    }
                }
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        /** The {@code n} slowest as "latency ms @ seconds since {@code start}"; call after {@link #stop}. */
        String slowest(long start, int n) {
            return each.stream().sorted(Comparator.comparingLong((long[] e) -> e[1]).reversed()).limit(n)
                    .map(e -> String.format(Locale.ROOT, "%.0f ms @ %.1f s", e[1] / 1e3, seconds(e[0] - start)))
                    .toList().toString();
        }

        Histogram latencies() {
            return latencies;
        }

        long warmUps() {
            return warmUps.get();
        }

        long unexpected() {
            return unexpected.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            consumer.close();
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (var d : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
            d.partitions().forEach(p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private static long endOffset(Admin admin, String topic) throws Exception {
        return endOffsets(admin, List.of(topic)).values().stream().mapToLong(Long::longValue).sum();
    }

    private static byte[] serialize(MetricSample s) {
        return Topics.METRICS.valueSerde().serializer().serialize(Topics.METRICS.name(), s);
    }

    private static byte[] serialize(ResourceEvent e) {
        return Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), e);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * CPU used over a phase by this process (broker, clients and Kafka Streams together) and by everything else
     * on the machine, from /proc/stat: a build or a test run elsewhere on the same two cores slows every phase,
     * and a run must show whether that happened.
     */
    record CpuUse(long processNanos, long busyTicks, long allTicks, long wallNanos) {
        static CpuUse now() {
            long[] ticks = machineTicks();
            return new CpuUse(cpuNanos(), ticks[0], ticks[1], System.nanoTime());
        }

        String since() {
            CpuUse end = now();
            double wall = end.wallNanos - wallNanos;
            double process = (end.processNanos - processNanos) / wall;
            if (allTicks < 0 || end.allTicks <= allTicks) {
                return String.format(Locale.ROOT, "CPU: this process %.2f cores, other processes unknown", process);
            }
            double machine = (end.busyTicks - busyTicks) / (double) (end.allTicks - allTicks)
                    * Runtime.getRuntime().availableProcessors();
            return String.format(Locale.ROOT, "CPU: this process %.2f cores, other processes %.2f cores", process,
                    Math.max(0, machine - process));
        }

        /** Busy and all ticks of every CPU (the first line of /proc/stat), or -1 where there is no /proc. */
        private static long[] machineTicks() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long all = 0;
                // user nice system idle iowait irq softirq steal; the guest columns after them are already in user
                // and nice. Idle and iowait are the only ticks not busy.
                for (int i = 1; i <= 8 && i < f.length; i++) {
                    all += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                return new long[] {all - idle, all};
            } catch (IOException | RuntimeException e) {
                return new long[] {-1, -1};
            }
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value,
            AtomicReference<Exception> failed) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value), (md, e) -> {
            if (e != null) {
                failed.compareAndSet(null, e);
            }
        });
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private void line(String format, Object... args) {
        String s = String.format(Locale.ROOT, format, args);
        System.out.println(s);
        report.add(s);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
