package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ResourceKind;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** A resource running longer than {@code max} since its launch (or since Costwarden first saw it). */
public record LifetimeRule(Duration max) implements Detector {
    static final Param<Duration> MAX = Param.required("max", ParamType.duration(Duration.ofMinutes(10), Duration.ofDays(365)),
            "longest a resource may exist, counted from its launch (or, if the launch predates Costwarden, from the first event seen)");

    public static final DetectorType TYPE = new DetectorType("lifetime",
            "a resource that has existed for longer than a maximum lifetime",
            Set.of(ResourceKind.EC2_INSTANCE, ResourceKind.SAGEMAKER_NOTEBOOK, ResourceKind.SAGEMAKER_APP,
                    ResourceKind.SAGEMAKER_ENDPOINT),
            false, Set.of(ActionKind.values()), List.of(MAX), List.of(), p -> new LifetimeRule(p.get(MAX)));

    @Override
    public DetectorType type() {
        return TYPE;
    }
}
