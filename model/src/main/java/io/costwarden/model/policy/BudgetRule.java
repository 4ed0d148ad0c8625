package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;

/** A group whose month to date plus the current rate until month end is above {@code monthlyUsd}. */
public record BudgetRule(String groupBy, boolean gpuOnly, BigDecimal monthlyUsd) implements GroupSpendRule {
    static final Param<String> GROUP_BY = DetectorType.groupBy();
    static final Param<Boolean> GPU_ONLY = DetectorType.gpuOnly();
    static final Param<BigDecimal> MONTHLY = Param.required("monthly", ParamType.USD,
            "US dollars per calendar month (UTC)");

    public static final DetectorType TYPE = new DetectorType("budget",
            "a group forecast to spend more than its monthly budget: month to date plus the current rate until month end",
            DetectorType.PRICED, true, Set.of(ActionKind.NOTIFY), List.of(GROUP_BY, GPU_ONLY, MONTHLY), List.of(),
            p -> new BudgetRule(p.get(GROUP_BY), p.get(GPU_ONLY), p.get(MONTHLY)));

    @Override
    public DetectorType type() {
        return TYPE;
    }
}
