package io.costwarden.streams.spend;

import io.costwarden.streams.GroupRef;
import io.costwarden.model.CostLineItem;
import io.costwarden.model.InstanceCatalog.HourlyPrice;
import io.costwarden.model.JsonSerde;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.Topics;
import io.costwarden.model.policy.DetectorType;
import io.costwarden.model.policy.GroupSpendRule;
import io.costwarden.model.policy.Policy;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.decisions.Verdict;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
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
 * The live spend rate per group, what it has cost so far, the spend policies on it ({@code spend-rate},
 * {@code budget}, {@code burn-rate}) and the reconciliation of the estimate with billing.
 *
 * <p>A resource's rate is the hourly price of its instance type in its region (on-demand, or spot when it
 * runs on spot) times its instances while it is pending or running, and 0 otherwise. A running resource
 * whose price is unknown adds 0 and is counted as unpriced in its groups. Groups are a tag's values
 * ({@code team=ml-research}, {@code team=(untagged)}) or accounts ({@code account=123456789012}), for the
 * configured dimensions plus every {@code group-by} a spend policy names.
 *
 * <p>Three steps around one repartition. On the inventory's side, keyed by resource ARN, {@code route}
 * keeps what each running resource last told its groups ({@value #SHARES}) and tells a group when a
 * resource joins, changes rate or leaves (a stop, or a tag change that moves it). Beside it,
 * {@code bill} reads {@code costwarden.costs.v1} and keeps each billed resource-hour by its
 * restatement-stable id ({@value #BILLED}), so a restated item sends the difference. Both are
 * repartitioned by group key ({@value #REPARTITION}); {@code aggregate} keeps one {@link GroupSpend} per
 * group in the queryable {@value #GROUPS} store and judges the spend policies on every update. A
 * processor and a store rather than a KTable aggregate, for the same reason as the inventory, and
 * because the policies must also be judged when only time passes.
 *
 * <p>Time. Spend accrues as rate times the time between updates. That time is the event time of the
 * inventory changes, run on by the wall clock between events: each task keeps a clock ({@value #CLOCK})
 * anchored at the newest event time and the wall-clock moment it was reached, advanced every
 * {@link #CHECK_EVERY}. A replay of last year's CloudTrail therefore accrues what last year's resources
 * cost over last year's hours, not the year since; a live system accrues in real time. The clock never
 * runs backwards: an event delivered late (CloudTrail takes minutes) takes effect when it arrives, so a
 * stop delivered ten minutes late accrues ten minutes more (reconciliation with billing shows such
 * error). Event times further ahead of the wall clock than ingest allows are capped there.
 *
 * <p>Verdicts go out when a policy's condition starts or stops holding, not on every check; the episode
 * is the policy word and the hour it began to hold, so replayed data gives the same finding id.
 */
public final class SpendTopology {
    public static final String DETECTOR = "spend";
    public static final String GROUPS = "spend-groups";
    /**
     * Each group's running resources, keyed {@code <group key>|<resource ARN>}, beside the group's totals: a
     * group's own value stays small however many resources it has (one account may hold them all), and the
     * members of one group are a prefix scan away.
     */
    public static final String MEMBERS = "spend-group-members";

    /** The {@value #MEMBERS} key of a resource in a group. */
    public static String member(String groupKey, String resourceId) {
        return groupKey + "|" + resourceId;
    }
    public static final String SHARES = "spend-resources";
    public static final String BILLED = "spend-billed-items";
    public static final String CLOCK = "spend-clock";
    public static final String REPARTITION = "spend-by-group";
    /** Often enough that an hour boundary (a new median) is judged within a minute; it only walks this task's groups. */
    public static final Duration CHECK_EVERY = Duration.ofSeconds(30);
    /** How soon a policy reload takes effect: comparing a version (or a list of dimensions) costs nothing. */
    static final Duration RELOAD_CHECK_EVERY = Duration.ofSeconds(1);
    /**
     * How far one input may move the clock ahead of the wall clock: CloudTrail's clock skew, no more. One
     * event dated hours ahead (which ingest still accepts) must not make every group of the task accrue
     * those hours at today's rates.
     */
    static final Duration MAX_AHEAD = Duration.ofMinutes(5);
    /** Billed items are remembered a little longer than their days are reconciled, for late restatements. */
    static final int BILLED_ITEM_DAYS = GroupSpend.RECONCILED_DAYS + 5;
    static final Duration PURGE_EVERY = Duration.ofHours(1);
    public static final List<String> DEFAULT_GROUP_BY = List.of("team", "owner", "project", "account");
    private static final String CLOCK_KEY = "clock";

    private SpendTopology() {
    }

    /** What the spend detector needs besides the policies: prices, and the dimensions always aggregated. */
    public record Settings(PriceBook prices, List<String> groupBy) {
        public Settings {
            groupBy = List.copyOf(groupBy);
            for (String d : groupBy) {
                // The same rule as a policy's group-by: AWS reserves aws:* tags, and keys have at most 128 characters.
                if (d.isBlank() || d.length() > 128 || d.startsWith("aws:")) {
                    throw new IllegalArgumentException("spend group-by '" + d + "' must be a tag key of at most 128"
                            + " characters (not aws:*) or 'account'");
                }
            }
        }
    }

    /** The configured dimensions, then every {@code group-by} of a spend policy not among them. */
    public static List<String> dimensions(List<String> configured, PolicySet set) {
        Set<String> dims = new LinkedHashSet<>();
        configured.stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(dims::add);
        for (Policy p : set.withDetector(GroupSpendRule.class)) {
            dims.add(((GroupSpendRule) p.detect()).groupBy());
        }
        return List.copyOf(dims);
    }

    public static KStream<String, Verdict> build(StreamsBuilder builder, KStream<String, ResourceChange> changes,
            Supplier<PolicySet> policies, MeterRegistry meters, Settings settings) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SHARES), Serdes.String(),
                JsonSerde.of(ResourceShare.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BILLED), Serdes.String(),
                JsonSerde.of(BilledItem.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(GROUPS), Serdes.String(),
                JsonSerde.of(GroupSpend.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CLOCK), Serdes.String(),
                JsonSerde.of(SpendClock.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MEMBERS), Serdes.String(),
                JsonSerde.of(Contribution.class)));
        SpendMetrics metrics = new SpendMetrics(meters);
        Supplier<List<String>> dimensions = () -> dimensions(settings.groupBy(), policies.get());
        KStream<String, SpendInput> fromInventory = changes.process(
                () -> new Route(settings.prices(), dimensions, metrics), Named.as("spend-route"), SHARES);
        KStream<String, SpendInput> fromBilling = builder.stream(Topics.COSTS.name(),
                        Consumed.with(Topics.COSTS.keySerde(), Topics.COSTS.valueSerde()).withName("costs"))
                .process(() -> new Bill(dimensions, metrics), Named.as("spend-bill"), BILLED);
        return fromInventory.merge(fromBilling, Named.as("spend-inputs"))
                .repartition(Repartitioned.<String, SpendInput>as(REPARTITION).withKeySerde(Serdes.String())
                        .withValueSerde(JsonSerde.of(SpendInput.class)))
                .process(() -> new Aggregate(policies, metrics), Named.as("spend-aggregate"), GROUPS, CLOCK, MEMBERS);
    }

    static boolean running(Resource r) {
        return "running".equals(r.state()) || "pending".equals(r.state());
    }

    static boolean readable(ResourceChange c) {
        return c != null && c.event() != null && c.event().time() != null && c.resource() != null
                && c.resource().id() != null && c.resource().kind() != null && c.resource().state() != null
                && c.resource().account() != null && c.resource().region() != null;
    }

    /** What a running resource adds to its groups' rate; its start is kept from what it said before. */
    static Contribution contribution(Resource r, PriceBook prices, ResourceShare before, Instant at) {
        int instances = Math.max(1, r.count());
        Optional<HourlyPrice> price = prices.hourlyPrice(r.instanceType(), r.region(), r.purchase());
        double usd = price.map(p -> p.usdPerHour().doubleValue() * instances).orElse(0.0);
        String source = price.map(p -> p.source() + " (" + p.asOf() + ")").orElseGet(() -> r.instanceType().isEmpty()
                ? "unpriced: its events do not name an instance type"
                : "unpriced: no " + (r.purchase() == PurchaseOption.SPOT ? "spot" : "on-demand") + " price for "
                        + r.instanceType() + " in " + r.region() + " in the catalog");
        Instant since = before != null ? before.contribution().since() : at;
        return new Contribution(r.id(), r.kind(), r.instanceType(), r.region(), r.purchase(), instances, r.gpuCount(),
                usd, price.isPresent(), source, since);
    }

    /** Inventory side, keyed by ARN: tells groups what each priced resource adds, and when it leaves them. */
    static final class Route implements Processor<String, ResourceChange, String, SpendInput> {
        private final PriceBook prices;
        private final Supplier<List<String>> dimensions;
        private final SpendMetrics metrics;
        private ProcessorContext<String, SpendInput> context;
        private KeyValueStore<String, ResourceShare> store;
        private List<String> routedBy;

        Route(PriceBook prices, Supplier<List<String>> dimensions, SpendMetrics metrics) {
            this.prices = prices;
            this.dimensions = dimensions;
            this.metrics = metrics;
        }

        @Override
        public void init(ProcessorContext<String, SpendInput> context) {
            this.context = context;
            this.store = context.getStateStore(SHARES);
            // A policy reload may add a dimension: running resources must join its groups without waiting for an event.
            context.schedule(RELOAD_CHECK_EVERY, PunctuationType.WALL_CLOCK_TIME, this::regroup);
        }

        @Override
        public void process(Record<String, ResourceChange> record) {
            ResourceChange c = record.value();
            if (!readable(c)) {
                metrics.skipped("unreadable-change");
                return;
            }
            Resource r = c.resource();
            if (!DetectorType.PRICED.contains(r.kind())) {
                // Auto Scaling groups: their instances are priced one by one, so the group itself adds nothing.
                return;
            }
            route(r, store.get(r.id()), dimensions.get(), c.event().time(), c.event().eventId(), record.timestamp());
        }

        private void route(Resource r, ResourceShare before, List<String> dims, Instant at, String eventId, long timestamp) {
            boolean runs = running(r);
            Contribution now = runs ? contribution(r, prices, before, at) : null;
            List<GroupRef> groups = runs ? GroupRef.all(dims, r.account(), r.tags()) : List.of();
            List<GroupRef> was = before == null ? List.of() : before.groups();
            for (GroupRef g : was) {
                if (!groups.contains(g)) {
                    context.forward(new Record<>(g.key(), new SpendInput.Leaves(g, r.id(), at, eventId), timestamp));
                }
            }
            boolean changed = before == null || !before.contribution().equals(now);
            for (GroupRef g : groups) {
                if (changed || !was.contains(g)) {
                    context.forward(new Record<>(g.key(), new SpendInput.Joins(g, now, at, eventId), timestamp));
                }
            }
            if (groups.isEmpty()) {
                if (before != null) {
                    store.delete(r.id());
                }
            } else {
                ResourceShare after = new ResourceShare(r, now, groups);
                if (!after.equals(before)) {
                    store.put(r.id(), after);
                }
            }
        }

        private void regroup(long wall) {
            List<String> dims = dimensions.get();
            if (dims.equals(routedBy)) {
                return;
            }
            routedBy = dims;
            List<ResourceShare> all = new ArrayList<>();
            try (KeyValueIterator<String, ResourceShare> it = store.all()) {
                it.forEachRemaining(kv -> all.add(kv.value));
            }
            for (ResourceShare s : all) {
                route(s.resource(), s, dims, SpendInput.UNTIMED, "", wall);
            }
        }
    }

    /** Billing side: each billed resource-hour of instance usage to its groups, a restatement as the difference. */
    static final class Bill implements Processor<String, CostLineItem, String, SpendInput> {
        private final Supplier<List<String>> dimensions;
        private final SpendMetrics metrics;
        private ProcessorContext<String, SpendInput> context;
        private KeyValueStore<String, BilledItem> store;

        Bill(Supplier<List<String>> dimensions, SpendMetrics metrics) {
            this.dimensions = dimensions;
            this.metrics = metrics;
        }

        @Override
        public void init(ProcessorContext<String, SpendInput> context) {
            this.context = context;
            this.store = context.getStateStore(BILLED);
            context.schedule(PURGE_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> purge());
        }

        @Override
        public void process(Record<String, CostLineItem> record) {
            CostLineItem item = record.value();
            if (item == null) {
                return;
            }
            if (!wellFormed(item)) {
                metrics.skipped("malformed-cost-item");
                return;
            }
            if (!InstanceUsage.matches(item)) {
                metrics.skipped("not-instance-usage");
                return;
            }
            if (!item.currency().isEmpty() && !"USD".equals(item.currency())) {
                // Prices are in US dollars; another currency cannot be compared without a rate.
                metrics.skipped("not-usd");
                return;
            }
            LocalDate day = LocalDate.ofInstant(item.hourStart(), ZoneOffset.UTC);
            String key = day + "|" + item.id();
            BilledItem before = store.get(key);
            BilledItem now = new BilledItem(item.billedCost(), item.effectiveCost(),
                    GroupRef.all(dimensions.get(), item.account(), item.tags()));
            if (now.equals(before)) {
                return;
            }
            List<GroupRef> was = before == null ? List.of() : before.groups();
            for (GroupRef g : was) {
                if (!now.groups().contains(g)) {
                    send(g, day, -before.billedUsd(), -before.effectiveUsd(), -1, record.timestamp());
                }
            }
            for (GroupRef g : now.groups()) {
                if (was.contains(g)) {
                    double billed = now.billedUsd() - before.billedUsd();
                    double effective = now.effectiveUsd() - before.effectiveUsd();
                    if (billed != 0 || effective != 0) {
                        send(g, day, billed, effective, 0, record.timestamp());
                    }
                } else {
                    send(g, day, now.billedUsd(), now.effectiveUsd(), 1, record.timestamp());
                }
            }
            store.put(key, now);
        }

        private void send(GroupRef g, LocalDate day, double billed, double effective, int items, long timestamp) {
            context.forward(new Record<>(g.key(), new SpendInput.Billed(g, day, billed, effective, items), timestamp));
        }

        static boolean wellFormed(CostLineItem i) {
            return i.id() != null && !i.id().isBlank() && i.resourceId() != null && i.account() != null
                    && i.hourStart() != null && i.currency() != null && Double.isFinite(i.billedCost())
                    && Double.isFinite(i.effectiveCost());
        }

        /** Forgets items more than {@link #BILLED_ITEM_DAYS} older than the newest: their days are no longer reconciled. */
        private void purge() {
            String newest;
            try (KeyValueIterator<String, BilledItem> it = store.reverseAll()) {
                if (!it.hasNext()) {
                    return;
                }
                newest = it.next().key;
            }
            String cutoff = LocalDate.parse(newest.substring(0, newest.indexOf('|'))).minusDays(BILLED_ITEM_DAYS).toString();
            List<String> old = new ArrayList<>();
            try (KeyValueIterator<String, BilledItem> it = store.all()) {
                while (it.hasNext()) {
                    String key = it.next().key;
                    if (key.compareTo(cutoff) >= 0) {
                        break;
                    }
                    old.add(key);
                }
            }
            old.forEach(store::delete);
        }
    }

    /** Group side, keyed by group: the group's spend, its policies, and the verdicts when they change. */
    static final class Aggregate implements Processor<String, SpendInput, String, Verdict> {
        private final Supplier<PolicySet> policies;
        private final SpendMetrics metrics;
        private final Set<String> published = new HashSet<>();
        private String judgedVersion;
        private ProcessorContext<String, Verdict> context;
        private KeyValueStore<String, GroupSpend> store;
        private KeyValueStore<String, SpendClock> clock;
        private KeyValueStore<String, Contribution> members;

        Aggregate(Supplier<PolicySet> policies, SpendMetrics metrics) {
            this.policies = policies;
            this.metrics = metrics;
        }

        @Override
        public void init(ProcessorContext<String, Verdict> context) {
            this.context = context;
            this.store = context.getStateStore(GROUPS);
            this.clock = context.getStateStore(CLOCK);
            this.members = context.getStateStore(MEMBERS);
            context.schedule(CHECK_EVERY, PunctuationType.WALL_CLOCK_TIME, this::checkAll);
            // A reload (a new limit, a new scope) is judged on every group at once, not at the next 30-second check.
            context.schedule(RELOAD_CHECK_EVERY, PunctuationType.WALL_CLOCK_TIME, wall -> {
                String version = policies.get().version();
                if (!version.equals(judgedVersion)) {
                    judgedVersion = version;
                    checkAll(wall);
                }
            });
        }

        @Override
        public void process(Record<String, SpendInput> record) {
            SpendInput in = record.value();
            if (in == null || !in.readable()) {
                metrics.skipped("unreadable-spend-input");
                return;
            }
            String key = in.group().key();
            Optional<Instant> now = tick(in, context.currentSystemTimeMs());
            GroupSpend g = Optional.ofNullable(store.get(key)).orElseGet(() -> GroupSpend.start(in.group()));
            if (now.isPresent()) {
                g = g.advancedTo(now.get());
            }
            String eventId = "";
            if (in instanceof SpendInput.Joins j) {
                String member = member(key, j.contribution().resourceId());
                g = g.withResource(j.contribution(), members.get(member));
                members.put(member, j.contribution());
                eventId = j.eventId();
            } else if (in instanceof SpendInput.Leaves l) {
                String member = member(key, l.resourceId());
                g = g.withoutResource(l.resourceId(), members.get(member));
                members.delete(member);
                eventId = l.eventId();
            } else if (in instanceof SpendInput.Billed b) {
                if (now.isPresent() && b.day().isBefore(LocalDate.ofInstant(now.get(), ZoneOffset.UTC)
                        .minusDays(GroupSpend.RECONCILED_DAYS - 1L))) {
                    metrics.skipped("billed-day-outside-window");
                    return;
                }
                g = g.withBilled(b.day(), b.billedUsd(), b.effectiveUsd(), b.items());
            }
            save(key, judge(g, eventId, record.timestamp()));
        }

        /**
         * Moves the task's clock to the input's event time if that is ahead (capped at the wall clock plus
         * {@link #MAX_AHEAD}); the time now, or empty before the first timed input.
         */
        private Optional<Instant> tick(SpendInput in, long wall) {
            SpendClock c = clock.get(CLOCK_KEY);
            Instant at = in instanceof SpendInput.Joins j ? j.at() : in instanceof SpendInput.Leaves l ? l.at()
                    : SpendInput.UNTIMED;
            if (!at.equals(SpendInput.UNTIMED)) {
                Instant limit = Instant.ofEpochMilli(wall).plus(MAX_AHEAD);
                Instant capped = at.isAfter(limit) ? limit : at;
                if (c == null || capped.isAfter(c.at(wall))) {
                    c = new SpendClock(capped, wall);
                    clock.put(CLOCK_KEY, c);
                }
            }
            return c == null ? Optional.empty() : Optional.of(c.at(wall));
        }

        /** Every group at the clock: accrual, and the policies whose condition time alone changes (a new hour, a new month). */
        private void checkAll(long wall) {
            SpendClock c = clock.get(CLOCK_KEY);
            if (c == null) {
                return;
            }
            Instant now = c.at(wall);
            List<KeyValue<String, GroupSpend>> changed = new ArrayList<>();
            try (KeyValueIterator<String, GroupSpend> it = store.all()) {
                while (it.hasNext()) {
                    KeyValue<String, GroupSpend> kv = it.next();
                    GroupSpend before = kv.value;
                    GroupSpend after = judge(before.advancedTo(now), "", wall);
                    // A group spending nothing changes only at boundaries; advancing it later gives the same figures.
                    boolean worthWriting = after.rate(SpendFilter.ALL) > 0 || !before.started()
                            || !after.breaches().equals(before.breaches()) || after.forgettable()
                            || !before.asOf().truncatedTo(ChronoUnit.HOURS).equals(now.truncatedTo(ChronoUnit.HOURS));
                    if (worthWriting) {
                        changed.add(KeyValue.pair(kv.key, after));
                    }
                }
            }
            changed.forEach(kv -> save(kv.key, kv.value));
        }

        /** Judges every spend policy on the group; sends a verdict for each whose condition began or ended. */
        private GroupSpend judge(GroupSpend g, String eventId, long timestamp) {
            if (!g.started()) {
                return g;
            }
            Map<String, String> breaches = new HashMap<>(g.breaches());
            Set<String> current = new HashSet<>();
            for (Policy p : policies.get().withDetector(GroupSpendRule.class)) {
                current.add(p.name());
                GroupSpendRule rule = (GroupSpendRule) p.detect();
                String episode = breaches.get(p.name());
                if (!rule.groupBy().equals(g.dimension()) || !p.scope().matchesGroup(g.group())) {
                    if (episode != null) {
                        breaches.remove(p.name());
                        send(p, g, false, episode, rule.groupBy().equals(g.dimension())
                                ? g.group() + " is no longer in the policy's scope"
                                : "the policy now groups by " + rule.groupBy(), Map.of(), eventId, timestamp);
                    }
                    continue;
                }
                SpendRules.Judgement j = SpendRules.judge(p, rule, g);
                if (j.holds() && episode == null) {
                    episode = rule.word() + ":" + g.asOf().truncatedTo(ChronoUnit.HOURS);
                    breaches.put(p.name(), episode);
                    send(p, g, true, episode, j.line(), j.figures(), eventId, timestamp);
                } else if (!j.holds() && episode != null) {
                    breaches.remove(p.name());
                    send(p, g, false, episode, j.line(), j.figures(), eventId, timestamp);
                }
            }
            // A policy removed from the file: the decision step ends its findings; nothing to say here.
            breaches.keySet().retainAll(current);
            return breaches.equals(g.breaches()) ? g : g.withBreaches(breaches);
        }

        private void send(Policy p, GroupSpend g, boolean holds, String episode, String line, Map<String, Double> figures,
                String eventId, long timestamp) {
            Verdict v = new Verdict(p, g.group(), holds, episode, List.of(line), g.asOf(),
                    eventId.isEmpty() ? episode : eventId, null, g.group(), figures);
            context.forward(new Record<>(g.group(), v, timestamp));
        }

        private void save(String key, GroupSpend g) {
            if (g.forgettable()) {
                store.delete(key);
                metrics.forget(key);
                published.remove(key);
                return;
            }
            // Gauge first: whoever sees the group in the store can also scrape it.
            metrics.reconciled(g);
            published.add(key);
            store.put(key, g);
        }

        @Override
        public void close() {
            // The task moves to another instance (or closes): its groups are counted there now.
            published.forEach(metrics::forget);
            published.clear();
        }
    }
}
