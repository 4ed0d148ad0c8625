package io.costwarden.model.policy;

import java.time.Duration;
import java.util.Optional;

/**
 * A resource is idle when every configured signal has stayed below its threshold for {@code duration}.
 * Thresholds apply to each period's maximum, so a burst of work inside a period counts as activity.
 *
 * @param cpuBelow    percent, against {@code CPUUtilization}
 * @param gpuBelow    percent, against the CloudWatch agent's {@code nvidia_smi_utilization_gpu}, every GPU
 *                    (an instance is idle only if all its GPUs are)
 * @param missingData what a signal with no data for the whole duration means
 */
public record IdleRule(Duration duration, Optional<Double> cpuBelow, Optional<Double> gpuBelow, MissingData missingData)
        implements Detector {

    /** How silence is read: a resource that stopped reporting may be idle, busy, or unknown. */
    public enum MissingData {
        IDLE, ACTIVE, IGNORE
    }

    public static final String CPU_METRIC = "CPUUtilization";
    public static final String GPU_METRIC = "nvidia_smi_utilization_gpu";

    @Override
    public String word() {
        return "idle";
    }
}
