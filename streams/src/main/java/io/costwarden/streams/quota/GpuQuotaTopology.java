package io.costwarden.streams.quota;

import io.costwarden.model.JsonSerde;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.policy.GpuQuotaRule;
import io.costwarden.model.policy.Policy;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.GroupRef;
import io.costwarden.streams.decisions.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * At most {@code max-gpus} GPUs running at once per group, where a group is a tag's value
 * ({@code team=ml-research}, {@code team=(untagged)}) or an account ({@code account=123456789012}).
 *
 * <p>Two steps around a repartition. On the inventory's side, keyed by resource ARN, {@code route}
 * turns each change of a running resource with GPUs into a {@link GroupChange} for its group under
 * every {@code group-by} the policies use, and remembers in {@value #MEMBERSHIP} which groups it was
 * counted in, so a tag change that moves it (or a stop, or losing its GPUs) tells the old group it left.
 * On the group's side, {@code judge} keeps the group's members in {@value #GROUPS} and, on every change,
 * orders each policy's members (its kind, its scope) by when they started running: the newest ones whose
 * running total passes {@code max-gpus} are over quota. Those are the findings, because they are what
 * took the group over and what an action should stop. A resource newly over gets a verdict that holds;
 * one no longer over (others stopped, it stopped, it moved, it left the scope) a verdict that clears.
 *
 * <p>Verdicts are keyed by group, for {@code DecisionTopology.forGroups}; their subject is the resource
 * ARN so the action stops that resource. The episode is group and running start, stable on replay
 * (arrival order across partitions after the repartition is not, so the triggering event cannot be in
 * it). A resource past the quota again within one running period (an older one moved into its group)
 * keeps its finding id: had the first finding's stop been carried out, it would be in a new period.
 *
 * <p>A policy reload can add a {@code group-by} or change a quota. Both steps look at the policy
 * version every {@link #RELOAD_CHECK_EVERY} and, when it changed, route resources already running into
 * the new groups and judge every group again, so a new policy counts GPUs launched before it.
 */
public final class GpuQuotaTopology {
    public static final String DETECTOR = "gpu-quota";
    public static final String MEMBERSHIP = "gpu-quota-membership";
    public static final String GROUPS = "gpu-quota-groups";
    public static final String REPARTITION = "gpu-quota-by-group";
    /** The group of resources without the tag. Shared with the spend detectors and the group decisions. */
    public static final String UNTAGGED = GroupRef.UNTAGGED;
    /** The dimension that groups by account rather than by a tag. */
    public static final String ACCOUNT = GroupRef.ACCOUNT;
    /** Only compares a version string unless a reload happened, so it can run often; a reload acts within it. */
    public static final Duration RELOAD_CHECK_EVERY = Duration.ofSeconds(1);

    private GpuQuotaTopology() {
    }

    public static KStream<String, Verdict> build(StreamsBuilder builder, KStream<String, ResourceChange> changes,
            Supplier<PolicySet> policies) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MEMBERSHIP), Serdes.String(),
                JsonSerde.of(Membership.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(GROUPS), Serdes.String(),
                JsonSerde.of(QuotaGroup.class)));
        return changes.filter((id, c) -> readable(c) && GpuQuotaRule.TYPE.resources().contains(c.resource().kind()),
                        Named.as("gpu-quota-kinds"))
                .process(() -> new Route(policies), Named.as("gpu-quota-route"), MEMBERSHIP)
                .repartition(Repartitioned.with(Serdes.String(), JsonSerde.of(GroupChange.class)).withName(REPARTITION))
                .process(() -> new Judge(policies), Named.as("gpu-quota-judge"), GROUPS);
    }

    /**
     * The group key of a resource under a {@code group-by}: {@code account=<id>}, or {@code <tag>=<value>}
     * with {@code (untagged)} for a resource without the tag or with a blank value (an empty team tag
     * names no team). This format is shared with the spend detectors and the decisions for groups.
     */
    public static String groupKey(String groupBy, Resource r) {
        return GroupRef.of(groupBy, r.account(), r.tags()).key();
    }

    static boolean readable(ResourceChange c) {
        return c != null && c.event() != null && c.event().time() != null && c.resource() != null
                && c.resource().id() != null && c.resource().kind() != null && c.resource().state() != null;
    }

    /** Running or about to: the GPUs are taken. A state not yet known is not counted, since a finding may stop it. */
    static boolean running(Resource r) {
        return "running".equals(r.state()) || "pending".equals(r.state());
    }

    /** Running with GPUs: counted in a group if a policy groups its kind. */
    static boolean usesGpus(Resource r) {
        return running(r) && r.gpuCount() > 0;
    }

    /** Per dimension the group a resource counts in now; empty when it counts nowhere. */
    static Map<String, String> groupsOf(Resource r, PolicySet set) {
        if (!usesGpus(r)) {
            return Map.of();
        }
        Map<String, String> groups = new TreeMap<>();
        for (Policy p : set.forResource(r.kind(), GpuQuotaRule.class)) {
            String dimension = ((GpuQuotaRule) p.detect()).groupBy();
            groups.put(dimension, groupKey(dimension, r));
        }
        return groups;
    }

    /** Inventory side, keyed by ARN: where each resource counts, and news to the groups it joins and leaves. */
    static final class Route implements Processor<String, ResourceChange, String, GroupChange> {
        private final Supplier<PolicySet> policies;
        private ProcessorContext<String, GroupChange> context;
        private KeyValueStore<String, Membership> store;
        /** The policy version every membership was last routed under; in memory, so a restart routes once more. */
        private String routedUnder;

        Route(Supplier<PolicySet> policies) {
            this.policies = policies;
        }

        @Override
        public void init(ProcessorContext<String, GroupChange> context) {
            this.context = context;
            this.store = context.getStateStore(MEMBERSHIP);
            context.schedule(RELOAD_CHECK_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> reroute(Instant.ofEpochMilli(now)));
        }

        @Override
        public void process(Record<String, ResourceChange> record) {
            ResourceChange change = record.value();
            Resource r = change.resource();
            ResourceEvent e = change.event();
            Membership old = store.get(r.id());
            Map<String, String> groups = groupsOf(r, policies.get());
            // The running period began with the first change that found it running; a stop ends the
            // membership, so a later start begins a new one.
            Instant since = old != null ? old.since() : e.time();
            route(old, r, since, groups, e.eventName(), e.time(), e.eventId(), record.timestamp());
        }

        /**
         * Tells the groups the resource leaves and the ones it is in, and remembers where it counts.
         *
         * @param cause     what changed, for the reasons: an event name, or a policy version
         * @param timestamp the Kafka timestamp to carry on: ingestion time, as everywhere (see docs/architecture.md)
         */
        private void route(Membership old, Resource r, Instant since, Map<String, String> groups, String cause,
                Instant at, String eventId, long timestamp) {
            Map<String, String> before = old == null ? Map.of() : old.groups();
            for (Map.Entry<String, String> was : before.entrySet()) {
                String now = groups.get(was.getKey());
                if (!was.getValue().equals(now)) {
                    send(new GroupChange(was.getValue(), was.getKey(), r, old.since(), true,
                            leaving(r, was.getKey(), now, cause), at, eventId), timestamp);
                }
            }
            for (Map.Entry<String, String> is : groups.entrySet()) {
                send(new GroupChange(is.getValue(), is.getKey(), r, since, false, "", at, eventId), timestamp);
            }
            // Kept even when no policy groups it, so that a policy added by a reload can count it.
            if (usesGpus(r)) {
                store.put(r.id(), new Membership(r, since, groups));
            } else if (old != null) {
                store.delete(r.id());
            }
        }

        /** Why a resource leaves its group under {@code dimension}; {@code now} is its new group there, if any. */
        private static String leaving(Resource r, String dimension, String now, String cause) {
            if (!running(r)) {
                return "resource " + r.state() + " (" + cause + ")";
            }
            if (r.gpuCount() <= 0) {
                return "resource has no GPUs after " + cause + " (instance type " + r.instanceType() + ")";
            }
            if (now != null) {
                return "moved to " + now + " (" + cause + ")";
            }
            return "no gpu-quota policy for " + r.kind().word() + " groups by " + dimension + " any more";
        }

        /** After a reload: resources already running join the groups of new dimensions and leave dropped ones. */
        private void reroute(Instant now) {
            PolicySet set = policies.get();
            if (set.version().equals(routedUnder)) {
                return;
            }
            List<KeyValue<Membership, Map<String, String>>> moves = new ArrayList<>();
            try (KeyValueIterator<String, Membership> it = store.all()) {
                it.forEachRemaining(kv -> {
                    if (kv.value != null && kv.value.resource() != null) {
                        Map<String, String> groups = groupsOf(kv.value.resource(), set);
                        if (!groups.equals(kv.value.groups())) {
                            moves.add(KeyValue.pair(kv.value, groups));
                        }
                    }
                });
            }
            for (KeyValue<Membership, Map<String, String>> move : moves) {
                Membership m = move.key;
                route(m, m.resource(), m.since(), move.value, "policy version " + set.version(), now, "", now.toEpochMilli());
            }
            routedUnder = set.version();
        }

        private void send(GroupChange c, long timestamp) {
            context.forward(new Record<>(c.group(), c, timestamp));
        }
    }

    /** Group side, keyed by group key: the members, and which of them each policy finds over quota. */
    static final class Judge implements Processor<String, GroupChange, String, Verdict> {
        private final Supplier<PolicySet> policies;
        private ProcessorContext<String, Verdict> context;
        private KeyValueStore<String, QuotaGroup> store;
        /** The policy version every group was last judged under; in memory, so a restart judges once more. */
        private String judgedUnder;

        Judge(Supplier<PolicySet> policies) {
            this.policies = policies;
        }

        @Override
        public void init(ProcessorContext<String, Verdict> context) {
            this.context = context;
            this.store = context.getStateStore(GROUPS);
            context.schedule(RELOAD_CHECK_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> rejudge(Instant.ofEpochMilli(now)));
        }

        @Override
        public void process(Record<String, GroupChange> record) {
            GroupChange c = record.value();
            if (c == null || record.key() == null || c.dimension() == null || c.resource() == null
                    || c.resource().id() == null || c.resource().kind() == null || c.since() == null || c.at() == null) {
                return;
            }
            String group = record.key();
            QuotaGroup g = store.get(group);
            if (g == null) {
                g = new QuotaGroup(c.dimension(), null, null);
            }
            String arn = c.resource().id();
            if (c.leaves()) {
                g.members().remove(arn);
            } else {
                g.members().put(arn, new QuotaGroup.Member(c.resource(), c.since()));
            }
            judge(group, g, policies.get(), c.at(), c.eventId(), c.leaves() ? c : null, record.timestamp());
            save(group, g);
        }

        private void rejudge(Instant now) {
            PolicySet set = policies.get();
            if (set.version().equals(judgedUnder)) {
                return;
            }
            List<KeyValue<String, QuotaGroup>> all = new ArrayList<>();
            try (KeyValueIterator<String, QuotaGroup> it = store.all()) {
                it.forEachRemaining(kv -> {
                    if (kv.value != null) {
                        all.add(kv);
                    }
                });
            }
            for (KeyValue<String, QuotaGroup> kv : all) {
                judge(kv.key, kv.value, set, now, "policy:" + set.version(), null, now.toEpochMilli());
                save(kv.key, kv.value);
            }
            judgedUnder = set.version();
        }

        private void save(String group, QuotaGroup g) {
            if (g.isEmpty()) {
                store.delete(group);
            } else {
                store.put(group, g);
            }
        }

        /**
         * Judges the group under every gpu-quota policy of its dimension and updates {@code g.over()}.
         *
         * @param left      the change that removed a member, so its verdict can say why and carry the resource
         * @param timestamp the Kafka timestamp for the verdicts
         */
        private void judge(String group, QuotaGroup g, PolicySet set, Instant at, String eventId, GroupChange left,
                long timestamp) {
            Set<String> judged = new HashSet<>();
            for (Policy p : set.withDetector(GpuQuotaRule.class)) {
                GpuQuotaRule rule = (GpuQuotaRule) p.detect();
                if (!rule.groupBy().equals(g.dimension())) {
                    continue;
                }
                judged.add(p.name());
                Map<String, Long> overNow = overQuota(g, p, rule.maxGpus());
                Map<String, String> reported = g.over().computeIfAbsent(p.name(), k -> new HashMap<>());
                for (String arn : new ArrayList<>(reported.keySet())) {
                    if (!overNow.containsKey(arn)) {
                        reported.remove(arn);
                        clear(p, group, g, arn, why(group, g, p, rule, arn, left), at, left, timestamp);
                    }
                }
                for (Map.Entry<String, Long> over : overNow.entrySet()) {
                    QuotaGroup.Member m = g.members().get(over.getKey());
                    String episode = DETECTOR + ":" + group + ":" + m.since().toEpochMilli();
                    reported.put(over.getKey(), episode);
                    // Said again on every judgement while it holds: the decision step keeps one finding, and
                    // learns the resource's current tags (an exemption tag added during the grace) only from here.
                    holds(p, group, m, over.getValue(), rule.maxGpus(), episode, at, eventId, timestamp);
                }
            }
            for (String name : new ArrayList<>(g.over().keySet())) {
                if (judged.contains(name)) {
                    continue;
                }
                // The policy now groups by something else: its findings in this group no longer apply.
                // A removed policy's findings are ended by the decision step, which knows it is gone.
                Map<String, String> reported = g.over().remove(name);
                set.named(name).ifPresent(p -> reported.keySet().forEach(arn -> clear(p, group, g, arn,
                        "the policy no longer groups by " + g.dimension(), at, left, timestamp)));
            }
        }

        /**
         * The members over quota, by ARN, with the GPUs running in the group up to and including each:
         * the policy's members in order of their running start (ties by ARN, so every replica agrees),
         * those whose running total passes the quota.
         */
        static Map<String, Long> overQuota(QuotaGroup g, Policy p, int maxGpus) {
            List<Map.Entry<String, QuotaGroup.Member>> counted = g.members().entrySet().stream()
                    .filter(e -> counts(p, e.getValue().resource()))
                    .sorted(Comparator.comparing((Map.Entry<String, QuotaGroup.Member> e) -> e.getValue().since())
                            .thenComparing(Map.Entry::getKey))
                    .toList();
            Map<String, Long> over = new LinkedHashMap<>();
            long total = 0;
            for (Map.Entry<String, QuotaGroup.Member> e : counted) {
                total += e.getValue().gpus();
                if (total > maxGpus) {
                    over.put(e.getKey(), total);
                }
            }
            return over;
        }

        static boolean counts(Policy p, Resource r) {
            return p.watches(r.kind()) && p.scope().matches(r) && r.gpuCount() > 0;
        }

        private static String why(String group, QuotaGroup g, Policy p, GpuQuotaRule rule, String arn, GroupChange left) {
            if (left != null && left.resource().id().equals(arn)) {
                return left.why();
            }
            QuotaGroup.Member m = g.members().get(arn);
            if (m == null) {
                return "resource left " + group;
            }
            if (!counts(p, m.resource())) {
                return "resource is no longer in the policy's scope";
            }
            long upTo = g.members().values().stream()
                    .filter(o -> counts(p, o.resource()))
                    .filter(o -> o.since().isBefore(m.since())
                            || o.since().equals(m.since()) && o.resource().id().compareTo(arn) <= 0)
                    .mapToLong(QuotaGroup.Member::gpus).sum();
            return "back within the quota: " + group + " runs " + upTo + " GPUs with this resource; the policy allows "
                    + rule.maxGpus();
        }

        private void holds(Policy p, String group, QuotaGroup.Member m, long gpusRunning, int maxGpus, String episode,
                Instant at, String eventId, long timestamp) {
            Resource r = m.resource();
            boolean launch = r.launchedAt().map(t -> t.equals(m.since())).orElse(false);
            String violation = group + " runs " + gpusRunning + " GPUs with this " + (launch ? "launch" : "start")
                    + "; the policy allows " + maxGpus;
            forward(group, new Verdict(p, r.id(), true, episode, List.of(violation), at, eventId, r, group,
                    Map.of("gpusRunning", (double) gpusRunning, "maxGpus", (double) maxGpus,
                            "resourceGpus", (double) r.gpuCount())), timestamp);
        }

        /** The subject's resource is the one that left, or a member still there (out of scope, or back within quota). */
        private void clear(Policy p, String group, QuotaGroup g, String arn, String why, Instant at, GroupChange left,
                long timestamp) {
            Resource r = left != null && left.resource().id().equals(arn) ? left.resource()
                    : g.members().containsKey(arn) ? g.members().get(arn).resource() : null;
            forward(group, new Verdict(p, arn, false, "", List.of(why), at, "", r, group, Map.of()), timestamp);
        }

        private void forward(String group, Verdict v, long timestamp) {
            context.forward(new Record<>(group, v, timestamp));
        }
    }
}
