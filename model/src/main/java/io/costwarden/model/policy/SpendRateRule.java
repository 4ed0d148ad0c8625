package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;

/** A group spending more than {@code aboveUsdPerHour} right now. */
public record SpendRateRule(String groupBy, boolean gpuOnly, BigDecimal aboveUsdPerHour) implements GroupSpendRule {
    static final Param<String> GROUP_BY = DetectorType.groupBy();
    static final Param<Boolean> GPU_ONLY = DetectorType.gpuOnly();
    static final Param<BigDecimal> ABOVE = Param.required("above", ParamType.USD, "US dollars per hour");

    public static final DetectorType TYPE = new DetectorType("spend-rate",
            "a group whose live spend rate (running resources x hourly price) is above a limit",
            DetectorType.PRICED, true, Set.of(ActionKind.NOTIFY), List.of(GROUP_BY, GPU_ONLY, ABOVE), List.of(),
            p -> new SpendRateRule(p.get(GROUP_BY), p.get(GPU_ONLY), p.get(ABOVE)));

    @Override
    public DetectorType type() {
        return TYPE;
    }
}
