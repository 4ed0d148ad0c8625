package io.costwarden.bench;

import io.costwarden.model.MetricSample;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Verb;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The EC2 fleet the idle benchmark simulates, one datapoint per signal per data minute.
 *
 * <p>Watched instances (every gpu-every-th, a quarter by default, with one GPU, reporting CPU and GPU; the
 * rest CPU only) are quiet except for a burst of CPU every {@link #ACTIVE_EVERY} minutes, staggered across
 * instances, so their quiet runs never reach the policy's 60 minutes: every sample takes the detector's full path (state
 * read, thresholds, the completion check, state write) and none opens a finding.
 *
 * <p>Probe instances exist for the latency run: each is launched at its own data minute, reports quiet
 * CPU every minute after it, and its 60th quiet minute completes the idle condition. They are CPU-only
 * instance types, so that one sample (not a CPU and a GPU sample in either order) is the one that completes it.
 * Warm-up probes, launched in the hour before the latency run, complete during its first hour: the first
 * findings a process ever opens and cancels pay for class loading, Jackson building the Finding serializer
 * and the JIT recompiling the hot path, which a long-running process has behind it, so they are not measured.
 */
final class Fleet {
    static final String ACCOUNT = "123456789012";
    static final String REGION = "us-east-1";
    /** Shorter than the policy's duration, so watched instances stay below it. */
    static final int ACTIVE_EVERY = 30;
    /** The benchmark policy's duration, in data minutes. */
    static final int IDLE_MINUTES = 60;
    static final String POLICY = """
            policies:
              - name: idle
                resource: ec2-instance
                detect:
                  idle:
                    for: 60m
                    cpu-below: 5
                    gpu-below: 10
            """;

    /**
     * One sample to produce; {@code completes} when it is the one that completes a probe's idle condition, and
     * {@code measured} when that probe's latency counts (it is not a warm-up probe).
     */
    record Sample(MetricSample sample, boolean completes, boolean measured) {
    }

    private final Instant t0;
    private final int watched;
    private final int gpuEvery;
    private final int liveStartMinute;
    private final int probes;
    private final int probesPerMinute;

    /** The watched instances alone: every {@code gpuEvery}-th has a GPU; data minute 0 is {@code t0}. */
    Fleet(Instant t0, int watched, int gpuEvery) {
        this(t0, watched, gpuEvery, 0, 0, 1);
    }

    private Fleet(Instant t0, int watched, int gpuEvery, int liveStartMinute, int probes, int probesPerMinute) {
        this.t0 = t0;
        this.watched = watched;
        this.gpuEvery = gpuEvery;
        this.liveStartMinute = liveStartMinute;
        this.probes = probes;
        this.probesPerMinute = probesPerMinute;
    }

    /**
     * With {@code probes} probes for a latency run from data minute {@code liveStartMinute}, launched
     * {@code perMinute} per data minute, so that as many complete per data minute once the first have run 60.
     */
    Fleet withProbes(int liveStartMinute, int probes, int perMinute) {
        return new Fleet(t0, watched, gpuEvery, liveStartMinute, probes, perMinute);
    }

    int watched() {
        return watched;
    }

    int withGpu() {
        return (watched + gpuEvery - 1) / gpuEvery;
    }

    /** Samples of the watched instances in one data minute. */
    int watchedSamplesPerMinute() {
        return watched + withGpu();
    }

    int liveStartMinute() {
        return liveStartMinute;
    }

    /** The last data minute of the latency run: the last probe's completing minute. */
    int lastLiveMinute() {
        return launchMinute(probes - 1) + IDLE_MINUTES;
    }

    /** The watched instances' launches, at data minute 0. */
    List<ResourceEvent> watchedLaunches() {
        List<ResourceEvent> out = new ArrayList<>();
        for (int i = 0; i < watched; i++) {
            boolean gpu = i % gpuEvery == 0;
            out.add(launch(watchedId(i), gpu ? "g5.xlarge" : "m5.large", gpu ? 1 : 0, t0));
        }
        return out;
    }

    /** The probes' launches, each at its own data minute of the latency run, and the warm-up probes'. */
    List<ResourceEvent> probeLaunches() {
        List<ResourceEvent> out = new ArrayList<>();
        for (int j = 0; j < probes; j++) {
            out.add(launch(probeId(j), "m5.large", 0, at(launchMinute(j))));
        }
        for (int w = 0; w < warmUpProbes(); w++) {
            out.add(launch(warmUpId(w), "m5.large", 0, at(warmUpLaunchMinute(w))));
        }
        return out;
    }

    /** One per minute of the latency run's first hour but the last, so they are all done before the measured ones begin. */
    int warmUpProbes() {
        return probes == 0 ? 0 : IDLE_MINUTES - 1;
    }

    /** The ARNs of the warm-up probes, whose findings are expected but not measured. */
    List<String> warmUpArns() {
        List<String> out = new ArrayList<>();
        for (int w = 0; w < warmUpProbes(); w++) {
            out.add(ResourceKind.EC2_INSTANCE.arn(REGION, ACCOUNT, warmUpId(w)));
        }
        return out;
    }

    /** The watched instances' samples of data minute {@code m}, in instance order as a metric stream batches them. */
    List<MetricSample> watchedMinute(int m) {
        List<MetricSample> out = new ArrayList<>(watchedSamplesPerMinute());
        Instant t = at(m);
        for (int i = 0; i < watched; i++) {
            String id = watchedId(i);
            boolean active = (m + i) % ACTIVE_EVERY == 0;
            out.add(cpu(id, t, active ? 55 : quietCpu(i, m)));
            if (i % gpuEvery == 0) {
                out.add(gpu(id, t, 0));
            }
        }
        return out;
    }

    /**
     * Data minute {@code m} of the latency run: the watched instances and every probe running then,
     * shuffled (many instances report through one stream, in no particular order) with a fixed seed.
     */
    List<Sample> liveMinute(int m) {
        List<Sample> out = new ArrayList<>();
        watchedMinute(m).forEach(s -> out.add(new Sample(s, false, false)));
        for (int j = 0; j < probes; j++) {
            int launched = launchMinute(j);
            if (m > launched && m <= launched + IDLE_MINUTES) {
                out.add(new Sample(cpu(probeId(j), at(m), quietCpu(j, m)), m == launched + IDLE_MINUTES, true));
            }
        }
        // Warm-up probes report from the first minute of the run: their quiet hour began before it, with their launch.
        for (int w = 0; w < warmUpProbes(); w++) {
            int completes = warmUpLaunchMinute(w) + IDLE_MINUTES;
            if (m > liveStartMinute && m <= completes) {
                out.add(new Sample(cpu(warmUpId(w), at(m), quietCpu(w, m)), m == completes, false));
            }
        }
        Collections.shuffle(out, new Random(m));
        return out;
    }

    private int launchMinute(int probe) {
        return liveStartMinute + probe / probesPerMinute;
    }

    /** Warm-up probe {@code w} completes at data minute liveStartMinute + 1 + w. */
    private int warmUpLaunchMinute(int w) {
        return liveStartMinute + 1 + w - IDLE_MINUTES;
    }

    private Instant at(int minute) {
        return t0.plus(Duration.ofMinutes(minute));
    }

    /** The ARN of watched instance {@code i}; instance 0 has a GPU. */
    String watchedArn(int i) {
        return ResourceKind.EC2_INSTANCE.arn(REGION, ACCOUNT, watchedId(i));
    }

    /** Distinct, EC2-shaped ids (i- and 17 hex digits): watched from 0x1..., probes from 0x2..., warm-up probes from 0x3... */
    private static String watchedId(int i) {
        return String.format("i-1%016x", 0x5eed0000L + i);
    }

    private static String probeId(int j) {
        return String.format("i-2%016x", 0x5eed0000L + j);
    }

    private static String warmUpId(int w) {
        return String.format("i-3%016x", 0x5eed0000L + w);
    }

    /** Below the policy's 5% and never the same from minute to minute, as idle hosts report. */
    private static double quietCpu(int instance, int minute) {
        return 0.5 + ((instance * 7 + minute * 13) % 30) / 10.0;
    }

    private static MetricSample cpu(String instanceId, Instant t, double max) {
        return new MetricSample(MetricSample.SCHEMA_VERSION, ResourceKind.EC2_INSTANCE.arn(REGION, ACCOUNT, instanceId),
                ResourceKind.EC2_INSTANCE, ACCOUNT, REGION, "AWS/EC2", "CPUUtilization", Map.of("InstanceId", instanceId),
                t, max / 2, max, max * 0.75, 1, "Percent", "costwarden-metrics");
    }

    /** As the CloudWatch agent reports nvidia-smi: one datapoint per GPU index. */
    private static MetricSample gpu(String instanceId, Instant t, double max) {
        return new MetricSample(MetricSample.SCHEMA_VERSION, ResourceKind.EC2_INSTANCE.arn(REGION, ACCOUNT, instanceId),
                ResourceKind.EC2_INSTANCE, ACCOUNT, REGION, "CWAgent", "nvidia_smi_utilization_gpu",
                Map.of("InstanceId", instanceId, "index", "0", "name", "NVIDIA A10G", "arch", "Ampere"),
                t, max / 2, max, max * 0.75, 1, "Percent", "costwarden-metrics");
    }

    private static ResourceEvent launch(String instanceId, String type, int gpus, Instant t) {
        return new ResourceEvent(ResourceEvent.SCHEMA_VERSION, "bench-run-" + instanceId, "RunInstances", t, ACCOUNT,
                REGION, "arn:aws:sts::" + ACCOUNT + ":assumed-role/ml-research/ana", Verb.LAUNCH,
                ResourceKind.EC2_INSTANCE, ResourceKind.EC2_INSTANCE.arn(REGION, ACCOUNT, instanceId), instanceId, type, gpus,
                PurchaseOption.ON_DEMAND, Map.of("team", "ml-research", "project", "vision"), 1);
    }
}
