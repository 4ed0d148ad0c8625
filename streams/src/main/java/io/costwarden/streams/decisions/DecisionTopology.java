package io.costwarden.streams.decisions;

import io.costwarden.model.ActionRequest;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.Verb;
import io.costwarden.model.JsonSerde;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.Topics;
import io.costwarden.model.policy.Exemption;
import io.costwarden.model.policy.Policy;
import io.costwarden.model.policy.PolicySet;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Owns every finding's life: one current finding per policy and subject, opened as a warning when a
 * detector says its condition holds, acted on when the policy's grace period ends with the condition
 * still holding, cancelled when the condition clears first (activity, a stop, new tags, an exemption,
 * the policy removed), resolved when it clears after the action. Every transition is a record on
 * {@code costwarden.findings.v1}; an action request goes to {@code costwarden.actions.v1} at the
 * moment of acting, for policies that act.
 *
 * <p>Grace runs on the wall clock, unlike detection: it is the time a human gets to react to the
 * warning, which replayed or late data must not shorten. A punctuation every {@link #CHECK_EVERY}
 * acts on findings whose grace has ended, so an action follows its grace period within a second.
 *
 * <p>The store is keyed {@code partition-key|policy|subject} so that everything about one resource is
 * one prefix scan away when the inventory reports a stop or a tag change.
 */
public final class DecisionTopology {
    public static final String RESOURCE_STORE = "findings-by-resource";
    public static final String GROUP_STORE = "findings-by-group";
    public static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    static final String EXEMPT_SUFFIX = "-exempted";
    static final Duration EXEMPTION_CHECK_EVERY = Duration.ofMinutes(1);

    private DecisionTopology() {
    }

    /** What the step produces: finding transitions and action requests, sent to their own topics. */
    sealed interface Output permits FindingOut, ActionOut {
    }

    record FindingOut(Finding finding) implements Output {
    }

    record ActionOut(ActionRequest request) implements Output {
    }

    /**
     * Decisions on resource findings: verdicts keyed by resource ARN, plus the inventory's changes for
     * the same keys (they must be in the same sub-topology, which the shared store ensures).
     */
    public static void forResources(StreamsBuilder builder, KStream<String, Verdict> verdicts,
            KStream<String, ResourceChange> changes, Supplier<PolicySet> policies, MeterRegistry meters) {
        KStream<String, DecisionInput> inputs = verdicts.mapValues(v -> (DecisionInput) v, Named.as("decide-verdicts"))
                .merge(changes.mapValues(c -> (DecisionInput) new SubjectUpdate(c), Named.as("decide-changes")),
                        Named.as("decision-inputs"));
        build(builder, inputs, RESOURCE_STORE, "resource", policies, meters);
    }

    /** Decisions on group findings (spend, GPU quota): verdicts keyed by group. */
    public static void forGroups(StreamsBuilder builder, KStream<String, Verdict> verdicts, Supplier<PolicySet> policies,
            MeterRegistry meters) {
        build(builder, verdicts.mapValues(v -> (DecisionInput) v, Named.as("decide-group-verdicts")), GROUP_STORE, "group",
                policies, meters);
    }

    private static void build(StreamsBuilder builder, KStream<String, DecisionInput> inputs, String store, String name,
            Supplier<PolicySet> policies, MeterRegistry meters) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(),
                JsonSerde.of(Finding.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store + EXEMPT_SUFFIX),
                Serdes.String(), JsonSerde.of(Finding.class)));
        KStream<String, Output> out = inputs.process(() -> new Decide(store, policies, meters), Named.as(name + "-decide"),
                store, store + EXEMPT_SUFFIX);
        out.flatMap((k, o) -> o instanceof FindingOut f ? List.of(KeyValue.pair(f.finding().id(), f.finding())) : List.of(),
                        Named.as(name + "-findings"))
                .to(Topics.FINDINGS.name(), Produced.with(Topics.FINDINGS.keySerde(), Topics.FINDINGS.valueSerde())
                        .withName(name + "-findings-sink"));
        out.flatMap((k, o) -> o instanceof ActionOut a ? List.of(KeyValue.pair(a.request().resourceId(), a.request()))
                        : List.of(), Named.as(name + "-actions"))
                .to(Topics.ACTIONS.name(), Produced.with(Topics.ACTIONS.keySerde(), Topics.ACTIONS.valueSerde())
                        .withName(name + "-actions-sink"));
    }

    /** The request for an acted finding, with the options and exempt filters of the policy in force. */
    static ActionRequest request(Finding f, Policy p) {
        return new ActionRequest(ActionRequest.SCHEMA_VERSION, Ids.action(f.id(), f.action()), f.id(), f.policy(),
                f.policyVersion(), f.action(), f.mode(), f.resourceId(), f.kind(), f.nativeId(), f.account(), f.region(),
                f.instanceType(), p.options(), p.exempt().tags(), "", ActionRequest.BY_POLICY, f.detectedAt());
    }

    static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1),
            Duration.ofHours(6), Duration.ofDays(1)};

    static final class Decide implements Processor<String, DecisionInput, String, Output> {
        private final String storeName;
        private final Supplier<PolicySet> policies;
        private final MeterRegistry meters;
        private ProcessorContext<String, Output> context;
        private KeyValueStore<String, Finding> store;
        /** Findings held back because the subject is exempt: opened when the exemption ends, dropped when the condition does. */
        private KeyValueStore<String, Finding> exempted;
        /** Earliest grace end among open findings; null: unknown (after a start), so the next check walks the store. */
        private Instant nextDue;
        private String checkedVersion;
        private Instant lastExemptionCheck;

        Decide(String storeName, Supplier<PolicySet> policies, MeterRegistry meters) {
            this.storeName = storeName;
            this.policies = policies;
            this.meters = meters;
        }

        @Override
        public void init(ProcessorContext<String, Output> context) {
            this.context = context;
            this.store = context.getStateStore(storeName);
            this.exempted = context.getStateStore(storeName + EXEMPT_SUFFIX);
            context.schedule(CHECK_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> check(Instant.ofEpochMilli(now)));
        }

        @Override
        public void process(Record<String, DecisionInput> record) {
            Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
            if (record.value() instanceof Verdict v) {
                onVerdict(record.key(), v, now);
            } else if (record.value() instanceof SubjectUpdate u) {
                onUpdate(record.key(), u.change(), now);
            }
        }

        private void onVerdict(String partitionKey, Verdict v, Instant now) {
            String key = partitionKey + "|" + v.policy().name() + "|" + v.subjectId();
            Finding current = store.get(key);
            if (!v.holds()) {
                exempted.delete(key);
                if (current != null) {
                    end(key, current, String.join("; ", v.violations()), now);
                }
                return;
            }
            Policy p = v.policy();
            Map<String, String> tags = v.resource() == null ? null : v.resource().tags();
            if (current != null) {
                // One current finding per policy and subject: a condition that keeps holding is the same finding.
                // Its resource's tags may have changed (group detectors hear no inventory changes): keep them.
                if (tags != null && !tags.equals(current.tags())) {
                    current = current.withTags(tags);
                    store.put(key, current);
                    Optional<String> exempt = p.exempt().reason(tags, now);
                    if (exempt.isPresent() && current.state() == FindingState.OPEN) {
                        end(key, current, exempt.get(), now);
                        exempted.put(key, current);
                    }
                }
                return;
            }
            Finding prepared = open(p, v, now);
            Optional<String> exempt = p.exempt().reason(prepared.tags(), now);
            if (exempt.isPresent()) {
                meters.counter("costwarden.findings.exempted", "policy", p.name()).increment();
                exempted.put(key, prepared);
                return;
            }
            emitOpen(key, prepared, now);
        }

        private void emitOpen(String key, Finding opened, Instant now) {
            emit(opened);
            // Event time of what completed the condition to the wall-clock moment the finding opened. Replayed or
            // late data shows up here as the hours or days it is behind; the buckets end at a day.
            Duration latency = Duration.between(opened.detectedAt(), now);
            Timer.builder("costwarden.detection.latency").description("event time to the open finding")
                    .tag("detector", opened.detector()).serviceLevelObjectives(LATENCY_BUCKETS).register(meters)
                    .record(latency.isNegative() ? Duration.ZERO : latency);
            store.put(key, opened);
            due(opened.actAfter());
            Policy p = policies.get().named(opened.policy()).orElse(null);
            if (p != null && p.grace().isZero()) {
                act(key, opened, p, now);
            }
        }

        private void onUpdate(String resourceId, ResourceChange change, Instant now) {
            Resource r = change.resource();
            // Only the stop itself ends findings: a tag change on a stopped resource is not a new stop.
            boolean stops = (change.event().verb() == Verb.STOP || change.event().verb() == Verb.TERMINATE)
                    && ("stopped".equals(r.state()) || "terminated".equals(r.state()));
            for (KeyValue<String, Finding> kv : scan(store, resourceId + "|")) {
                Finding f = kv.value;
                if (stops) {
                    end(kv.key, f, "resource " + r.state() + " (" + change.event().eventName() + ")", now);
                    continue;
                }
                Finding updated = f.withTags(r.tags());
                Optional<String> exempt = policies.get().named(f.policy())
                        .flatMap(policy -> policy.exempt().reason(r.tags(), now));
                if (exempt.isPresent() && f.state() == FindingState.OPEN) {
                    end(kv.key, updated, exempt.get(), now);
                    exempted.put(kv.key, updated);
                } else if (!updated.tags().equals(f.tags())) {
                    store.put(kv.key, updated);
                }
            }
            for (KeyValue<String, Finding> kv : scan(exempted, resourceId + "|")) {
                if (stops) {
                    exempted.delete(kv.key);
                } else if (!kv.value.tags().equals(r.tags())) {
                    Finding held = kv.value.withTags(r.tags());
                    exempted.put(kv.key, held);
                    // A removed exemption tag counts at once; expiries are found by the periodic check.
                    reopenIfNoLongerExempt(kv.key, held, policies.get(), now);
                }
            }
        }

        /**
         * Every second: act on findings whose grace has ended, end those whose policy is gone, and open
         * held-back findings whose exemption has ended. The store is only walked when something can be due
         * (the earliest grace end has come, or the policy version changed): acted findings can stay for the
         * life of their resource, and decoding all of them every second would be work for nothing.
         */
        private void check(Instant now) {
            PolicySet set = policies.get();
            boolean reloaded = !set.version().equals(checkedVersion);
            if (reloaded || nextDue == null || !nextDue.isAfter(now)) {
                checkedVersion = set.version();
                nextDue = Instant.MAX;
                for (KeyValue<String, Finding> kv : scan(store, "")) {
                    check(kv.key, kv.value, set, now);
                }
            }
            // Expiries are dates and instants: a minute's precision is enough, and removals are handled at once.
            if (reloaded || lastExemptionCheck == null || !lastExemptionCheck.plus(EXEMPTION_CHECK_EVERY).isAfter(now)) {
                lastExemptionCheck = now;
                for (KeyValue<String, Finding> kv : scan(exempted, "")) {
                    reopenIfNoLongerExempt(kv.key, kv.value, set, now);
                }
            }
        }

        private void check(String key, Finding f, PolicySet set, Instant now) {
            Optional<Policy> p = set.named(f.policy());
            if (p.isEmpty()) {
                end(key, f, "policy " + f.policy() + " is not in policy version " + set.version(), now);
            } else if (f.state() == FindingState.OPEN && !f.actAfter().isAfter(now)) {
                Optional<String> exempt = p.get().exempt().reason(f.tags(), now);
                if (exempt.isPresent()) {
                    end(key, f, exempt.get(), now);
                    exempted.put(key, f);
                } else if (!inScope(p.get(), f)) {
                    end(key, f, "resource is no longer in the policy's scope", now);
                } else {
                    act(key, f, p.get(), now);
                }
            } else if (f.state() == FindingState.OPEN) {
                due(f.actAfter());
            }
        }

        private void reopenIfNoLongerExempt(String key, Finding held, PolicySet set, Instant now) {
            Optional<Policy> p = set.named(held.policy());
            if (p.isEmpty() || store.get(key) != null) {
                exempted.delete(key);
            } else if (p.get().exempt().reason(held.tags(), now).isEmpty()) {
                exempted.delete(key);
                String why = "exemption ended; the condition still holds";
                Finding reopened = held.reopened(Ids.hash("finding-after-exemption", held.id(),
                        String.valueOf(now.toEpochMilli())), now, now.plus(p.get().grace()), why);
                emitOpen(key, reopened, now);
            }
        }

        /** Remembers the earliest grace end still to come, so the next check knows when to walk the store. */
        private void due(Instant actAfter) {
            if (nextDue != null && actAfter.isBefore(nextDue)) {
                nextDue = actAfter;
            }
        }

        private static boolean inScope(Policy p, Finding f) {
            if (f.resourceId().isEmpty()) {
                return p.scope().matchesGroup(f.group());
            }
            return p.scope().matches(f.account(), f.region(), f.tags());
        }

        /** The action follows the policy as it is now: a reload during the grace decides mode and action. */
        private void act(String key, Finding open, Policy p, Instant now) {
            String version = policies.get().version();
            Finding current = open.withPolicy(version, p.action(), p.mode(), p.channels());
            Finding acted = current.moveTo(FindingState.ACTED, p.acts()
                    ? p.action().word() + " requested (" + p.mode().word() + ")"
                    : "grace ended with the condition holding; " + (p.mode() == Mode.NOTIFY
                            ? "notify mode" : "notify-only policy"), now);
            emit(acted);
            store.put(key, acted);
            if (p.acts() && !acted.resourceId().isEmpty()) {
                context.forward(new Record<>(acted.resourceId(), new ActionOut(request(acted, p)), now.toEpochMilli()));
            }
        }

        /** Cancelled before the action, resolved after it; either way the subject has no current finding. */
        private void end(String key, Finding f, String why, Instant now) {
            FindingState next = f.state() == FindingState.ACTED ? FindingState.RESOLVED : FindingState.CANCELLED;
            emit(f.moveTo(next, why, now));
            store.delete(key);
        }

        private Finding open(Policy p, Verdict v, Instant now) {
            Resource r = v.resource();
            String id = Ids.finding(p.name(), v.subjectId(), v.episode());
            String version = policies.get().named(p.name()).isPresent() ? policies.get().version() : "";
            List<String> violations = new ArrayList<>(v.violations());
            if (r != null) {
                Exemption.ignoredTag(r.tags(), now).ifPresent(violations::add);
            }
            String why = p.grace().isZero() ? "detected" : "detected; " + p.action().word() + " after the grace period ends at "
                    + now.plus(p.grace());
            Finding f = new Finding(Finding.SCHEMA_VERSION, id, null, p.name(), version, p.detect().word(),
                    FindingState.OPEN, why, r == null ? "" : r.id(), r == null ? null : r.kind(),
                    r == null ? "" : r.nativeId(), r == null ? "" : r.account(), r == null ? "" : r.region(),
                    r == null ? "" : r.instanceType(), r == null ? 0 : r.gpuCount(), r == null ? "" : r.launchedBy(),
                    r == null ? Map.of() : r.tags(), v.group(), v.figures(), violations, p.action(), p.mode(), p.channels(),
                    v.at(), now.plus(p.grace()), now, v.triggerEventId());
            return f.moveTo(FindingState.OPEN, why, now);
        }

        private void emit(Finding f) {
            meters.counter("costwarden.findings", "policy", f.policy(), "detector", f.detector(), "state", f.state().word())
                    .increment();
            context.forward(new Record<>(f.id(), new FindingOut(f), f.changedAt().toEpochMilli()));
        }

        private static List<KeyValue<String, Finding>> scan(KeyValueStore<String, Finding> s, String prefix) {
            List<KeyValue<String, Finding>> out = new ArrayList<>();
            try (KeyValueIterator<String, Finding> it = prefix.isEmpty() ? s.all() : s.prefixScan(prefix, new StringSerializer())) {
                it.forEachRemaining(out::add);
            }
            return out;
        }
    }
}
