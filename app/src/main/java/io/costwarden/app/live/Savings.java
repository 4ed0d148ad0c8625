package io.costwarden.app.live;

import io.costwarden.app.roles.RecentActivity;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Finding;
import io.costwarden.model.Outcome;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * "Saved so far": for every action that changed something and has a known saving per hour (a stop saves the
 * instance's on-demand price; a type change the difference between the two types; a spot recommendation its
 * estimate), the saving per hour times the hours since the action, until it was undone, per group.
 *
 * <p>Enforced actions are {@code saved}; dry-runs and recommendations are {@code projected}: what the policy
 * would have saved had it been enforced, which is what a team trialling a policy wants to know. A resource
 * started again by hand still counts as saving until an undo or the next action on it: the inventory's view of
 * restarts is not joined here. Only the newest {@code costwarden.api.recent-limit} results are summed, so the
 * figure covers that window (both said in docs/dashboard.md).
 */
@ApplicationScoped
public class Savings {
    /** One group's figures, in US dollars. */
    public record GroupSavings(String group, double savedUsd, double savingUsdPerHour, int actions, double projectedUsd,
            double projectedUsdPerHour, int projectedActions) {
    }

    public record Report(String groupBy, Instant asOf, double savedUsd, double projectedUsd, int unpriced,
            List<GroupSavings> groups, String method) {
    }

    static final String METHOD = "saving per hour (on-demand price of a stopped instance, or the price difference of a"
            + " type change, from the instance catalog) x hours since the action, until an undo; enforced actions are"
            + " saved, dry-runs and recommendations projected";

    private final RecentActivity recent;
    private final Clock clock;

    @Inject
    public Savings(RecentActivity recent) {
        this(recent, Clock.systemUTC());
    }

    Savings(RecentActivity recent, Clock clock) {
        this.recent = recent;
        this.clock = clock;
    }

    /** Savings per group of {@code groupBy}: {@code account}, or a tag key (the finding's resource tags). */
    public Report report(String groupBy) {
        return compute(groupBy, recent.results(), recent.findings(), clock.instant());
    }

    static Report compute(String groupBy, List<ActionResult> results, List<Finding> findingList, Instant now) {
        Map<String, Instant> undoneAt = results.stream().filter(a -> a.isUndo() && a.outcome() == Outcome.SUCCEEDED)
                .collect(Collectors.toMap(ActionResult::undoOf, ActionResult::at, (a, b) -> a.isBefore(b) ? a : b));
        Map<String, Finding> findings = findingList.stream()
                .collect(Collectors.toMap(Finding::id, Function.identity(), (a, b) -> a));
        // A resource acted on again (stopped, started by hand, stopped again) would count the same hours twice:
        // each action's saving ends where the next action on the same resource begins.
        Map<String, java.util.TreeSet<Instant>> actedAt = new HashMap<>();
        for (ActionResult a : results) {
            if (!a.isUndo() && (a.changedSomething() || a.outcome() == Outcome.DRY_RUN || a.outcome() == Outcome.RECOMMENDED)) {
                actedAt.computeIfAbsent(a.resourceId(), k -> new java.util.TreeSet<>()).add(a.at());
            }
        }
        Map<String, double[]> byGroup = new TreeMap<>();
        int unpriced = 0;
        for (ActionResult a : results) {
            boolean enforced = a.changedSomething();
            boolean projected = a.outcome() == Outcome.DRY_RUN || a.outcome() == Outcome.RECOMMENDED;
            if (a.isUndo() || !enforced && !projected) {
                continue;
            }
            if (a.hourlySaving() == null) {
                unpriced++;
                continue;
            }
            Instant end = undoneAt.getOrDefault(a.actionId(), now);
            Instant next = actedAt.getOrDefault(a.resourceId(), new java.util.TreeSet<>()).higher(a.at());
            boolean superseded = next != null && next.isBefore(end);
            if (superseded) {
                end = next;
            }
            double hours = Math.max(0, Duration.between(a.at(), end).toMillis() / 3_600_000.0);
            double perHour = a.hourlySaving().doubleValue();
            double[] g = byGroup.computeIfAbsent(group(groupBy, a, findings.get(a.findingId())), k -> new double[6]);
            int base = enforced ? 0 : 3;
            g[base] += perHour * hours;
            if (!undoneAt.containsKey(a.actionId()) && !superseded) {
                g[base + 1] += perHour;
            }
            g[base + 2]++;
        }
        List<GroupSavings> groups = new ArrayList<>();
        byGroup.forEach((k, g) -> groups.add(new GroupSavings(k, round(g[0]), round(g[1]), (int) g[2], round(g[3]),
                round(g[4]), (int) g[5])));
        groups.sort(Comparator.comparingDouble((GroupSavings s) -> s.savedUsd() + s.projectedUsd()).reversed()
                .thenComparing(GroupSavings::group));
        return new Report(groupBy, now, round(groups.stream().mapToDouble(GroupSavings::savedUsd).sum()),
                round(groups.stream().mapToDouble(GroupSavings::projectedUsd).sum()), unpriced, groups, METHOD);
    }

    private static String group(String groupBy, ActionResult a, Finding f) {
        if (groupBy.equals("account")) {
            return "account=" + a.account();
        }
        String value = f == null ? null : f.tags().get(groupBy);
        return groupBy + "=" + (value == null || value.isBlank() ? "(untagged)" : value);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
