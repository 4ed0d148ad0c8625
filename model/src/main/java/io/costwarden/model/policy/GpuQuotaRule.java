package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import java.util.List;
import java.util.Set;

/**
 * At most {@code maxGpus} GPUs running per group. When a launch or a start takes a group over, the
 * newest resources beyond the quota are the findings (they are what an action should stop); when
 * others stop and the group is back under, those findings are cancelled.
 */
public record GpuQuotaRule(String groupBy, int maxGpus) implements Detector {
    static final Param<String> GROUP_BY = DetectorType.groupBy();
    static final Param<Integer> MAX = Param.required("max-gpus", ParamType.count(0),
            "GPUs (and other accelerators) running at once per group");

    public static final DetectorType TYPE = new DetectorType("gpu-quota",
            "at most N GPUs running per group; the newest launches beyond it are the findings",
            DetectorType.PRICED, false, Set.of(ActionKind.values()), List.of(GROUP_BY, MAX), List.of(),
            p -> new GpuQuotaRule(p.get(GROUP_BY), p.get(MAX)));

    @Override
    public DetectorType type() {
        return TYPE;
    }
}
