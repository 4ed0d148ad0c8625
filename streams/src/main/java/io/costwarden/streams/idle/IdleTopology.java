package io.costwarden.streams.idle;

import io.costwarden.model.MetricSample;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.Topics;
import io.costwarden.model.policy.IdleRule;
import io.costwarden.model.policy.Policy;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.decisions.Verdict;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle resources: every configured signal below its threshold for the policy's whole duration.
 *
 * <p>Inventory changes (is it running, since when) and metric samples meet here by resource key, so the
 * events and metrics topics must have the same partition count. A finding is checked on every sample,
 * at the sample's time, and every {@link #CHECK_EVERY} on the wall clock for all running resources,
 * because silence is a signal too: a resource that stops reporting gets no sample to check on.
 *
 * <p>A quiet run is reported once, as a verdict that holds; its start is the finding's episode, so the
 * same data gives the same finding id. Activity after a reported run is a verdict that clears it (the
 * decision step cancels or resolves the finding); a stop ends the run too (the decision step hears the
 * stop from the inventory). The next quiet run is a new finding.
 *
 * <p>Signals: {@code cpu} (CPUUtilization), {@code gpu} (per GPU index), {@code network-in} and
 * {@code network-out} (bytes per second over the period) and {@code notebook}: the Jupyter activity
 * published by deploy/sagemaker/notebook-activity, which says directly when the last kernel or terminal
 * activity was ({@code SecondsSinceLastActivity}) and whether a kernel is busy ({@code BusyKernels}).
 */
public final class IdleTopology {
    public static final String DETECTOR = "idle";
    public static final String STORE = "idle-state";
    /** Often enough that silence is noticed within a minute; cheap, as it only walks this task's resources. */
    public static final Duration CHECK_EVERY = Duration.ofSeconds(30);
    /** A resource known only from its metrics is forgotten this long after its longest idle duration of silence. */
    static final Duration METRICS_ONLY_RETENTION = Duration.ofDays(1);
    /** Store entries that could not be read (and were read as absent), by store. */
    public static final String UNREADABLE = "costwarden.state.unreadable";
    private static final Logger LOG = LoggerFactory.getLogger(IdleTopology.class);

    private IdleTopology() {
    }

    /** One input of the detector: an inventory change or a metric sample. */
    record Input(ResourceChange change, MetricSample sample) {
    }

    public static KStream<String, Verdict> build(StreamsBuilder builder, KStream<String, ResourceChange> changes,
            Supplier<PolicySet> policies, MeterRegistry meters) {
        return build(builder, changes, policies, meters, IdleStateSerde.Format.BINARY);
    }

