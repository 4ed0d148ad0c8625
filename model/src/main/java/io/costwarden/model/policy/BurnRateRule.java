package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;

/**
 * A burn-rate anomaly: the group's rate now is above {@code factor} times the median of its average
 * rate in the same hour of day over the trailing 7 days, and above {@code minimumUsdPerHour} (so a
 * team going from $0.10/h to $0.50/h is not an alarm).
 *
 * @param minDays days of history the median needs before the rule says anything
 */
public record BurnRateRule(String groupBy, boolean gpuOnly, double factor, BigDecimal minimumUsdPerHour, int minDays)
        implements GroupSpendRule {
    static final Param<String> GROUP_BY = DetectorType.groupBy();
    static final Param<Boolean> GPU_ONLY = DetectorType.gpuOnly();
    static final Param<Double> FACTOR = Param.required("factor", ParamType.number(1, 1000, "times the median"),
            "how many times the trailing 7-day median for the same hour of day");
    static final Param<BigDecimal> MINIMUM = Param.required("minimum", ParamType.USD,
            "US dollars per hour the rate must also exceed");
    static final Param<Integer> MIN_DAYS = Param.withDefault("min-days", ParamType.count(1, 7), 3,
            "days (of the trailing 7) with data for that hour before the median is trusted");

    public static final DetectorType TYPE = new DetectorType("burn-rate",
            "a group spending k times its usual rate for this hour of day",
            DetectorType.PRICED, true, Set.of(ActionKind.NOTIFY), List.of(GROUP_BY, GPU_ONLY, FACTOR, MINIMUM, MIN_DAYS),
            List.of(), p -> new BurnRateRule(p.get(GROUP_BY), p.get(GPU_ONLY), p.get(FACTOR), p.get(MINIMUM), p.get(MIN_DAYS)));

    @Override
    public DetectorType type() {
        return TYPE;
    }
}
