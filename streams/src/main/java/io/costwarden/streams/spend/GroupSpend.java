package io.costwarden.streams.spend;

import io.costwarden.streams.GroupRef;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One group's spend, as the {@value SpendTopology#GROUPS} store keeps it and the API shows it: who runs
 * what now, what that has cost so far, and what the bill said.
 *
 * <p>Money is kept per slice (a resource kind, with or without GPUs; see {@link SpendFilter}), so each
 * policy sums exactly the kinds it watches and {@code gpu-only} its GPU part. Accrued figures run to
 * {@link #asOf}, in UTC hours, days and months; the rate is constant between two updates, so any later
 * moment is {@link #advancedTo} away.
 *
 * @param asOf       data time the accrued figures run to; {@link #NOT_STARTED} for a group known only
 *                   from its bill, which has accrued nothing yet
 * @param resources  running resources by ARN, with what each adds to the rate: filled only when one group is
 *                   shown (from the {@value SpendTopology#MEMBERS} store); the stored group keeps its totals in
 *                   {@code slices}, so that its size does not grow with its resources. Groups stored by
 *                   earlier versions kept them here, and are read as they were.
 * @param hourUsd    accrued in the current hour, per slice
 * @param hourMillis how much of the current hour the group was watched (it may have begun mid-hour)
 * @param dayUsd     accrued in the current UTC day, per slice
 * @param monthUsd   accrued in the current UTC month, per slice
 * @param hours      completed hours of the trailing {@link #HISTORY}, oldest first: what the burn-rate
 *                   median reads
 * @param days       per UTC day of the trailing {@link #RECONCILED_DAYS}, oldest first: the estimate
 *                   and what billing said
 * @param breaches   per spend policy whose condition holds now, its episode (so it is reported once)
 * @param slices     per slice, the running resources' rate, count and unpriced count
 */
public record GroupSpend(String group, String dimension, String value, Instant asOf,
        Map<String, Contribution> resources, Map<String, Double> hourUsd, long hourMillis, Map<String, Double> dayUsd,
        Map<String, Double> monthUsd, List<HourSample> hours, List<DaySpend> days, Map<String, String> breaches,
        Map<String, Running> slices) {

    public static final Instant NOT_STARTED = Instant.EPOCH;
    /** The burn-rate median looks back this far. */
    public static final Duration HISTORY = Duration.ofDays(7);
    /** Daily estimates and billed amounts are kept this long: a month and the days its bill is late. */
    public static final int RECONCILED_DAYS = 35;
    private static final double MILLIS_PER_HOUR = 3_600_000.0;

    /** One completed hour: how long the group was watched in it and what it cost, per slice. */
    public record HourSample(Instant hour, long millis, Map<String, Double> usd) {
        public HourSample {
            usd = usd == null ? Map.of() : Map.copyOf(usd);
        }

        /** Average rate over the watched part of the hour. */
        double rate(SpendFilter f) {
            return millis <= 0 ? 0 : sum(usd, f) / (millis / MILLIS_PER_HOUR);
        }
    }

    /**
     * One UTC day: the estimate (every slice) and the billed instance usage of the group's resources.
     *
     * @param billedItems resource-hours billed; restatements replace their earlier amounts, so this counts
     *                    each once
     */
    public record DaySpend(LocalDate day, double estimateUsd, double billedUsd, double effectiveUsd, int billedItems) {
        public boolean billed() {
            return billedItems > 0;
        }
    }

    /** What the running resources of one slice add up to. */
    public record Running(double usdPerHour, int resources, int unpriced) {
        Running plus(Contribution c, int sign) {
            return new Running(usdPerHour + sign * c.usdPerHour(), resources + sign, unpriced + (c.priced() ? 0 : sign));
        }
    }

    /** The trailing median of one hour of day, and how many days it is over (0: no data). */
    public record Median(double usdPerHour, int days) {
    }

    public GroupSpend {
        resources = resources == null ? Map.of() : Map.copyOf(resources);
        if (slices == null || slices.isEmpty() && !resources.isEmpty()) {
            // Stored before the totals existed: they are what the resources add up to.
            Map<String, Running> totals = new HashMap<>();
            for (Contribution c : resources.values()) {
                totals.merge(c.slice(), new Running(0, 0, 0).plus(c, 1), (a, b) -> new Running(a.usdPerHour()
                        + b.usdPerHour(), a.resources() + b.resources(), a.unpriced() + b.unpriced()));
            }
            slices = totals;
        }
        slices = Map.copyOf(slices);
        hourUsd = hourUsd == null ? Map.of() : Map.copyOf(hourUsd);
        dayUsd = dayUsd == null ? Map.of() : Map.copyOf(dayUsd);
        monthUsd = monthUsd == null ? Map.of() : Map.copyOf(monthUsd);
        hours = hours == null ? List.of() : List.copyOf(hours);
        days = days == null ? List.of() : List.copyOf(days);
        breaches = breaches == null ? Map.of() : Map.copyOf(breaches);
    }

    public static GroupSpend start(GroupRef ref) {
        return new GroupSpend(ref.key(), ref.dimension(), ref.value(), NOT_STARTED, Map.of(), Map.of(), 0, Map.of(),
                Map.of(), List.of(), List.of(), Map.of(), Map.of());
    }

    public boolean started() {
        return !asOf.equals(NOT_STARTED);
    }

    /** US dollars per hour of the running resources in {@code f}, now. */
    public double rate(SpendFilter f) {
        double r = 0;
        for (Map.Entry<String, Running> e : slices.entrySet()) {
            if (f.includes(e.getKey())) {
                r += e.getValue().usdPerHour();
            }
        }
        return r;
    }

    public int running(SpendFilter f) {
        return slices.entrySet().stream().filter(e -> f.includes(e.getKey())).mapToInt(e -> e.getValue().resources()).sum();
    }

    /** Running resources in {@code f} whose price is unknown: they add 0 to the rate. */
    public int unpriced(SpendFilter f) {
        return slices.entrySet().stream().filter(e -> f.includes(e.getKey())).mapToInt(e -> e.getValue().unpriced()).sum();
    }

    public double hour(SpendFilter f) {
        return sum(hourUsd, f);
    }

    public double day(SpendFilter f) {
        return sum(dayUsd, f);
    }

    public double monthToDate(SpendFilter f) {
        return sum(monthUsd, f);
    }

    /** Month to date plus the current rate until the end of the month (UTC). */
    public double forecast(SpendFilter f) {
        return monthToDate(f) + (started() ? rate(f) * hoursLeftInMonth(asOf) : 0);
    }

    static double hoursLeftInMonth(Instant t) {
        Instant end = YearMonth.from(t.atOffset(ZoneOffset.UTC)).plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC)
                .toInstant();
        return Duration.between(t, end).toMillis() / MILLIS_PER_HOUR;
    }

    /**
     * The median over the trailing {@link #HISTORY} of the average rate in the hour of day of {@link #asOf},
     * over the days that have data for that hour.
     */
    public Median median(SpendFilter f) {
        Instant thisHour = asOf.truncatedTo(ChronoUnit.HOURS);
        Instant from = thisHour.minus(HISTORY);
        List<Double> rates = new ArrayList<>();
        for (HourSample h : hours) {
            boolean sameHourOfDay = Duration.between(h.hour(), thisHour).toHours() % 24 == 0;
            if (sameHourOfDay && !h.hour().isBefore(from) && h.hour().isBefore(thisHour) && h.millis() > 0) {
                rates.add(h.rate(f));
            }
        }
        if (rates.isEmpty()) {
            return new Median(0, 0);
        }
        rates.sort(Double::compare);
        int n = rates.size();
        double m = n % 2 == 1 ? rates.get(n / 2) : (rates.get(n / 2 - 1) + rates.get(n / 2)) / 2;
        return new Median(m, n);
    }

    /**
     * Accrues the current rate up to {@code t}: rate times elapsed time, split at every hour, day and month
     * boundary on the way, each completed hour kept for the median. A group not yet started starts at
     * {@code t}; {@code t} before {@link #asOf} changes nothing (time never runs backwards).
     */
    public GroupSpend advancedTo(Instant t) {
        if (!started()) {
            return new GroupSpend(group, dimension, value, t, resources, Map.of(), 0, Map.of(), Map.of(), hours,
                    pruneDays(days, t), breaches, slices);
        }
        if (!t.isAfter(asOf)) {
            return this;
        }
        Map<String, Double> rates = new HashMap<>();
        slices.forEach((slice, r) -> rates.merge(slice, r.usdPerHour(), Double::sum));
        double total = rates.values().stream().mapToDouble(Double::doubleValue).sum();
        Map<String, Double> hour = new HashMap<>(hourUsd);
        Map<String, Double> day = new HashMap<>(dayUsd);
        Map<String, Double> month = new HashMap<>(monthUsd);
        long millis = hourMillis;
        Instant keepFrom = t.truncatedTo(ChronoUnit.HOURS).minus(HISTORY);
        List<HourSample> history = new ArrayList<>(hours);
        TreeMap<LocalDate, DaySpend> byDay = byDay(days);
        Instant cursor = asOf;
        while (cursor.isBefore(t)) {
            Instant hourStart = cursor.truncatedTo(ChronoUnit.HOURS);
            Instant hourEnd = hourStart.plus(Duration.ofHours(1));
            Instant segmentEnd = hourEnd.isBefore(t) ? hourEnd : t;
            long ms = Duration.between(cursor, segmentEnd).toMillis();
            if (total > 0) {
                for (Map.Entry<String, Double> r : rates.entrySet()) {
                    double usd = r.getValue() * ms / MILLIS_PER_HOUR;
                    hour.merge(r.getKey(), usd, Double::sum);
                    day.merge(r.getKey(), usd, Double::sum);
                    month.merge(r.getKey(), usd, Double::sum);
                }
                LocalDate d = LocalDate.ofInstant(cursor, ZoneOffset.UTC);
                double usd = total * ms / MILLIS_PER_HOUR;
                byDay.merge(d, new DaySpend(d, usd, 0, 0, 0), GroupSpend::add);
            }
            millis += ms;
            if (segmentEnd.equals(hourEnd)) {
                if (!hourStart.isBefore(keepFrom)) {
                    history.add(new HourSample(hourStart, millis, hour));
                }
                hour = new HashMap<>();
                millis = 0;
                if (hourEnd.atOffset(ZoneOffset.UTC).toLocalTime().equals(LocalTime.MIDNIGHT)) {
                    day = new HashMap<>();
                    if (hourEnd.atOffset(ZoneOffset.UTC).getDayOfMonth() == 1) {
                        month = new HashMap<>();
                    }
                }
            }
            cursor = segmentEnd;
        }
        history.removeIf(h -> h.hour().isBefore(keepFrom));
        return new GroupSpend(group, dimension, value, t, resources, hour, millis, day, month, history,
                pruneDays(new ArrayList<>(byDay.values()), t), breaches, slices);
    }

    /**
     * A resource joins or changes: {@code previous} is what it added before (from the members store, or from
     * the legacy {@link #resources} of a group stored by an earlier version), null when it is new.
     */
    public GroupSpend withResource(Contribution c, Contribution previous) {
        Map<String, Running> totals = new HashMap<>(slices);
        Contribution before = previous != null ? previous : resources.get(c.resourceId());
        if (before != null) {
            add(totals, before, -1);
        }
        add(totals, c, 1);
        Map<String, Contribution> legacy = resources.containsKey(c.resourceId()) ? without(c.resourceId()) : resources;
        return new GroupSpend(group, dimension, value, asOf, legacy, hourUsd, hourMillis, dayUsd, monthUsd, hours, days,
                breaches, totals);
    }

    /** A resource leaves, with what it added; nothing changes for one the group did not count. */
    public GroupSpend withoutResource(String resourceId, Contribution previous) {
        Contribution before = previous != null ? previous : resources.get(resourceId);
        if (before == null) {
            return this;
        }
        Map<String, Running> totals = new HashMap<>(slices);
        add(totals, before, -1);
        return new GroupSpend(group, dimension, value, asOf, without(resourceId), hourUsd, hourMillis, dayUsd, monthUsd,
                hours, days, breaches, totals);
    }

    /** The group as one group is shown: with its members listed. */
    public GroupSpend withMembers(Map<String, Contribution> members) {
        return new GroupSpend(group, dimension, value, asOf, members, hourUsd, hourMillis, dayUsd, monthUsd, hours, days,
                breaches, slices);
    }

    private Map<String, Contribution> without(String resourceId) {
        Map<String, Contribution> m = new HashMap<>(resources);
        m.remove(resourceId);
        return m;
    }

    private static void add(Map<String, Running> totals, Contribution c, int sign) {
        Running next = totals.getOrDefault(c.slice(), new Running(0, 0, 0)).plus(c, sign);
        if (next.resources() <= 0) {
            // Rounding must not leave a ghost rate behind an empty slice.
            totals.remove(c.slice());
        } else {
            totals.put(c.slice(), next);
        }
    }

    /**
     * Adds a change in billed amounts for one day (a restated line item arrives as the difference to what
     * it said before). A group not started keeps the {@link #RECONCILED_DAYS} up to its newest billed day.
     */
    public GroupSpend withBilled(LocalDate day, double billedUsd, double effectiveUsd, int items) {
        TreeMap<LocalDate, DaySpend> byDay = byDay(days);
        byDay.merge(day, new DaySpend(day, 0, billedUsd, effectiveUsd, items), GroupSpend::add);
        List<DaySpend> all = new ArrayList<>(byDay.values());
        Instant newest = (started() ? asOf : byDay.lastKey().atStartOfDay(ZoneOffset.UTC).toInstant());
        return new GroupSpend(group, dimension, value, asOf, resources, hourUsd, hourMillis, dayUsd, monthUsd, hours,
                pruneDays(all, newest), breaches, slices);
    }

    public GroupSpend withBreaches(Map<String, String> b) {
        return new GroupSpend(group, dimension, value, asOf, resources, hourUsd, hourMillis, dayUsd, monthUsd, hours,
                days, b, slices);
    }

    /** Nothing runs, nothing is open, and nothing is left in its windows to show or compare. */
    public boolean forgettable() {
        return slices.isEmpty() && resources.isEmpty() && breaches.isEmpty() && days.isEmpty() && zero(hourUsd) && zero(dayUsd)
                && zero(monthUsd) && hours.stream().allMatch(h -> zero(h.usd()));
    }

    /** The day of {@code d}, if the group has one. */
    public java.util.Optional<DaySpend> dayOf(LocalDate d) {
        return days.stream().filter(x -> x.day().equals(d)).findFirst();
    }

    private static boolean zero(Map<String, Double> m) {
        return m.values().stream().allMatch(v -> v == 0);
    }

    private static List<DaySpend> pruneDays(List<DaySpend> all, Instant now) {
        LocalDate oldest = LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(RECONCILED_DAYS - 1L);
        return all.stream().filter(d -> !d.day().isBefore(oldest)).toList();
    }

    private static TreeMap<LocalDate, DaySpend> byDay(List<DaySpend> days) {
        TreeMap<LocalDate, DaySpend> m = new TreeMap<>();
        days.forEach(d -> m.put(d.day(), d));
        return m;
    }

    private static DaySpend add(DaySpend a, DaySpend b) {
        return new DaySpend(a.day(), a.estimateUsd() + b.estimateUsd(), a.billedUsd() + b.billedUsd(),
                a.effectiveUsd() + b.effectiveUsd(), a.billedItems() + b.billedItems());
    }

    static double sum(Map<String, Double> bySlice, SpendFilter f) {
        double s = 0;
        for (Map.Entry<String, Double> e : bySlice.entrySet()) {
            if (f.includes(e.getKey())) {
                s += e.getValue();
            }
        }
        return s;
    }
}
