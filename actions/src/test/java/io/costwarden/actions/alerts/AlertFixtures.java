package io.costwarden.actions.alerts;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionResult;
import io.costwarden.model.DeadLetter;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.WireRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Findings reduced from the bundled CloudTrail sample of a p2.xlarge launched by Auto Scaling in
 * us-west-2 (panther__aws_ec2_launch_unusual_ec2_instances), and a harness that wires the alerts the
 * way the app does, with a hand-moved clock and recorded waits.
 */
final class AlertFixtures {
    static final Instant T0 = Instant.parse("2025-06-02T10:00:00Z");
    static final String INSTANCE = "i-07d06021b0da55115";
    static final String ARN = "arn:aws:ec2:us-west-2:111122223333:instance/" + INSTANCE;
    static final String POLICY = "gpu-launch-needs-team-tag";
    static final String SECRET = "whsec-0123456789abcdef0123456789abcdef";
    static final String ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF";
    static final URI API = URI.create("https://costwarden.example.com/");
    /** The default of costwarden.alerts.owner-tags. */
    static final List<String> OWNER_TAGS = List.of("owner", "costwarden:notify");
    static final RateLimit GENEROUS = new RateLimit(600, 100);

    private AlertFixtures() {
    }

    /** The launch finding at {@code state}, with the owner tag and channels given. */
    static Finding launch(FindingState state, Map<String, String> tags, List<String> channels, Duration grace,
            Mode mode) {
        String id = Ids.finding(POLICY, ARN, "panther-sample-event");
        Finding open = new Finding(Finding.SCHEMA_VERSION, id, null, POLICY, "v1", "launch", FindingState.OPEN,
                "detected", ARN, ResourceKind.EC2_INSTANCE, INSTANCE, "111122223333", "us-west-2", "p2.xlarge", 1,
                "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling", tags, "", Map.of(),
                List.of("instance type p2.xlarge is not allowed (allowed: t3.*, m5.*, g5.xlarge)",
                        "missing required tags: team"),
                ActionKind.STOP, mode, channels, T0, T0.plus(grace), T0, "panther-sample-event");
        String why = switch (state) {
            case OPEN -> grace.isZero() ? "detected" : "detected; stop after the grace period ends at " + T0.plus(grace);
            case ACTED -> "stop requested (" + mode.word() + ")";
            case CANCELLED -> "required tags added";
            case RESOLVED -> "resource stopped (StopInstances)";
        };
        Instant at = state == FindingState.OPEN ? T0 : T0.plus(grace).plusSeconds(1);
        return open.moveTo(state, why, at);
    }

    static Finding launch(FindingState state) {
        return launch(state, Map.of("owner", "ana"), List.of(), Duration.ZERO, Mode.DRY_RUN);
    }

    /** The spend detector's finding about a team. */
    static Finding teamSpend(FindingState state) {
        String id = Ids.finding("gpu-spend-per-team", "team=ml-research", "2025-06-02T09:00:00Z");
        Finding open = new Finding(Finding.SCHEMA_VERSION, id, null, "gpu-spend-per-team", "v1", "spend-rate",
                FindingState.OPEN, "detected", "", null, "", "", "", "", 0, "", Map.of(), "team=ml-research",
                Map.of("rateUsdPerHour", 21.96, "limit", 20.0),
                List.of("team=ml-research spends $21.96/h on GPUs, above $20.00/h"), ActionKind.NOTIFY, Mode.NOTIFY,
                List.of(), T0, T0, T0, "");
        return open.moveTo(state, state == FindingState.ACTED ? "grace ended with the condition holding; notify-only policy"
                : "detected", T0.plusSeconds(1));
    }

    static ActionResult result(Finding f, Outcome outcome, Instant at) {
        WireRequest wire = new WireRequest("ec2", "StopInstances", "POST", "https://ec2.us-west-2.amazonaws.com",
                Map.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                "Action=StopInstances&Version=2016-11-15&InstanceId.1=" + INSTANCE);
        return switch (outcome) {
            case FAILED -> new ActionResult(ActionResult.SCHEMA_VERSION, Ids.action(f.id(), ActionKind.STOP), f.id(),
                    f.policy(), ActionKind.STOP, Mode.ENFORCE, f.resourceId(), f.kind(), outcome, wire,
                    "IncorrectInstanceState", "The instance 'i-07d06021b0da55115' is not in a state from which it can be stopped.",
                    "59dbff89-35bd-4eac-99ed-be587EXAMPLE", at);
            default -> new ActionResult(ActionResult.SCHEMA_VERSION, Ids.action(f.id(), ActionKind.STOP), f.id(),
                    f.policy(), ActionKind.STOP, f.mode(), f.resourceId(), f.kind(), outcome, wire, "",
                    outcome == Outcome.DRY_RUN ? "policy mode is dry-run" : "", "", at);
        };
    }

    static AlertChannel slack(String name, URI url, RateLimit limit) {
        return AlertChannel.of(name, "slack", Optional.of(url), Optional.empty(), Optional.empty(), limit,
                EnumSet.noneOf(AlertKind.class));
    }

    static AlertChannel pagerDuty(String name, URI url) {
        return AlertChannel.of(name, "pagerduty", Optional.of(url), Optional.empty(), Optional.of(ROUTING_KEY), GENEROUS,
                EnumSet.noneOf(AlertKind.class));
    }

    static AlertChannel webhook(String name, URI url, RateLimit limit) {
        return AlertChannel.of(name, "webhook", Optional.of(url), Optional.of(SECRET), Optional.empty(), limit,
                EnumSet.noneOf(AlertKind.class));
    }

    /** Everything wired as the app wires it, over a test clock; waits are recorded and move the clock. */
    static final class Harness {
        final TestClock clock = new TestClock(T0.plusSeconds(5));
        final List<Duration> waits = new ArrayList<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        final Map<String, AlertChannel> channels = new LinkedHashMap<>();
        final Map<String, String> ownerRoutes = new LinkedHashMap<>();
        Optional<String> defaultChannel = Optional.empty();
        Optional<String> ownerSlack = Optional.empty();
        AlertDelivery.Settings settings = new AlertDelivery.Settings(4, Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(5), Duration.ofMinutes(1));
        private Alerts alerts;

        Harness channel(AlertChannel c) {
            channels.put(c.name(), c);
            return this;
        }

        Alerts alerts() {
            if (alerts == null) {
                AlertRouting routing = new AlertRouting(channels, defaultChannel, OWNER_TAGS, ownerRoutes, ownerSlack);
                AlertEvents events = new AlertEvents(OWNER_TAGS,
                        (type, region) -> type.equals("p2.xlarge") && region.equals("us-west-2")
                                ? Optional.of(new BigDecimal("0.90")) : Optional.empty(),
                        policy -> List.of());
                AlertDelivery delivery = new AlertDelivery(AlertDelivery.httpClient(Duration.ofSeconds(2)),
                        new AlertLinks(API), settings, (key, letter) -> deadLetters.add(letter), d -> {
                            waits.add(d);
                            clock.advance(d);
                        }, clock, new Random(7), meters);
                alerts = new Alerts(events, routing, delivery, id -> Optional.empty(), Duration.ofHours(1), clock, meters);
            }
            return alerts;
        }

        double counted(String name, String... tags) {
            var c = meters.find(name).tags(tags).counter();
            return c == null ? 0 : c.count();
        }
    }
}
