package io.costwarden.streams.spend;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The spend detector's meters. The reconciliation gauges sum every group of a dimension that this
 * process holds, over the complete days (before the group's current day) that billing has covered;
 * their only label is the dimension, never a group, so the registry stays bounded whatever the tags say.
 */
final class SpendMetrics {
    static final String ERROR_RATIO = "costwarden.spend.estimate.error.ratio";
    static final String ERROR_USD = "costwarden.spend.estimate.error.usd";
    static final String SKIPPED = "costwarden.spend.inputs.skipped";

    /** Estimate and billed sums of one group over its reconciled days. */
    private record Totals(String dimension, double estimate, double billed) {
    }

    private final MeterRegistry meters;
    private final Map<String, Totals> byGroup = new ConcurrentHashMap<>();
    private final Set<String> dimensions = ConcurrentHashMap.newKeySet();

    SpendMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    /** An input the detector could not use, by a reason from a fixed set. */
    void skipped(String reason) {
        meters.counter(SKIPPED, "reason", reason).increment();
    }

    /** Takes the group's reconciled days into its dimension's gauges. */
    void reconciled(GroupSpend g) {
        LocalDate current = g.started() ? LocalDate.ofInstant(g.asOf(), java.time.ZoneOffset.UTC) : LocalDate.MAX;
        double estimate = 0;
        double billed = 0;
        boolean any = false;
        for (GroupSpend.DaySpend d : g.days()) {
            if (d.billed() && d.day().isBefore(current)) {
                estimate += d.estimateUsd();
                billed += d.billedUsd();
                any = true;
            }
        }
        if (!any) {
            byGroup.remove(g.group());
            return;
        }
        byGroup.put(g.group(), new Totals(g.dimension(), estimate, billed));
        if (dimensions.add(g.dimension())) {
            String dim = g.dimension();
            Gauge.builder(ERROR_RATIO, this, m -> m.ratio(dim)).tag("dimension", dim).strongReference(true)
                    .description("(estimate - billed) / billed over the complete days billing covers, all groups of the dimension")
                    .register(meters);
            Gauge.builder(ERROR_USD, this, m -> m.difference(dim)).tag("dimension", dim).strongReference(true)
                    .description("estimate - billed in US dollars over the complete days billing covers")
                    .register(meters);
        }
    }

    void forget(String group) {
        byGroup.remove(group);
    }

    double difference(String dimension) {
        double d = 0;
        for (Totals t : byGroup.values()) {
            if (t.dimension().equals(dimension)) {
                d += t.estimate() - t.billed();
            }
        }
        return d;
    }

    /** NaN while nothing was billed: a ratio to zero says nothing. */
    double ratio(String dimension) {
        double billed = 0;
        for (Totals t : byGroup.values()) {
            if (t.dimension().equals(dimension)) {
                billed += t.billed();
            }
        }
        return billed == 0 ? Double.NaN : difference(dimension) / billed;
    }
}
