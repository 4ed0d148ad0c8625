package io.costwarden.app.health;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.roles.Role;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Set;

/**
 * Registers at zero the counters that alert rules and dashboards watch but that only count rare things:
 * otherwise a counter first appears with its first increment, and a rate over a window that starts before
 * it reads as "no data" rather than as the 0 -> 1 step an alert is looking for.
 */
@ApplicationScoped
public class KnownSeries {
    static final List<String> BLOCK_REASONS = List.of("ActionsPaused", "AccountNotAllowed", "BlastRadiusLimit");
    static final List<String> INGEST_DLQ_REASONS = List.of("invalid-cloudtrail", "invalid-firehose-request", "sqs-message",
            "invalid-billing-line");

    void register(@Observes StartupEvent event, CostwardenConfig config, MeterRegistry meters) {
        Set<Role> roles = Role.parse(config.roles());
        if (roles.contains(Role.ACTIONS)) {
            BLOCK_REASONS.forEach(r -> meters.counter("costwarden.actions.blocked", "reason", r));
        }
        if (roles.contains(Role.STREAMS)) {
            meters.counter(io.costwarden.streams.idle.IdleTopology.UNREADABLE, "store", io.costwarden.streams.idle.IdleTopology.STORE);
        }
        if (roles.contains(Role.INGEST)) {
            INGEST_DLQ_REASONS.forEach(r -> meters.counter("costwarden.dlq", "reason", r));
        }
        if (roles.contains(Role.ALERTS)) {
            meters.counter("costwarden.dlq", "reason", "alert-delivery");
        }
        meters.counter("costwarden.stream.disconnected", "reason", "slow");
    }
}
