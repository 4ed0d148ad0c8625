package io.costwarden.streams.lifetime;

import io.costwarden.model.JsonSerde;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.policy.LifetimeRule;
import io.costwarden.model.policy.Policy;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.decisions.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Resources running past a lifetime policy's {@code max}, counted from their launch, or from the first
 * event seen for them when the launch predates what Costwarden has seen.
 *
 * <p>Age is measured on the wall clock, in two places: on every inventory change, because a launch
 * CloudTrail delivers late (or the RunInstances of a resource first seen through a later event) can be
 * past the limit the moment it arrives; and every {@link #CHECK_EVERY}, because growing old is not an
 * event. Event time would not do: a resource nobody touches has no events to carry the clock forward.
 *
 * <p>One verdict per occurrence: the episode is the start of life ({@code lifetime:<epoch ms>}), so a
 * replay gives the same finding id. A stop ends the occurrence (the decision step ends the finding when
 * the inventory reports it); a start after it is a new occurrence with its own episode, since the
 * resource is still past its lifetime. Termination forgets the resource.
 */
public final class LifetimeTopology {
    public static final String DETECTOR = "lifetime";
    public static final String STORE = "lifetime-state";
    /**
     * The smallest lifetime a policy allows is 10 minutes; half a minute late on that is noise, and the
     * check walks every live resource of the task, so it does not run every second.
     */
    public static final Duration CHECK_EVERY = Duration.ofSeconds(30);

    private LifetimeTopology() {
    }

    public static KStream<String, Verdict> build(StreamsBuilder builder, KStream<String, ResourceChange> changes,
            Supplier<PolicySet> policies) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                JsonSerde.of(ResourceLife.class)));
        // Every kind the rule applies to, not only the kinds today's policies watch: a policy added by a
        // reload must know when resources already running were launched.
        return changes.filter((id, c) -> readable(c) && LifetimeRule.TYPE.resources().contains(c.resource().kind()),
                        Named.as("lifetime-kinds"))
                .process(() -> new Watch(policies), Named.as("lifetime-detect"), STORE);
    }

    static boolean readable(ResourceChange c) {
        return c != null && c.event() != null && c.event().time() != null && c.resource() != null
                && c.resource().id() != null && c.resource().kind() != null && c.resource().state() != null;
    }

    static final class Watch implements Processor<String, ResourceChange, String, Verdict> {
        private final Supplier<PolicySet> policies;
        private ProcessorContext<String, Verdict> context;
        private KeyValueStore<String, ResourceLife> store;

        Watch(Supplier<PolicySet> policies) {
            this.policies = policies;
        }

        @Override
        public void init(ProcessorContext<String, Verdict> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
            context.schedule(CHECK_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> checkAll(Instant.ofEpochMilli(now)));
        }

        @Override
        public void process(Record<String, ResourceChange> record) {
            ResourceChange change = record.value();
            Resource r = change.resource();
            if ("terminated".equals(r.state())) {
                // Gone for good; the decision step ends its findings. The store must not grow with history.
                store.delete(r.id());
                return;
            }
            ResourceLife old = store.get(r.id());
            Instant at = change.event().time();
            // A stopped resource is the only one known not to run; pending and a state not yet known
            // (first seen through a tag) exist and are taken as running until a stop says otherwise.
            boolean running = !"stopped".equals(r.state());
            Instant firstSeen = old == null || at.isBefore(old.firstSeen()) ? at : old.firstSeen();
            Optional<Instant> restartedAt = old == null ? Optional.empty()
                    : running && !old.running() ? Optional.of(at) : old.restartedAt();
            ResourceLife life = new ResourceLife(r, firstSeen, running, restartedAt, old == null ? null : old.reported());
            if (!running) {
                life.reported().clear();
            }
            check(life, Instant.ofEpochMilli(context.currentSystemTimeMs()), change.event().eventId());
            store.put(r.id(), life);
        }

        private void checkAll(Instant now) {
            List<ResourceLife> changed = new ArrayList<>();
            try (KeyValueIterator<String, ResourceLife> it = store.all()) {
                it.forEachRemaining(kv -> {
                    if (kv.value != null && kv.value.running() && check(kv.value, now, kv.value.episode())) {
                        changed.add(kv.value);
                    }
                });
            }
            changed.forEach(life -> store.put(life.resource().id(), life));
        }

        /**
         * Emits what changed for each lifetime policy of the resource's kind and records it in {@code life};
         * true if anything did.
         *
         * @param trigger the event that completed the condition, or on the clock the episode (time did)
         */
        private boolean check(ResourceLife life, Instant now, String trigger) {
            Resource r = life.resource();
            Set<String> judged = new HashSet<>();
            boolean changed = false;
            for (Policy p : policies.get().forResource(r.kind(), LifetimeRule.class)) {
                judged.add(p.name());
                Duration max = ((LifetimeRule) p.detect()).max();
                Duration age = Duration.between(life.start(), now);
                boolean inScope = p.scope().matches(r);
                boolean over = life.running() && inScope && age.compareTo(max) > 0;
                String reported = life.reported().get(p.name());
                String episode = life.episode();
                if (over && !episode.equals(reported)) {
                    life.reported().put(p.name(), episode);
                    forward(new Verdict(p, r.id(), true, episode, List.of(violation(life, age, max)), now, trigger, r, "",
                            figures(age, max)), now);
                    changed = true;
                } else if (!over && reported != null) {
                    life.reported().remove(p.name());
                    forward(Verdict.clears(p, r, inScope ? "no longer past the policy's lifetime of " + spell(max)
                            : "resource is no longer in the policy's scope", now), now);
                    changed = true;
                }
            }
            // A policy removed or moved to another kind: nothing to say about it, only to forget.
            changed |= life.reported().keySet().retainAll(judged);
            return changed;
        }

        private void forward(Verdict v, Instant now) {
            context.forward(new Record<>(v.subjectId(), v, now.toEpochMilli()));
        }
    }

    static String violation(ResourceLife life, Duration age, Duration max) {
        String since = life.resource().launchedAt().isPresent() ? "since its launch at " + life.start()
                : "since " + life.start() + ", when Costwarden first saw it (its launch was not seen)";
        return "running for " + spell(age) + " " + since + "; the policy allows " + spell(max);
    }

    /** {@code 1d4h30m}: the way policy files spell durations, to the minute. */
    static String spell(Duration d) {
        long minutes = Math.max(0, d.toMinutes());
        StringBuilder s = new StringBuilder();
        if (minutes >= 1440) {
            s.append(minutes / 1440).append('d');
        }
        if (minutes % 1440 >= 60) {
            s.append(minutes % 1440 / 60).append('h');
        }
        if (minutes % 60 > 0 || s.isEmpty()) {
            s.append(minutes % 60).append('m');
        }
        return s.toString();
    }

    static Map<String, Double> figures(Duration age, Duration max) {
        return Map.of("ageHours", age.toMinutes() / 60.0, "maxHours", max.toMinutes() / 60.0);
    }
}