    /** With the form the state store writes in ({@code costwarden.streams.idle-state-format}). */
    public static KStream<String, Verdict> build(StreamsBuilder builder, KStream<String, ResourceChange> changes,
            Supplier<PolicySet> policies, MeterRegistry meters, IdleStateSerde.Format stateFormat) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                storeSerde(stateFormat, meters)));
        KStream<String, MetricSample> metrics = builder.stream(Topics.METRICS.name(),
                Consumed.with(Topics.METRICS.keySerde(), Topics.METRICS.valueSerde()).withName("metrics"));
        return changes.mapValues(c -> new Input(c, null), Named.as("idle-changes"))
                .merge(metrics.filter((k, v) -> v != null, Named.as("idle-drop-tombstones"))
                        .mapValues(s -> new Input(null, s), Named.as("idle-samples")), Named.as("idle-inputs"))
                .process(() -> new Detect(policies, meters), Named.as("idle-detect"), STORE);
    }

    /**
     * The store's serde. An entry that cannot be read is logged, counted
     * ({@code costwarden_state_unreadable_total{store="idle-state"}}) and read as absent: the resource's next
     * sample starts its state again, and the silence check goes on past it. Failing instead would dead-letter
     * every later sample of that resource, since nothing would ever rewrite the entry.
     */
    static Serde<IdleState> storeSerde(IdleStateSerde.Format format, MeterRegistry meters) {
        IdleStateSerde serde = new IdleStateSerde(format);
        Deserializer<IdleState> strict = serde.deserializer();
        return Serdes.serdeFrom(serde.serializer(), (topic, bytes) -> {
            try {
                return strict.deserialize(topic, bytes);
            } catch (SerializationException e) {
                meters.counter(UNREADABLE, "store", STORE).increment();
                LOG.error("{}; read as absent: the resource's idle state starts again from its next sample", e.getMessage());
                return null;
            }
        });
    }

    static final class Detect implements Processor<String, Input, String, Verdict> {
        private final Supplier<PolicySet> policies;
        private final MeterRegistry meters;
        private ProcessorContext<String, Verdict> context;
        private KeyValueStore<String, IdleState> store;

        Detect(Supplier<PolicySet> policies, MeterRegistry meters) {
            this.policies = policies;
            this.meters = meters;
        }

        @Override
        public void init(ProcessorContext<String, Verdict> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
            context.schedule(CHECK_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> checkAll(Instant.ofEpochMilli(now)));
        }

        @Override
        public void process(Record<String, Input> record) {
            Input in = record.value();
            IdleState state = in.change() != null ? onChange(in.change()) : onSample(in.sample());
            if (state == null) {
                return;
            }
            Instant at = in.change() != null ? in.change().event().time() : in.sample().time();
            check(state, at);
            store.put(state.resourceId(), state);
        }

        private IdleState onChange(ResourceChange change) {
            Resource r = change.resource();
            IdleState old = store.get(r.id());
            if ("terminated".equals(r.state())) {
                // Gone for good: nothing left to watch, and the store must not grow with history.
                store.delete(r.id());
                return null;
            }
            boolean wasRunning = old == null || old.running();
            boolean running = switch (r.state()) {
                case "stopped" -> false;
                case "running", "pending" -> true;
                // A resource first seen through a tag or a modification predates Costwarden: keep what the
                // metrics said, and assume it runs until told otherwise.
                default -> wasRunning;
            };
            Instant since = old != null && wasRunning && running ? old.observedSince() : change.event().time();
            IdleState s = new IdleState(r.id(), r.kind(), r.nativeId(), r.account(), r.region(), r, running, since,
                    old == null ? null : old.lastSeen(), old == null ? null : old.lastActive(), old == null ? null : old.reported());
            if (running != wasRunning) {
                // A start or a stop begins a new period; quiet time never counts from before observedSince, so
                // activity already recorded (metrics often arrive before CloudTrail's start) can stay.
                s.reported().clear();
            }
            return s;
        }

        private IdleState onSample(MetricSample m) {
            String signal = signal(m);
            if (signal == null) {
                return null;
            }
            IdleState old = store.get(m.resourceId());
            IdleState s = old != null ? old : new IdleState(m.resourceId(), m.kind(), m.kind().nativeId(m.resourceId()),
                    m.account(), m.region(), null, true, m.time(), null, null, null);
            // Kept even while the inventory says stopped: CloudTrail's start can trail the first datapoints.
            s.lastSeen().merge(signal, m.time(), IdleTopology::later);
            for (Policy p : policies.get().forResource(s.kind(), IdleRule.class)) {
                activity(m, signal, (IdleRule) p.detect())
                        .ifPresent(t -> s.lastActive().merge(p.name() + "|" + signal, t, IdleTopology::later));
            }
            return s;
        }

        /** The signal a datapoint feeds, or null for metrics the idle rule does not read. */
        static String signal(MetricSample m) {
            if (IdleRule.NOTEBOOK_NAMESPACE.equals(m.namespace())) {
                return m.metric().equals(IdleRule.NOTEBOOK_IDLE_SECONDS) || m.metric().equals(IdleRule.NOTEBOOK_BUSY_KERNELS)
                        ? "notebook" : null;
            }
            return switch (m.metric()) {
                case IdleRule.CPU_METRIC -> "cpu";
                case IdleRule.GPU_METRIC -> "gpu";
                case IdleRule.NETWORK_IN -> "network-in";
                case IdleRule.NETWORK_OUT -> "network-out";
                default -> null;
            };
        }

        /**
         * When the datapoint shows activity under this rule, or empty when it shows quiet. Thresholds compare
         * the period's maximum, so a burst inside the period counts; for GPUs each index is its own datapoint,
         * so any busy GPU makes the resource active.
         */
        static Optional<Instant> activity(MetricSample m, String signal, IdleRule rule) {
            return switch (signal) {
                case "cpu" -> rule.cpuBelow().filter(t -> m.max() >= t).map(t -> m.time());
                case "gpu" -> rule.gpuBelow().filter(t -> m.max() >= t).map(t -> m.time());
                // Bytes over the period; metric streams deliver one-minute periods.
                case "network-in", "network-out" -> rule.networkBelow().filter(t -> m.sum() / 60.0 >= t).map(t -> m.time());
                case "notebook" -> !rule.notebookActivity() ? Optional.empty()
                        : m.metric().equals(IdleRule.NOTEBOOK_BUSY_KERNELS)
                        ? (m.max() > 0 ? Optional.of(m.time()) : Optional.empty())
                        // The script says how long ago the last kernel or terminal activity was; the smallest
                        // value in the period is the most recent activity. Stuck-starting kernels and apps with
                        // no kernels report only growing values, so they read as quiet.
                        : Optional.of(m.time().minusSeconds((long) Math.max(0, m.min())));
                default -> Optional.empty();
            };
        }

        private void checkAll(Instant now) {
            List<IdleState> changed = new ArrayList<>();
            List<String> expired = new ArrayList<>();
            Duration keep = longestIdleDuration().plus(METRICS_ONLY_RETENTION);
            try (KeyValueIterator<String, IdleState> it = store.all()) {
                it.forEachRemaining(kv -> {
                    IdleState s = kv.value;
                    if (s == null) {
                        // Unreadable (logged and counted by the serde): dropped, rebuilt from the next sample.
                        expired.add(kv.key);
                    } else if (s.resource() == null && s.lastSeen().values().stream().allMatch(t -> t.isBefore(now.minus(keep)))) {
                        // Known only from metrics, and silent for long: the instance is gone.
                        expired.add(kv.key);
                    } else if (s.running() && check(s, now)) {
                        changed.add(s);
                    }
                });
            }
            changed.forEach(s -> store.put(s.resourceId(), s));
            expired.forEach(store::delete);
        }

        private Duration longestIdleDuration() {
            return policies.get().policies().stream().filter(p -> p.detect() instanceof IdleRule)
                    .map(p -> ((IdleRule) p.detect()).duration()).max(Duration::compareTo).orElse(Duration.ZERO);
        }

        /**
         * Emits a finding for every policy whose quiet run has lasted its duration and is not yet reported;
         * records it in {@code s}. True when it emitted anything.
         */
        private boolean check(IdleState s, Instant at) {
            if (!s.running()) {
                return false;
            }
            boolean emitted = false;
            PolicySet set = policies.get();
            for (Policy p : set.forResource(s.kind(), IdleRule.class)) {
                IdleRule rule = (IdleRule) p.detect();
                if (!p.scope().matches(resource(s, at))) {
                    if (s.reported().remove(p.name()) != null) {
                        context.forward(new Record<>(s.resourceId(), Verdict.clears(p, resource(s, at),
                                "resource is no longer in the policy's scope", at), at.toEpochMilli()));
                        emitted = true;
                    }
                    continue;
                }
                Optional<Instant> quietSince = quietSince(s, p.name(), rule, at);
                Instant reported = s.reported().get(p.name());
                boolean activeAgain = quietSince.map(q -> !q.equals(reported))
                        .orElse(rule.missingData() == IdleRule.MissingData.ACTIVE);
                if (reported != null && activeAgain) {
                    s.reported().remove(p.name());
                    context.forward(new Record<>(s.resourceId(), Verdict.clears(p, resource(s, at),
                            quietSince.isPresent() ? "active again at " + quietSince.get() : "signals went silent; the policy reads silence as activity",
                            at), at.toEpochMilli()));
                    emitted = true;
                }
                // Quiet is only known up to the newest data: metrics arrive minutes late, and activity not yet
                // delivered must not count as quiet. Silence itself is judged at `at` (see quietSince).
                Instant knownUntil = knownUntil(s, rule, at);
                if (quietSince.isEmpty() || Duration.between(quietSince.get(), knownUntil).compareTo(rule.duration()) < 0) {
                    continue;
                }
                if (quietSince.get().equals(s.reported().get(p.name()))) {
                    continue;
                }
                s.reported().put(p.name(), quietSince.get());
                context.forward(new Record<>(s.resourceId(), verdict(s, p, rule, quietSince.get(), at), at.toEpochMilli()));
                emitted = true;
            }
            return emitted;
        }

        /** The oldest of the newest datapoints of the rule's signals that have data, capped at {@code at}. */
        static Instant knownUntil(IdleState s, IdleRule rule, Instant at) {
            Instant until = at;
            for (var signal : signals(s, rule)) {
                Instant seen = s.lastSeen().get(signal);
                if (seen != null && Duration.between(seen, at).compareTo(rule.duration()) < 0 && seen.isBefore(until)) {
                    until = seen;
                }
            }
            return until;
        }

        /** The rule's signals that apply to this resource (GPU only where it has GPUs, as far as known). */
        static List<String> signals(IdleState s, IdleRule rule) {
            List<String> out = new ArrayList<>();
            rule.cpuBelow().ifPresent(t -> out.add("cpu"));
            boolean knownWithoutGpu = s.resource() != null && s.resource().gpuCount() == 0 && !s.resource().instanceType().isEmpty();
            // A resource whose type is unknown (known only from metrics, or first seen through a tag) has GPUs
            // only if it has reported GPU data; otherwise a CPU-only host would wait forever for a GPU signal.
            boolean typeUnknown = s.resource() == null || s.resource().instanceType().isEmpty();
            if (rule.gpuBelow().isPresent() && !knownWithoutGpu && (!typeUnknown || s.lastSeen().containsKey("gpu"))) {
                out.add("gpu");
            }
            if (rule.networkBelow().isPresent()) {
                out.add("network-in");
                out.add("network-out");
            }
            if (rule.notebookActivity()) {
                out.add("notebook");
            }
            return out;
        }

        /**
         * When the current quiet run began, or empty when there is no verdict (missing data the policy
         * ignores) or the resource is active (missing data the policy counts as activity).
         */
        static Optional<Instant> quietSince(IdleState s, String policy, IdleRule rule, Instant at) {
            Instant since = s.observedSince();
            for (String signal : signals(s, rule)) {
                Instant seen = s.lastSeen().get(signal);
                boolean silent = seen == null || Duration.between(seen, at).compareTo(rule.duration()) >= 0;
                if (silent && rule.missingData() != IdleRule.MissingData.IDLE) {
                    return Optional.empty();
                }
                Instant active = s.lastActive().get(policy + "|" + signal);
                if (active != null && active.isAfter(since)) {
                    since = active;
                }
            }
            return Optional.of(since);
        }

        private static Verdict verdict(IdleState s, Policy p, IdleRule rule, Instant quietSince, Instant at) {
            List<String> signals = new ArrayList<>();
            rule.cpuBelow().ifPresent(t -> signals.add("CPU below " + fmt(t) + "%"));
            rule.gpuBelow().ifPresent(t -> signals.add("every GPU below " + fmt(t) + "%"));
            rule.networkBelow().ifPresent(t -> signals.add("network in and out below " + fmt(t) + " B/s"));
            if (rule.notebookActivity()) {
                signals.add("no busy kernel and no kernel or terminal activity");
            }
            String violation = "idle for " + Duration.between(quietSince, at).toMinutes() + " min (since " + quietSince
                    + "; policy: " + rule.duration().toMinutes() + " min): " + String.join(", ", signals);
            String episode = "idle:" + quietSince.toEpochMilli();
            return Verdict.holds(p, resource(s, at), episode, List.of(violation), at, episode);
        }

        /** The inventory's view, or for a resource known only from its metrics what they say. */
        private static Resource resource(IdleState s, Instant at) {
            return s.resource() != null ? s.resource() : new Resource(Resource.SCHEMA_VERSION, s.resourceId(), s.kind(),
                    s.nativeId(), s.account(), s.region(), "running", "", 0, 0, PurchaseOption.UNKNOWN, Map.of(), "",
                    Optional.empty(), at, "", "");
        }

        private static String fmt(double d) {
            return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
        }
    }

    static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
