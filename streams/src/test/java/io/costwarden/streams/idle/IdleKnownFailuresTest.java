package io.costwarden.streams.idle;

import static io.costwarden.streams.Events.ACCOUNT;
import static io.costwarden.streams.Events.REGION;
import static io.costwarden.streams.Events.arn;
import static io.costwarden.streams.Events.event;
import static io.costwarden.streams.Events.launch;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.MetricSample;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Verb;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.Pipeline;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cases other idle-notebook tools are known to get wrong, one test each, through the real
 * inventory, idle detector and decision step. Notebook activity arrives as the metrics that
 * deploy/sagemaker/notebook-activity publishes (namespace Costwarden/Notebook).
 */
class IdleKnownFailuresTest {
    static final Instant T0 = Instant.parse("2026-11-20T09:00:00Z");
    static final String APP = "d-abc123/ana/jupyterlab/default";
    static final String POLICIES = """
            policies:
              - name: idle-gpu-hosts
                resource: ec2-instance
                detect: {idle: {for: 60m, cpu-below: 5, gpu-below: 10, network-below: 50KB/s}}
                grace: 30m
              - name: idle-notebooks
                resource: sagemaker-notebook
                detect: {idle: {for: 60m, cpu-below: 5, notebook-activity: true}}
              - name: idle-studio-apps
                resource: sagemaker-app
                detect: {idle: {for: 60m, notebook-activity: true, missing-data: idle}}
            """;

    private Pipeline pipeline;

    void start() throws InvalidPolicyException {
        PolicySet policies = PolicyFile.parse("p.yaml", POLICIES);
        pipeline = new Pipeline(() -> policies, new SimpleMeterRegistry(), T0,
                (builder, changes) -> IdleTopology.build(builder, changes, () -> policies, new SimpleMeterRegistry()));
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    void sample(ResourceKind kind, String nativeId, String namespace, String metric, Map<String, String> dims, int minute,
            double min, double max) {
        pipeline.send(new MetricSample(MetricSample.SCHEMA_VERSION, kind.arn(REGION, ACCOUNT, nativeId), kind, ACCOUNT,
                REGION, namespace, metric, dims, T0.plus(Duration.ofMinutes(minute)), min, max, max, 1, "", "s"));
    }

    /** The GPU host: CPU, four GPUs and network each minute. */
    void host(int from, int to, double cpu, double gpu3, double networkBytesPerMinute) {
        for (int m = from; m <= to; m++) {
            sample(ResourceKind.EC2_INSTANCE, "i-gpu", "AWS/EC2", "CPUUtilization", Map.of("InstanceId", "i-gpu"), m, cpu, cpu);
            for (int g = 0; g < 4; g++) {
                double v = g == 3 ? gpu3 : 0;
                sample(ResourceKind.EC2_INSTANCE, "i-gpu", "CWAgent", "nvidia_smi_utilization_gpu",
                        Map.of("InstanceId", "i-gpu", "index", String.valueOf(g)), m, v, v);
            }
            for (String dir : new String[] {"NetworkIn", "NetworkOut"}) {
                sample(ResourceKind.EC2_INSTANCE, "i-gpu", "AWS/EC2", dir, Map.of("InstanceId", "i-gpu"), m,
                        networkBytesPerMinute, networkBytesPerMinute);
            }
        }
    }

    /** A notebook's minute: CPU quiet, and the publisher's SecondsSinceLastActivity and BusyKernels. */
    void notebook(int from, int to, IntToDoubleFunction secondsSinceActivity, int busyKernels) {
        for (int m = from; m <= to; m++) {
            Map<String, String> dims = Map.of("NotebookInstanceName", "research");
            sample(ResourceKind.SAGEMAKER_NOTEBOOK, "research", "AWS/SageMaker", "CPUUtilization", dims, m, 1, 1);
            double s = secondsSinceActivity.applyAsDouble(m);
            sample(ResourceKind.SAGEMAKER_NOTEBOOK, "research", "Costwarden/Notebook", "SecondsSinceLastActivity", dims, m, s, s);
            sample(ResourceKind.SAGEMAKER_NOTEBOOK, "research", "Costwarden/Notebook", "BusyKernels", dims, m,
                    busyKernels, busyKernels);
        }
    }

    @Test
    void aGpuKernelBusyOnTheGpuWithAnIdleCpuIsNotIdle() throws InvalidPolicyException {
        start();
        pipeline.send(launch("i-gpu", "g5.12xlarge", 4, Map.of(), T0.toString()));
        host(1, 120, 1, 97, 0);
        assertThat(pipeline.opened()).isEmpty();
        // The same notebook kernel, seen by the publisher: busy, though the CPU is idle.
        notebook(1, 120, m -> 0, 1);
        assertThat(pipeline.opened()).isEmpty();
    }

    @Test
    void anOpenTerminalWithRecentActivityCountsAsActivity() throws InvalidPolicyException {
        start();
        // No kernel has run since the start; a terminal was used at minute 40 (20 s before that minute's sample).
        notebook(1, 90, m -> m < 40 ? m * 60 : (m - 40) * 60 + 20, 0);
        assertThat(pipeline.opened()).as("quiet only since the terminal use at 39m40s").isEmpty();
        notebook(91, 100, m -> (m - 40) * 60 + 20, 0);
        assertThat(pipeline.opened()).singleElement().satisfies(f -> assertThat(f.triggerEventId())
                .isEqualTo("idle:" + T0.plus(Duration.ofMinutes(39)).plusSeconds(40).toEpochMilli()));
    }

    @Test
    void aStudioAppWithNoKernelsAtAllIsIdle() throws InvalidPolicyException {
        start();
        Map<String, String> dims = Map.of("DomainId", "d-abc123", "UserProfileName", "ana", "AppType", "JupyterLab",
                "AppName", "default");
        for (int m = 1; m <= 61; m++) {
            // No kernels, no terminals: the publisher counts from the server's start at T0.
            sample(ResourceKind.SAGEMAKER_APP, APP, "Costwarden/Notebook", "SecondsSinceLastActivity", dims, m, m * 60, m * 60);
            sample(ResourceKind.SAGEMAKER_APP, APP, "Costwarden/Notebook", "Kernels", dims, m, 0, 0);
        }
        assertThat(pipeline.opened()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(ResourceKind.SAGEMAKER_APP);
            assertThat(f.resourceId()).isEqualTo(ResourceKind.SAGEMAKER_APP.arn(REGION, ACCOUNT, APP));
        });
    }

