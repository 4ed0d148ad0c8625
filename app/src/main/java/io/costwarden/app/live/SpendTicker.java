package io.costwarden.app.live;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.api.SpendQuery;
import io.costwarden.app.api.SpendView;
import io.costwarden.app.roles.ActivePolicies;
import io.costwarden.app.roles.Role;
import io.costwarden.model.policy.BudgetRule;
import io.costwarden.model.policy.Policy;
import io.costwarden.model.policy.SpendRateRule;
import io.costwarden.streams.spend.SpendTopology;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Samples the live spend rate per group every {@code costwarden.api.stream.spend-tick}: each sample goes on
 * the live stream ({@code spend}), into the history the dashboard's chart starts from, and into the
 * {@code costwarden.spend.rate} gauge for the highest {@code costwarden.api.metrics-top-groups} groups of
 * each dimension (bounded labels: group values, never resource ids).
 *
 * <p>Limits drawn with a group are its spend policies in force: a {@code spend-rate} limit as it is, and a
 * monthly {@code budget} as the even rate that spends it over the month ({@code monthly / hours in month}).
 */
@ApplicationScoped
public class SpendTicker {
    private static final Logger LOG = Logger.getLogger(SpendTicker.class);
    /** Groups per dimension that one tick carries; the rest are summed into {@value #OTHERS}. */
    static final int GROUPS_PER_TICK = 20;
    static final String OTHERS = "(others)";

    /** A limit line: which policy, and the rate it allows. */
    public record Limit(String policy, String kind, boolean gpuOnly, double usdPerHour) {
    }

    public record GroupRate(String group, String value, double usdPerHour, double gpuUsdPerHour, int running,
            List<Limit> limits) {
    }

    public record Dimension(String dimension, double totalUsdPerHour, double gpuUsdPerHour, List<GroupRate> groups) {
    }

    public record Tick(Instant at, List<Dimension> dimensions) {
    }

    private final CostwardenConfig config;
    private final SpendQuery spend;
    private final ActivePolicies policies;
    private final LiveFeed feed;
    private final MeterRegistry meters;
    private final ArrayDeque<Tick> history = new ArrayDeque<>();
    private final int historySize;
    private final Clock clock = Clock.systemUTC();
    private MultiGauge rateGauge;
    private ScheduledExecutorService timer;

    public SpendTicker(CostwardenConfig config, SpendQuery spend, ActivePolicies policies, LiveFeed feed,
            MeterRegistry meters) {
        this.config = config;
        this.spend = spend;
        this.policies = policies;
        this.feed = feed;
        this.meters = meters;
        var s = config.api().stream();
        this.historySize = (int) Math.max(1, s.spendHistory().toMillis() / Math.max(1, s.spendTick().toMillis()));
    }

    void start(@Observes @Priority(140) StartupEvent event) {
        if (!Role.parse(config.roles()).contains(Role.STREAMS)) {
            // Spend lives in the streams role's stores; an instance without it has nothing to sample.
            return;
        }
        rateGauge = MultiGauge.builder("costwarden.spend.rate").description("live spend rate per group, USD per hour")
                .baseUnit("usd.per.hour").register(meters);
        long period = config.api().stream().spendTick().toMillis();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "costwarden-spend-ticker");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::tickSafely, period, period, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes @Priority(30) ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            // Stores still restoring, another instance unreachable: the next tick tries again.
            LOG.debugf("spend tick skipped: %s", e.getMessage());
        }
    }

    /** One sample of every dimension; public for tests. */
    public Tick tick() {
        List<Dimension> dimensions = new ArrayList<>();
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        int top = config.api().metricsTopGroups();
        // Every dimension the streams role aggregates: the configured ones and each spend policy's group-by.
        for (String dimension : SpendTopology.dimensions(config.spend().groupBy(), policies.get())) {
            List<SpendView.Summary> all = spend.dimension(dimension, false).stream().map(SpendView.Summary::of)
                    .sorted(Comparator.comparingDouble((SpendView.Summary s) -> s.all().rateUsdPerHour()).reversed()
                            .thenComparing(SpendView.Summary::group))
                    .toList();
            List<GroupRate> groups = new ArrayList<>();
            double otherAll = 0;
            double otherGpu = 0;
            int otherRunning = 0;
            for (int i = 0; i < all.size(); i++) {
                SpendView.Summary s = all.get(i);
                if (i < GROUPS_PER_TICK) {
                    groups.add(new GroupRate(s.group(), s.value(), s.all().rateUsdPerHour(), s.gpu().rateUsdPerHour(),
                            s.all().runningResources(), limits(dimension, s.group())));
                } else {
                    otherAll += s.all().rateUsdPerHour();
                    otherGpu += s.gpu().rateUsdPerHour();
                    otherRunning += s.all().runningResources();
                }
                if (i < top) {
                    double rate = s.all().rateUsdPerHour();
                    rows.add(MultiGauge.Row.of(Tags.of("group_by", dimension, "group", s.value()), rate));
                }
            }
            if (all.size() > GROUPS_PER_TICK) {
                groups.add(new GroupRate(dimension + "=" + OTHERS, OTHERS, round(otherAll), round(otherGpu), otherRunning,
                        List.of()));
            }
            dimensions.add(new Dimension(dimension, round(all.stream().mapToDouble(s -> s.all().rateUsdPerHour()).sum()),
                    round(all.stream().mapToDouble(s -> s.gpu().rateUsdPerHour()).sum()), groups));
        }
        rateGauge.register(rows, true);
        Tick tick = new Tick(clock.instant(), dimensions);
        synchronized (history) {
            history.addLast(tick);
            while (history.size() > historySize) {
                history.removeFirst();
            }
        }
        feed.publish("spend", tick);
        return tick;
    }

    public List<Tick> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    private List<Limit> limits(String dimension, String groupKey) {
        List<Limit> out = new ArrayList<>();
        double hoursInMonth = YearMonth.now(clock.withZone(ZoneOffset.UTC)).lengthOfMonth() * 24.0;
        for (Policy p : policies.get().policies()) {
            if (!p.scope().matchesGroup(groupKey)) {
                continue;
            }
            if (p.detect() instanceof SpendRateRule r && r.groupBy().equals(dimension)) {
                out.add(new Limit(p.name(), "spend-rate", r.gpuOnly(), r.aboveUsdPerHour().doubleValue()));
            } else if (p.detect() instanceof BudgetRule b && b.groupBy().equals(dimension)) {
                out.add(new Limit(p.name(), "budget", b.gpuOnly(), round(b.monthlyUsd().doubleValue() / hoursInMonth)));
            }
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
