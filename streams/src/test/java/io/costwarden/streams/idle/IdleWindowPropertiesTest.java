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
import io.costwarden.streams.Pipeline;
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
 * For generated minute-by-minute CPU series, the detector and the decision step produce exactly the
 * findings a plain reading of the rule finds: a run starts at the launch or at the last datapoint at or
 * above the threshold, and is opened once, when it has lasted the duration; activity during the grace
 * cancels it; a run that outlasts the grace is acted on. No run is missed, none is reported early or twice.
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

    /**
     * The rule read literally: quiet since the launch or the last busy minute; opened when the run reaches
     * the duration; activity after that cancels it (the grace has not ended: the wall clock stands still
     * while the series plays); a run still open at the end is acted on once the grace ends.
     */
    static List<String> expected(List<Integer> cpu) {
        List<String> transitions = new ArrayList<>();
        int quietSince = 0;
        Integer reported = null;
        for (int m = 1; m <= cpu.size(); m++) {
            if (cpu.get(m - 1) >= THRESHOLD) {
                quietSince = m;
                if (reported != null) {
                    transitions.add("cancelled " + reported);
                    reported = null;
                }
            }
            if (m - quietSince >= DURATION && !Integer.valueOf(quietSince).equals(reported)) {
                reported = quietSince;
                transitions.add("open " + quietSince);
            }
        }
        if (reported != null) {
            transitions.add("acted " + reported);
        }
        return transitions;
    }

    static List<String> detected(List<Integer> cpu) throws Exception {
        PolicySet policies = PolicyFile.parse("p.yaml", """
                policies:
                  - name: idle
                    resource: ec2-instance
                    detect: {idle: {for: %dm, cpu-below: %s}}
                    grace: 10m
                """.formatted(DURATION, THRESHOLD));
        try (Pipeline pipeline = new Pipeline(() -> policies, new SimpleMeterRegistry(), T0,
                (builder, changes) -> IdleTopology.build(builder, changes, () -> policies, new SimpleMeterRegistry()))) {
            pipeline.send(launch("i-p", "m5.large", 0, Map.of(), T0.toString()));
            for (int m = 1; m <= cpu.size(); m++) {
                pipeline.send(new MetricSample(MetricSample.SCHEMA_VERSION, arn("i-p"), ResourceKind.EC2_INSTANCE, ACCOUNT,
                        REGION, "AWS/EC2", "CPUUtilization", Map.of("InstanceId", "i-p"), T0.plus(Duration.ofMinutes(m)),
                        0, cpu.get(m - 1), cpu.get(m - 1), 1, "Percent", "s"));
            }
            // Past the grace, but short of the duration of silence the wall-clock check would also judge.
            pipeline.advance(Duration.ofMinutes(11));
            return pipeline.transitions().stream().map(f -> f.state().word() + " "
                    + Duration.between(T0, Instant.ofEpochMilli(Long.parseLong(f.triggerEventId().substring("idle:".length()))))
                    .toMinutes()).toList();
        }
    }
}
