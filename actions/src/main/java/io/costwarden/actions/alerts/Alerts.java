package io.costwarden.actions.alerts;

import io.costwarden.model.ActionResult;
import io.costwarden.model.Finding;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns finding transitions and action results into messages, once each: events are routed to their
 * targets, and every (event id, target) that was delivered, dead-lettered or held back by a rate limit
 * is remembered in a bounded store, so a record read again (a rebalance, a retried batch, a transition
 * written twice) sends nothing new. Across restarts the consumer group's committed offsets do that
 * work ({@link AlertConsumer}).
 *
 * <p>An action result needs its finding for the owner, tags, spend rate and the policy's channels. The
 * finding's transitions are read from the findings topic (here, or through {@code lookup}, which the app
 * backs with the API's view of every partition). A result whose finding is not known yet is held by the
 * caller and offered again until {@code giveUp}; then it is sent with what the result itself says.
 *
 * <p>Alerts older than {@code maxAge} are not sent: after an outage or on a first start over an old
 * topic, people need the findings in the API, not an hour of stale messages.
 */
public final class Alerts {
    private static final Logger LOG = LoggerFactory.getLogger(Alerts.class);
    static final int DELIVERED_CAPACITY = 100_000;
    static final int FINDINGS_CAPACITY = 10_000;

    private final AlertEvents events;
    private final AlertRouting routing;
    private final AlertDelivery delivery;
    private final Function<String, Optional<Finding>> lookup;
    private final Duration maxAge;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Map<String, Boolean> done = bounded(DELIVERED_CAPACITY);
    private final Map<String, Finding> findings = bounded(FINDINGS_CAPACITY);

    /**
     * @param lookup a finding by id from elsewhere (the app's view of all partitions); may answer empty
     */
    public Alerts(AlertEvents events, AlertRouting routing, AlertDelivery delivery,
            Function<String, Optional<Finding>> lookup, Duration maxAge, Clock clock, MeterRegistry meters) {
        this.events = events;
        this.routing = routing;
        this.delivery = delivery;
        this.lookup = lookup;
        this.maxAge = maxAge;
        this.clock = clock;
        this.meters = meters;
    }

    private static <V> Map<String, V> bounded(int limit) {
        return new LinkedHashMap<>(256, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > limit;
            }
        };
    }

    /** @return how many messages went out (delivered or dead-lettered) */
    public int onFinding(Finding f) throws InterruptedException {
        if (f.id() == null) {
            return 0;
        }
        // Remove first so a finding's newest transition is the youngest entry and is evicted last.
        findings.remove(f.id());
        findings.put(f.id(), f);
        Optional<AlertEvent> e = events.of(f);
        return e.isPresent() ? send(e.get()) : 0;
    }

    /**
     * @param giveUp send even without the finding (it was waited for long enough)
     * @return empty when the result should be offered again later; else how many messages went out
     */
    public Optional<Integer> onResult(ActionResult r, boolean giveUp) throws InterruptedException {
        Optional<Finding> finding = finding(r.findingId());
        if (finding.isEmpty() && !giveUp && AlertEvents.kindOf(r).isPresent()) {
            return Optional.empty();
        }
        if (finding.isEmpty() && AlertEvents.kindOf(r).isPresent()) {
            LOG.info("action {}: finding {} not seen; alerting with what the result says", r.actionId(), r.findingId());
        }
        Optional<AlertEvent> e = events.of(r, finding);
        return Optional.of(e.isPresent() ? send(e.get()) : 0);
    }

    /** Summaries of held-back messages, whose rate limit may allow them now. */
    public void tick() throws InterruptedException {
        delivery.flushSummaries();
    }

    private Optional<Finding> finding(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Finding f = findings.get(id);
        if (f != null) {
            return Optional.of(f);
        }
        try {
            return lookup.apply(id);
        } catch (RuntimeException e) {
            LOG.debug("finding lookup failed: {}", e.toString());
            return Optional.empty();
        }
    }

    private int send(AlertEvent e) throws InterruptedException {
        if (e.at().isBefore(clock.instant().minus(maxAge))) {
            meters.counter("costwarden.alerts.skipped", "reason", "stale").increment();
            LOG.debug("alert {} ({}) from {} is older than {}; not sent", e.id(), e.kind().word(), e.at(), maxAge);
            return 0;
        }
        List<AlertTarget> targets = routing.targets(e);
        if (targets.isEmpty()) {
            meters.counter("costwarden.alerts.skipped", "reason", "unrouted").increment();
            return 0;
        }
        int sent = 0;
        for (AlertTarget t : targets) {
            String key = e.id() + "|" + t.key();
            if (done.containsKey(key)) {
                meters.counter("costwarden.alerts", "channel", t.channel().name(), "type", e.kind().word(),
                        "result", "duplicate").increment();
                continue;
            }
            AlertDelivery.Result r = delivery.send(e, t);
            if (r != AlertDelivery.Result.NOT_FOR_CHANNEL) {
                done.put(key, Boolean.TRUE);
            }
            if (r == AlertDelivery.Result.DELIVERED || r == AlertDelivery.Result.DEAD_LETTERED) {
                sent++;
            }
        }
        return sent;
    }
}