    @Test
    void aKernelStuckInStartingForLongerThanTheDurationIsIdle() throws InvalidPolicyException {
        start();
        // A kernel that started at minute 2 and never left `starting`: not busy, its last activity never moves.
        notebook(1, 63, m -> Math.max(0, (m - 2) * 60), 0);
        assertThat(pipeline.opened()).singleElement().satisfies(f -> assertThat(f.triggerEventId())
                .isEqualTo("idle:" + T0.plus(Duration.ofMinutes(2)).toEpochMilli()));
    }

    @Test
    void activityOrAStopCancelsAPendingIdleFinding() throws InvalidPolicyException {
        start();
        pipeline.send(launch("i-gpu", "g5.12xlarge", 4, Map.of(), T0.toString()));
        host(1, 61, 1, 0, 1000);
        assertThat(pipeline.opened()).hasSize(1);
        host(62, 62, 80, 0, 1000);
        assertThat(pipeline.transitions()).singleElement().satisfies(f -> {
            assertThat(f.state()).isEqualTo(FindingState.CANCELLED);
            assertThat(f.stateReason()).startsWith("active again at 2026-11-20T10:02:00Z");
        });
        host(63, 123, 1, 0, 1000);
        assertThat(pipeline.opened()).as("a new quiet run is a new finding").hasSize(1);
        pipeline.send(event("StopInstances", Verb.STOP, "i-gpu", "", 0, Map.of(), T0.plus(Duration.ofMinutes(124)).toString()));
        assertThat(pipeline.transitions()).extracting(Finding::state).containsExactly(FindingState.CANCELLED);
        pipeline.advance(Duration.ofHours(1));
        assertThat(pipeline.actions()).isEmpty();
    }

    @Test
    void networkTrafficIsActivity() throws InvalidPolicyException {
        start();
        pipeline.send(launch("i-gpu", "g5.12xlarge", 4, Map.of(), T0.toString()));
        // 6 MB a minute is 100 KB/s: a download or a data loader, though CPU and GPUs look idle.
        host(1, 120, 1, 0, 6_000_000);
        assertThat(pipeline.opened()).isEmpty();
    }

    @Test
    void checkingOnlyTheFirstDatapointIsNotEnough() throws InvalidPolicyException {
        start();
        pipeline.send(launch("i-gpu", "g5.12xlarge", 4, Map.of(), T0.toString()));
        host(1, 59, 1, 0, 0);
        host(60, 60, 1, 40, 0);
        host(61, 100, 1, 0, 0);
        assertThat(pipeline.opened()).as("a GPU burst at minute 60 restarts the hour").isEmpty();
        host(101, 120, 1, 0, 0);
        assertThat(pipeline.opened()).singleElement().satisfies(f -> assertThat(f.triggerEventId())
                .isEqualTo("idle:" + T0.plus(Duration.ofMinutes(60)).toEpochMilli()));
    }
}
