package io.costwarden.app.health;

import io.costwarden.app.roles.ActionsRole;
import io.costwarden.app.roles.StreamsRole;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when each Kafka Streams role this instance runs is running (a rebalance counts: it is brief and
 * normal, and failing readiness then would only make a cluster flap). Alive unless a role has died.
 */
public final class RolesHealth {
    private static final Set<KafkaStreams.State> READY = EnumSet.of(KafkaStreams.State.RUNNING,
            KafkaStreams.State.REBALANCING);
    private static final Set<KafkaStreams.State> DEAD = EnumSet.of(KafkaStreams.State.ERROR,
            KafkaStreams.State.NOT_RUNNING, KafkaStreams.State.PENDING_ERROR);

    private RolesHealth() {
    }

    static HealthCheckResponse check(String name, Optional<KafkaStreams> streams, Set<KafkaStreams.State> bad, boolean wantIn) {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(name);
        if (streams.isEmpty()) {
            return b.up().withData("role", "not enabled here").build();
        }
        KafkaStreams.State state = streams.get().state();
        boolean ok = wantIn ? bad.contains(state) : !bad.contains(state);
        return b.status(ok).withData("state", state.name()).build();
    }

    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        private final StreamsRole streams;
        private final ActionsRole actions;

        public Ready(StreamsRole streams, ActionsRole actions) {
            this.streams = streams;
            this.actions = actions;
        }

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponse s = check("streams", streams.streams(), READY, true);
            HealthCheckResponse a = check("actions", actions.streams(), READY, true);
            return HealthCheckResponse.named("costwarden-roles")
                    .status(s.getStatus() == HealthCheckResponse.Status.UP && a.getStatus() == HealthCheckResponse.Status.UP)
                    .withData("streams", s.getData().map(d -> String.valueOf(d.values().iterator().next())).orElse(""))
                    .withData("actions", a.getData().map(d -> String.valueOf(d.values().iterator().next())).orElse(""))
                    .build();
        }
    }

    @Liveness
    @ApplicationScoped
    public static class Alive implements HealthCheck {
        private final StreamsRole streams;
        private final ActionsRole actions;

        public Alive(StreamsRole streams, ActionsRole actions) {
            this.streams = streams;
            this.actions = actions;
        }

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponse s = check("streams", streams.streams(), DEAD, false);
            HealthCheckResponse a = check("actions", actions.streams(), DEAD, false);
            return HealthCheckResponse.named("costwarden-roles-alive")
                    .status(s.getStatus() == HealthCheckResponse.Status.UP && a.getStatus() == HealthCheckResponse.Status.UP)
                    .build();
        }
    }
}
