package io.costwarden.app.api;

import io.costwarden.streams.spend.Contribution;
import io.costwarden.streams.spend.GroupSpend;
import io.costwarden.streams.spend.SpendFilter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** What the spend API answers, computed from a group's {@link GroupSpend} at its {@code asOf}. */
public final class SpendView {
    private SpendView() {
    }

    /**
     * One part of a group's spend (everything, or its GPU resources), in US dollars.
     *
     * @param medianUsdPerHour the trailing 7-day median of the hour of day of {@code asOf}; empty without
     *                         history for that hour (and in totals, where medians do not add up)
     */
    public record Figures(double rateUsdPerHour, double hourUsd, double dayUsd, double monthToDateUsd,
            double forecastUsd, Optional<Double> medianUsdPerHour, int medianDays, int runningResources,
            int unpricedResources) {

        static Figures of(GroupSpend g, SpendFilter f) {
            GroupSpend.Median m = g.median(f);
            return new Figures(round(g.rate(f)), round(g.hour(f)), round(g.day(f)), round(g.monthToDate(f)),
                    round(g.forecast(f)), m.days() == 0 ? Optional.empty() : Optional.of(round(m.usdPerHour())), m.days(),
                    g.running(f), g.unpriced(f));
        }

        static Figures sum(List<Figures> all) {
            return new Figures(round(all.stream().mapToDouble(Figures::rateUsdPerHour).sum()),
                    round(all.stream().mapToDouble(Figures::hourUsd).sum()),
                    round(all.stream().mapToDouble(Figures::dayUsd).sum()),
                    round(all.stream().mapToDouble(Figures::monthToDateUsd).sum()),
                    round(all.stream().mapToDouble(Figures::forecastUsd).sum()), Optional.empty(), 0,
                    all.stream().mapToInt(Figures::runningResources).sum(),
                    all.stream().mapToInt(Figures::unpricedResources).sum());
        }
    }

    /** A group in a list: its figures, and the spend policies it breaks now. */
    public record Summary(String group, String dimension, String value, Instant asOf, Figures all, Figures gpu,
            List<String> breaching) {

        public static Summary of(GroupSpend g) {
            return new Summary(g.group(), g.dimension(), g.value(), g.asOf(), Figures.of(g, SpendFilter.ALL),
                    Figures.of(g, SpendFilter.GPU), g.breaches().keySet().stream().sorted().toList());
        }
    }

    /**
     * One day's estimate against billing.
     *
     * @param complete   the day is over (the group's {@code asOf} is past it), so its estimate is final
     * @param errorUsd   estimate minus billed
     * @param errorRatio {@code errorUsd / billedUsd}; empty when nothing was billed
     */
    public record Reconciliation(LocalDate day, double estimateUsd, double billedUsd, double effectiveUsd,
            int billedItems, double errorUsd, Optional<Double> errorRatio, boolean complete) {

        static Reconciliation of(GroupSpend.DaySpend d, LocalDate today) {
            double error = d.estimateUsd() - d.billedUsd();
            return new Reconciliation(d.day(), round(d.estimateUsd()), round(d.billedUsd()), round(d.effectiveUsd()),
                    d.billedItems(), round(error), d.billedUsd() == 0 ? Optional.empty() : Optional.of(round(error / d.billedUsd())),
                    d.day().isBefore(today));
        }
    }

    /** One running resource and what it adds. */
    public record Resource(String resourceId, String kind, String instanceType, String region, String purchase,
            int instances, int gpus, double usdPerHour, boolean priced, String priceSource, Instant since) {

        static Resource of(Contribution c) {
            return new Resource(c.resourceId(), c.kind().word(), c.instanceType(), c.region(), c.purchase().name(),
                    c.instances(), c.gpus(), round(c.usdPerHour()), c.priced(), c.priceSource(), c.since());
        }
    }

    /** {@code GET /api/spend/{group}}: the summary, every running resource (costliest first), and each reconciled day (newest first). */
    public record Detail(String group, String dimension, String value, Instant asOf, Figures all, Figures gpu,
            List<String> breaching, List<Resource> resources, List<Reconciliation> reconciliation) {

        static Detail of(GroupSpend g) {
            Summary s = Summary.of(g);
            LocalDate today = g.started() ? LocalDate.ofInstant(g.asOf(), ZoneOffset.UTC) : LocalDate.MAX;
            return new Detail(s.group(), s.dimension(), s.value(), s.asOf(), s.all(), s.gpu(), s.breaching(),
                    g.resources().values().stream().map(Resource::of)
                            .sorted(Comparator.comparingDouble(Resource::usdPerHour).reversed().thenComparing(Resource::resourceId))
                            .toList(),
                    g.days().stream().map(d -> Reconciliation.of(d, today))
                            .sorted(Comparator.comparing(Reconciliation::day).reversed()).toList());
        }
    }

    /** {@code GET /api/spend}: a page of one dimension's groups, with the dimension's totals over every group. */
    public record Listing(String groupBy, List<Summary> items, int total, int offset, int limit, Figures totals,
            Figures gpuTotals) {
    }

    /** Money to the hundredth of a cent. */
    static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
