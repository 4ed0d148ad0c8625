package io.costwarden.streams.idle;

import static io.costwarden.streams.Events.ACCOUNT;
import static io.costwarden.streams.Events.REGION;
import static io.costwarden.streams.Events.arn;
import static io.costwarden.streams.Events.event;
import static io.costwarden.streams.Events.launch;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.Finding;
import io.costwarden.model.MetricSample;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topics;
import io.costwarden.model.Verb;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.Pipeline;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Time is driven explicitly: sample times for event time, advanceWallClockTime for silence. */
class IdleTopologyTest {
    static final Instant T0 = Instant.parse("2026-11-20T09:00:00Z");

    private Pipeline pipeline;

    void start(String missingData) throws InvalidPolicyException {
        PolicySet policies = PolicyFile.parse("p.yaml", """
                policies:
                  - name: idle-gpu-hosts
                    resource: ec2-instance
                    detect:
                      idle:
                        for: 60m
                        cpu-below: 5
                        gpu-below: 10
                        missing-data: %s
                    action: stop
                """.formatted(missingData));
        pipeline = new Pipeline(() -> policies, new SimpleMeterRegistry(), T0,
                (builder, changes) -> IdleTopology.build(builder, changes, () -> policies, new SimpleMeterRegistry()));
        ResourceEvent l = launch("i-gpu", "g5.12xlarge", 4, Map.of("team", "vision"), T0.toString());
        pipeline.send(l);
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    /** One datapoint per minute for every GPU and the CPU, from {@code fromMinute} to {@code toMinute}. */
    void minutes(int fromMinute, int toMinute, double cpu, double... gpus) {
        for (int m = fromMinute; m <= toMinute; m++) {
            Instant t = T0.plus(Duration.ofMinutes(m));
            send("AWS/EC2", "CPUUtilization", Map.of("InstanceId", "i-gpu"), t, cpu);
            for (int g = 0; g < gpus.length; g++) {
                send("CWAgent", "nvidia_smi_utilization_gpu", Map.of("InstanceId", "i-gpu", "index", String.valueOf(g)), t, gpus[g]);
            }
        }
    }

    void send(String namespace, String metric, Map<String, String> dims, Instant t, double max) {
        MetricSample s = new MetricSample(MetricSample.SCHEMA_VERSION, arn("i-gpu"), ResourceKind.EC2_INSTANCE, ACCOUNT, REGION,
                namespace, metric, dims, t, max / 2, max, max, 1, "Percent", "s");
        pipeline.send(s);
    }

    @Test
    void quietForTheWholeDurationIsOneFinding() throws InvalidPolicyException {
        start("active");
        minutes(1, 59, 1, 0, 0, 0, 0);
        assertThat(pipeline.opened().isEmpty()).as("59 minutes is not yet 60").isTrue();
        minutes(60, 90, 1, 0, 0, 0, 0);
        List<Finding> out = pipeline.opened();
        assertThat(out).singleElement().satisfies(f -> {
            assertThat(f.detector()).isEqualTo("idle");
            assertThat(f.resourceId()).isEqualTo(arn("i-gpu"));
            assertThat(f.gpuCount()).isEqualTo(4);
            assertThat(f.triggerEventId()).isEqualTo("idle:" + T0.toEpochMilli());
            assertThat(f.reason()).startsWith("idle for 60 min (since 2026-11-20T09:00:00Z");
        });
    }

    @Test
    void aGpuKernelBusyOnTheGpuWithAnIdleCpuIsNotIdle() throws InvalidPolicyException {
        start("active");
        minutes(1, 120, 1, 0, 0, 95, 0);
        assertThat(pipeline.opened().isEmpty()).isTrue();
    }

    @Test
    void theRuleHoldsOverTheWholeDurationNotJustTheFirstDatapoint() throws InvalidPolicyException {
        start("active");
        minutes(1, 30, 1, 0, 0, 0, 0);
        minutes(31, 31, 80, 0, 0, 0, 0);
        minutes(32, 90, 1, 0, 0, 0, 0);
        assertThat(pipeline.opened().isEmpty()).as("active at minute 31: quiet only since then").isTrue();
        minutes(91, 91, 1, 0, 0, 0, 0);
        assertThat(pipeline.opened()).singleElement()
                .satisfies(f -> assertThat(f.triggerEventId()).isEqualTo("idle:" + T0.plus(Duration.ofMinutes(31)).toEpochMilli()));
    }

    @Test
    void anInstanceWithoutGpusIsJudgedOnCpuAlone() throws InvalidPolicyException {
        start("active");
        ResourceEvent cpuOnly = launch("i-cpu", "m5.large", 0, Map.of(), T0.toString());
        pipeline.send(cpuOnly);
        for (int m = 1; m <= 61; m++) {
            MetricSample s = new MetricSample(MetricSample.SCHEMA_VERSION, arn("i-cpu"), ResourceKind.EC2_INSTANCE, ACCOUNT,
                    REGION, "AWS/EC2", "CPUUtilization", Map.of("InstanceId", "i-cpu"), T0.plus(Duration.ofMinutes(m)),
                    0.5, 1, 1, 1, "Percent", "s");
            pipeline.send(s);
        }
        assertThat(pipeline.opened()).singleElement().satisfies(f -> assertThat(f.resourceId()).isEqualTo(arn("i-cpu")));
    }

    @Test
    void theWallClockCheckWaitsForDataThatIsStillOnItsWay() throws InvalidPolicyException {
        start("active");
        minutes(1, 50, 1, 0, 0, 0, 0);
        // Metrics lag by minutes: at 65 min of wall clock only 50 minutes are known quiet.
        pipeline.advance(Duration.ofMinutes(65));
        assertThat(pipeline.opened().isEmpty()).isTrue();
        minutes(51, 60, 1, 0, 0, 0, 0);
        assertThat(pipeline.opened()).hasSize(1);
    }

    @Test
    void aResourceFirstSeenThroughATagIsStillWatched() throws InvalidPolicyException {
        start("active");
        ResourceEvent tag = event("CreateTags", Verb.TAG, "i-old", "", 0, Map.of("team", "x"), T0.toString());
        pipeline.send(tag);
        for (int m = 1; m <= 61; m++) {
            MetricSample s = new MetricSample(MetricSample.SCHEMA_VERSION, arn("i-old"), ResourceKind.EC2_INSTANCE, ACCOUNT,
                    REGION, "AWS/EC2", "CPUUtilization", Map.of("InstanceId", "i-old"), T0.plus(Duration.ofMinutes(m)),
                    0.5, 1, 1, 1, "Percent", "s");
            pipeline.send(s);
            MetricSample g = new MetricSample(MetricSample.SCHEMA_VERSION, arn("i-old"), ResourceKind.EC2_INSTANCE, ACCOUNT,
                    REGION, "CWAgent", "nvidia_smi_utilization_gpu", Map.of("InstanceId", "i-old", "index", "0"),
                    T0.plus(Duration.ofMinutes(m)), 0, 0, 0, 1, "Percent", "s");
            pipeline.send(g);
        }
        // Its state is "unknown" (no launch seen), yet it runs: its metrics say so.
        assertThat(pipeline.opened()).singleElement().satisfies(f -> assertThat(f.resourceId()).isEqualTo(arn("i-old")));
    }

    @Test
    void aTerminatedResourceIsForgotten() throws InvalidPolicyException {
        start("idle");
        minutes(1, 5, 1, 0, 0, 0, 0);
        ResourceEvent gone = event("TerminateInstances", Verb.TERMINATE, "i-gpu", "", 0, Map.of(), T0.plus(Duration.ofMinutes(6)).toString());
        pipeline.send(gone);
        assertThat((Object) pipeline.driver().getKeyValueStore(IdleTopology.STORE).get(arn("i-gpu"))).isNull();
        pipeline.advance(Duration.ofHours(3));
        assertThat(pipeline.opened().isEmpty()).isTrue();
    }

    @Test
    void aStoppedResourceIsNeverIdle() throws InvalidPolicyException {
        start("idle");
        minutes(1, 30, 1, 0, 0, 0, 0);
        ResourceEvent stop = event("StopInstances", Verb.STOP, "i-gpu", "", 0, Map.of(), T0.plus(Duration.ofMinutes(31)).toString());
        pipeline.send(stop);
        minutes(32, 120, 1, 0, 0, 0, 0);
        pipeline.advance(Duration.ofHours(3));
        assertThat(pipeline.opened().isEmpty()).isTrue();
    }

    @Test
    void silenceIsIdleOnlyWhenThePolicySaysSo() throws InvalidPolicyException {
        start("idle");
        minutes(1, 5, 1, 0, 0, 0, 0);
        pipeline.advance(Duration.ofMinutes(70));
        assertThat(pipeline.opened()).as("no data for 65 minutes, missing-data: idle").hasSize(1);
        stop();

        start("active");
        minutes(1, 5, 1, 0, 0, 0, 0);
        pipeline.advance(Duration.ofMinutes(70));
        assertThat(pipeline.opened().isEmpty()).as("missing-data: active").isTrue();
    }
}
