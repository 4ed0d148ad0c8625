package io.costwarden.streams.decisions;

import static io.costwarden.streams.Events.event;
import static io.costwarden.streams.Events.launch;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.Finding;
import io.costwarden.model.Verb;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.Pipeline;
import io.costwarden.streams.launch.LaunchPolicyTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generated histories of one resource under a tag policy with a grace period: tags fixed and broken,
 * stops and starts, exemption tags added and removed, and the wall clock moving on. The decision step
 * must produce exactly the transitions, and the action requests, that a plain reading of the lifecycle
 * gives: open on a violation (unless exempt or one is current), acted once when the grace ends still
 * open, cancelled when the condition clears or an exemption appears first, resolved when it clears
 * after acting, never acting twice.
 *
 * <p>Seeded random generation in plain JUnit: a failing seed is its parameter index and reproduces.
 */
class DecisionLifecyclePropertiesTest {
    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    static final Duration GRACE = Duration.ofMinutes(10);

    enum Op { FIX_TAGS, BREAK_TAGS, STOP, START, EXEMPT, UNEXEMPT, WAIT }

    static Stream<Long> seeds() {
        return IntStream.range(0, 60).mapToObj(i -> (long) i);
    }

    static List<Op> history(long seed) {
        Random r = new Random(seed);
        List<Op> ops = new ArrayList<>();
        int n = 5 + r.nextInt(30);
        for (int i = 0; i < n; i++) {
            ops.add(Op.values()[r.nextInt(Op.values().length)]);
        }
        return ops;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void theDecisionStepFollowsTheLifecycle(long seed) throws Exception {
        List<Op> ops = history(seed);
        Random waits = new Random(seed * 31 + 7);
        List<Integer> minutes = ops.stream().map(op -> op == Op.WAIT ? waits.nextInt(15) : 0).toList();
        assertThat(actual(ops, minutes)).as("history %s", ops).isEqualTo(expected(ops, minutes));
    }

    /**
     * The lifecycle read literally. A violation is judged at the launch, at a start, and at a tag change
     * while the resource runs; a stop ends the current finding; an exemption cancels an open one.
     */
    static List<String> expected(List<Op> ops, List<Integer> minutes) {
        List<String> out = new ArrayList<>();
        boolean tagged = false;
        boolean exempt = false;
        boolean running = true;
        String current = "open";
        Instant now = T0;
        Instant actAfter = now.plus(GRACE);
        out.add("open");
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            switch (op) {
                case FIX_TAGS -> {
                    tagged = true;
                    current = end(current, out);
                }
                case EXEMPT -> {
                    exempt = true;
                    if ("open".equals(current)) {
                        current = end(current, out);
                    }
                }
                case STOP -> {
                    current = running ? end(current, out) : current;
                    running = false;
                }
                case BREAK_TAGS, UNEXEMPT, START -> {
                    tagged = op != Op.BREAK_TAGS && tagged;
                    exempt = op != Op.UNEXEMPT && exempt;
                    running = running || op == Op.START;
                    if (running && !tagged && !exempt && current == null) {
                        current = "open";
                        actAfter = now.plus(GRACE);
                        out.add("open");
                    }
                }
                case WAIT -> {
                    now = now.plus(Duration.ofMinutes(minutes.get(i)));
                    if ("open".equals(current) && !actAfter.isAfter(now)) {
                        current = "acted";
                        out.add("acted");
                        out.add("request");
                    }
                }
            }
        }
        return out;
    }

    private static String end(String current, List<String> out) {
        if (current != null) {
            out.add(current.equals("acted") ? "resolved" : "cancelled");
        }
        return null;
    }

    static List<String> actual(List<Op> ops, List<Integer> minutes) throws Exception {
        PolicySet policies = PolicyFile.parse("p.yaml", """
                policies:
                  - name: team-tag
                    resource: ec2-instance
                    detect: {launch: {required-tags: [team]}}
                    action: stop
                    mode: enforce
                    grace: 10m
                """);
        List<String> out = new ArrayList<>();
        try (Pipeline p = new Pipeline(() -> policies, new SimpleMeterRegistry(), T0,
                (builder, changes) -> LaunchPolicyTopology.build(builder, changes, () -> policies))) {
            Instant at = T0;
            p.send(launch("i-1", "m5.large", 0, Map.of(), at.toString()));
            collect(p, out);
            for (int i = 0; i < ops.size(); i++) {
                at = at.plusSeconds(1);
                String t = at.toString();
                switch (ops.get(i)) {
                    case FIX_TAGS -> p.send(event("CreateTags", Verb.TAG, "i-1", "", 0, Map.of("team", "ml"), t));
                    case BREAK_TAGS -> p.send(event("DeleteTags", Verb.UNTAG, "i-1", "", 0, Map.of("team", ""), t));
                    case STOP -> p.send(event("StopInstances", Verb.STOP, "i-1", "", 0, Map.of(), t));
                    case START -> p.send(event("StartInstances", Verb.START, "i-1", "", 0, Map.of(), t));
                    case EXEMPT -> p.send(event("CreateTags", Verb.TAG, "i-1", "", 0, Map.of("costwarden:exempt", ""), t));
                    case UNEXEMPT -> p.send(event("DeleteTags", Verb.UNTAG, "i-1", "", 0, Map.of("costwarden:exempt", ""), t));
                    case WAIT -> p.advance(Duration.ofMinutes(minutes.get(i)));
                }
                collect(p, out);
            }
        }
        return out;
    }

    private static void collect(Pipeline p, List<String> out) {
        for (Finding f : p.transitions()) {
            out.add(f.state().word());
            if (f.state() == io.costwarden.model.FindingState.ACTED) {
                out.addAll(p.actions().stream().map(a -> "request").toList());
            }
        }
        assertThat(p.actions()).as("requests only come with an acted transition").isEmpty();
    }
}
