package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ResourceKind;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A resource is idle when every configured signal has stayed below its threshold for {@code duration}.
 * Thresholds apply to each period's maximum, so a burst of work inside a period counts as activity.
 *
 * @param cpuBelow         percent, against {@code CPUUtilization}
 * @param gpuBelow         percent, against the CloudWatch agent's {@code nvidia_smi_utilization_gpu}, every GPU
 *                         (an instance is idle only if all its GPUs are)
 * @param networkBelow     bytes per second, each of {@code NetworkIn} and {@code NetworkOut}
 * @param notebookActivity whether the Jupyter activity published by Costwarden's lifecycle script counts
 * @param missingData      what a signal with no data for the whole duration means
 */
public record IdleRule(Duration duration, Optional<Double> cpuBelow, Optional<Double> gpuBelow,
        Optional<Double> networkBelow, boolean notebookActivity, MissingData missingData) implements Detector {

    /** How silence is read: a resource that stopped reporting may be idle, busy, or unknown. */
    public enum MissingData {
        IDLE, ACTIVE, IGNORE
    }

    public static final String CPU_METRIC = "CPUUtilization";
    public static final String GPU_METRIC = "nvidia_smi_utilization_gpu";
    public static final String NETWORK_IN = "NetworkIn";
    public static final String NETWORK_OUT = "NetworkOut";
    /** Published by deploy/sagemaker/notebook-activity: namespace and metrics. */
    public static final String NOTEBOOK_NAMESPACE = "Costwarden/Notebook";
    public static final String NOTEBOOK_IDLE_SECONDS = "SecondsSinceLastActivity";
    public static final String NOTEBOOK_BUSY_KERNELS = "BusyKernels";

    static final Param<Duration> FOR = Param.required("for", ParamType.duration(Duration.ofMinutes(1), Duration.ofDays(30)),
            "how long every signal must stay quiet");
    static final Param<Double> CPU = Param.optional("cpu-below", ParamType.PERCENT,
            "CloudWatch `CPUUtilization`; a period whose maximum reaches it is activity");
    static final Param<Double> GPU = Param.optional("gpu-below", ParamType.PERCENT,
            "the CloudWatch agent's `nvidia_smi_utilization_gpu`, per GPU (`index` dimension): one busy GPU makes the resource active; ignored for resources without GPUs");
    static final Param<Double> NETWORK = Param.optional("network-below", ParamType.BYTE_RATE,
            "each of `NetworkIn` and `NetworkOut`, as the period's sum over its length");
    static final Param<Boolean> NOTEBOOK = Param.withDefault("notebook-activity", ParamType.BOOLEAN, false,
            "Jupyter kernel and terminal activity from `deploy/sagemaker/notebook-activity` (`Costwarden/Notebook`): a busy kernel or a kernel or terminal used since is activity");
    static final Param<String> MISSING = Param.withDefault("missing-data", ParamType.choice(List.of("active", "idle", "ignore")),
            "active", "what a signal with no datapoint for the whole `for` means: `active` (not idle, the safe default), `idle`, or `ignore` (no verdict)");

    public static final DetectorType TYPE = new DetectorType("idle",
            "a running resource whose every signal stayed below its threshold for a duration",
            Set.of(ResourceKind.EC2_INSTANCE, ResourceKind.SAGEMAKER_NOTEBOOK, ResourceKind.SAGEMAKER_APP), false,
            Set.of(ActionKind.values()), List.of(FOR, CPU, GPU, NETWORK, NOTEBOOK, MISSING),
            List.of(List.of(CPU, GPU, NETWORK, NOTEBOOK)),
            p -> new IdleRule(p.get(FOR), p.find(CPU), p.find(GPU), p.find(NETWORK), p.get(NOTEBOOK),
                    MissingData.valueOf(p.get(MISSING).toUpperCase(java.util.Locale.ROOT))));

    public IdleRule(Duration duration, Optional<Double> cpuBelow, Optional<Double> gpuBelow, MissingData missingData) {
        this(duration, cpuBelow, gpuBelow, Optional.empty(), false, missingData);
    }

    @Override
    public DetectorType type() {
        return TYPE;
    }
}
