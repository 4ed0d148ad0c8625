package io.costwarden.streams.spend;

import io.costwarden.model.policy.BudgetRule;
import io.costwarden.model.policy.BurnRateRule;
import io.costwarden.model.policy.GroupSpendRule;
import io.costwarden.model.policy.Policy;
import io.costwarden.model.policy.SpendRateRule;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The spend policies judged on one group's spend at its {@link GroupSpend#asOf}. */
public final class SpendRules {
    private SpendRules() {
    }

    /**
     * Whether the condition holds, the line that says why (or why not), and the figures behind it.
     *
     * @param line the finding's violation when it holds, the reason it clears otherwise
     */
    public record Judgement(boolean holds, String line, Map<String, Double> figures) {
        public Judgement {
            figures = Map.copyOf(figures);
        }
    }

    public static SpendFilter filter(Policy p, GroupSpendRule rule) {
        return new SpendFilter(p.resources(), rule.gpuOnly());
    }

    public static Judgement judge(Policy p, GroupSpendRule rule, GroupSpend g) {
        SpendFilter f = filter(p, rule);
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("rateUsdPerHour", round(g.rate(f)));
        figures.put("gpuRateUsdPerHour", round(g.rate(new SpendFilter(p.resources(), true))));
        figures.put("monthToDateUsd", round(g.monthToDate(f)));
        figures.put("forecastUsd", round(g.forecast(f)));
        figures.put("runningResources", (double) g.running(f));
        figures.put("unpricedResources", (double) g.unpriced(f));
        String what = g.group() + (rule.gpuOnly() ? " (GPU resources)" : "");
        if (rule instanceof SpendRateRule s) {
            return rate(s, g, f, what, figures);
        }
        if (rule instanceof BudgetRule b) {
            return budget(b, g, f, what, figures);
        }
        return burnRate((BurnRateRule) rule, g, f, what, figures);
    }

    private static Judgement rate(SpendRateRule s, GroupSpend g, SpendFilter f, String what, Map<String, Double> figures) {
        double rate = g.rate(f);
        double limit = s.aboveUsdPerHour().doubleValue();
        figures.put("limit", limit);
        boolean holds = rate > limit;
        return new Judgement(holds, holds
                ? what + " spends " + usd(rate) + "/h, above the limit of " + usd(limit) + "/h (" + running(g, f) + ")"
                : what + " spends " + usd(rate) + "/h, no longer above " + usd(limit) + "/h", figures);
    }

    private static Judgement budget(BudgetRule b, GroupSpend g, SpendFilter f, String what, Map<String, Double> figures) {
        double budget = b.monthlyUsd().doubleValue();
        double forecast = g.forecast(f);
        figures.put("limit", budget);
        YearMonth month = YearMonth.from(g.asOf().atOffset(ZoneOffset.UTC));
        String name = month.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " " + month.getYear();
        boolean holds = forecast > budget;
        return new Judgement(holds, holds
                ? what + " is forecast to spend " + usd(forecast) + " in " + name + " (" + usd(g.monthToDate(f))
                        + " so far + " + usd(g.rate(f)) + "/h for the " + String.format(Locale.ROOT, "%.1f",
                        GroupSpend.hoursLeftInMonth(g.asOf())) + " h left), above the budget of " + usd(budget) + " ("
                        + running(g, f) + ")"
                : what + " is forecast to spend " + usd(forecast) + " in " + name + ", within the budget of " + usd(budget),
                figures);
    }

    private static Judgement burnRate(BurnRateRule br, GroupSpend g, SpendFilter f, String what,
            Map<String, Double> figures) {
        double rate = g.rate(f);
        GroupSpend.Median median = g.median(f);
        double min = br.minimumUsdPerHour().doubleValue();
        figures.put("medianUsdPerHour", round(median.usdPerHour()));
        figures.put("medianDays", (double) median.days());
        figures.put("factor", br.factor());
        figures.put("limit", min);
        String hour = String.format(Locale.ROOT, "%02d:00 UTC", g.asOf().atOffset(ZoneOffset.UTC).getHour());
        if (median.days() < br.minDays()) {
            return new Judgement(false, what + ": " + median.days() + " of the " + br.minDays()
                    + " days of history the median needs for " + hour, figures);
        }
        String usual = "the 7-day median of " + usd(median.usdPerHour()) + "/h for " + hour + " over " + median.days()
                + " day" + (median.days() == 1 ? "" : "s");
        boolean holds = rate > min && rate > br.factor() * median.usdPerHour();
        return new Judgement(holds, holds
                ? what + " spends " + usd(rate) + "/h, above " + factor(br.factor()) + " x " + usual
                        + " and above the minimum of " + usd(min) + "/h (" + running(g, f) + ")"
                : what + " spends " + usd(rate) + "/h, no longer above " + factor(br.factor()) + " x " + usual
                        + " and the minimum of " + usd(min) + "/h", figures);
    }

    private static String running(GroupSpend g, SpendFilter f) {
        int n = g.running(f);
        int unpriced = g.unpriced(f);
        return n + " running resource" + (n == 1 ? "" : "s")
                + (unpriced > 0 ? ", " + unpriced + " of them without a known price, counted as $0" : "");
    }

    static String usd(double v) {
        return String.format(Locale.ROOT, "$%,.2f", v);
    }

    private static String factor(double f) {
        return f == Math.rint(f) ? String.valueOf((long) f) : String.valueOf(f);
    }

    /** Figures to the hundredth of a cent: enough for money, and stable in findings. */
    static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
