package io.costwarden.streams.idle;

import static io.costwarden.streams.Events.ACCOUNT;
import static io.costwarden.streams.Events.REGION;
import static io.costwarden.streams.Events.arn;
import static io.costwarden.streams.Events.launch;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.Finding;
import io.costwarden.model.MetricSample;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topics;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.inventory.InventoryTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For generated minute-by-minute CPU series, the detector reports exactly the quiet runs a plain reading
 * of the rule finds: a run starts at the launch or at the last datapoint at or above the threshold, and
 * is reported once, when it has lasted the duration. No run is missed, none is reported early or twice.
 *
 * <p>Series come from seeded random generation in plain JUnit (a failing seed reproduces), mixing mostly
 * quiet series with bursty ones, plus the edges: all quiet, all busy, a burst exactly at the boundary.
 */
class IdleWindowPropertiesTest {
    static final Instant T0 = Instant.parse("2026-11-20T09:00:00Z");
    static final int DURATION = 30;
    static final double THRESHOLD = 5;

    static Stream<List<Integer>> series() {
        Stream<List<Integer>> generated = IntStream.range(0, 25).mapToObj(seed -> {
            Random r = new Random(seed);
            int length = 1 + r.nextInt(150);
            // Each series has its own burst probability, from almost never to often.
            double busy = r.nextDouble() * 0.2;
            List<Integer> cpu = new ArrayList<>();
            for (int i = 0; i < length; i++) {
                cpu.add(r.nextDouble() < busy ? 5 + r.nextInt(90) : r.nextInt(5));
            }
            return cpu;
        });
        List<Integer> allQuiet = new ArrayList<>(java.util.Collections.nCopies(120, 1));
        List<Integer> allBusy = new ArrayList<>(java.util.Collections.nCopies(120, 50));
        List<Integer> burstAtTheBoundary = new ArrayList<>(java.util.Collections.nCopies(100, 0));
        burstAtTheBoundary.set(DURATION - 1, (int) THRESHOLD);
        return Stream.concat(generated, Stream.of(allQuiet, allBusy, burstAtTheBoundary));
    }

    @ParameterizedTest
    @MethodSource("series")
    void reportsExactlyTheQuietRunsThatLastTheDuration(List<Integer> cpu) throws Exception {
        assertThat(detected(cpu)).isEqualTo(expected(cpu));
    }

    /** The rule read literally: quiet since the launch or the last busy minute; reported when it reaches the duration. */
    static List<Long> expected(List<Integer> cpu) {
        List<Long> runs = new ArrayList<>();
        int quietSince = 0;
        Integer reported = null;
        for (int m = 1; m <= cpu.size(); m++) {
            if (cpu.get(m - 1) >= THRESHOLD) {
                quietSince = m;
            }
            if (m - quietSince >= DURATION && !Integer.valueOf(quietSince).equals(reported)) {
                reported = quietSince;
                runs.add(T0.plus(Duration.ofMinutes(quietSince)).toEpochMilli());
            }
        }
        return runs;
    }

    static List<Long> detected(List<Integer> cpu) throws Exception {
        PolicySet policies = PolicyFile.parse("p.yaml", """
                policies:
                  - name: idle
                    resource: ec2-instance
                    detect: {idle: {for: %dm, cpu-below: %s}}
                """.formatted(DURATION, THRESHOLD));
        StreamsBuilder builder = new StreamsBuilder();
        IdleTopology.build(builder, InventoryTopology.build(builder), () -> policies, new SimpleMeterRegistry());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "idle-property");
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props, T0)) {
            TestInputTopic<String, ResourceEvent> events = driver.createInputTopic(Topics.EVENTS.name(),
                    Topics.EVENTS.keySerde().serializer(), Topics.EVENTS.valueSerde().serializer());
            TestInputTopic<String, MetricSample> metrics = driver.createInputTopic(Topics.METRICS.name(),
                    Topics.METRICS.keySerde().serializer(), Topics.METRICS.valueSerde().serializer());
            ResourceEvent l = launch("i-p", "m5.large", 0, Map.of(), T0.toString());
            events.pipeInput(l.resourceId(), l);
            for (int m = 1; m <= cpu.size(); m++) {
                MetricSample s = new MetricSample(MetricSample.SCHEMA_VERSION, arn("i-p"), ResourceKind.EC2_INSTANCE, ACCOUNT,
                        REGION, "AWS/EC2", "CPUUtilization", Map.of("InstanceId", "i-p"), T0.plus(Duration.ofMinutes(m)),
                        0, cpu.get(m - 1), cpu.get(m - 1), 1, "Percent", "s");
                metrics.pipeInput(s.resourceId(), s);
            }
            return driver.createOutputTopic(Topics.FINDINGS.name(), Topics.FINDINGS.keySerde().deserializer(),
                    Topics.FINDINGS.valueSerde().deserializer()).readValuesToList().stream()
                    .map(Finding::triggerEventId).map(id -> Long.parseLong(id.substring("idle:".length()))).toList();
        }
    }
}
