package io.costwarden.app.health;

import io.costwarden.app.roles.ActionsRole;
import io.costwarden.app.roles.StreamsRole;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when each Kafka Streams role this instance runs is running (a later rebalance counts: it is brief
 * and normal, and failing readiness then would only make a cluster flap). The first start's rebalance does
 * not count: until a role has been RUNNING once its stores cannot answer, and an instance that said it
 * was ready would answer API queries with 503. Alive unless a role has died.
 */
public final class RolesHealth {
    private static final Set<KafkaStreams.State> READY = EnumSet.of(KafkaStreams.State.RUNNING,
            KafkaStreams.State.REBALANCING);
    private static final Set<KafkaStreams.State> DEAD = EnumSet.of(KafkaStreams.State.ERROR,
            KafkaStreams.State.NOT_RUNNING, KafkaStreams.State.PENDING_ERROR);

    private RolesHealth() {
    }

    /** A role as health sees it. */
    private record RoleView(String name, Optional<KafkaStreams> streams, boolean hasRun) {
    }

    /** One response for both roles: UP when each enabled role passes {@code ok}. */
    static HealthCheckResponse check(String name, StreamsRole streams, ActionsRole actions, Predicate<RoleView> ok) {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(name);
        boolean up = true;
        for (RoleView role : List.of(new RoleView("streams", streams.streams(), streams.hasRun()),
                new RoleView("actions", actions.streams(), actions.hasRun()))) {
            b.withData(role.name(), role.streams().map(k -> k.state().name()).orElse("not enabled here"));
            up &= role.streams().isEmpty() || ok.test(role);
        }
        return b.status(up).build();
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
            return check("costwarden-roles", streams, actions,
                    role -> role.hasRun() && READY.contains(role.streams().get().state()));
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
            return check("costwarden-roles-alive", streams, actions, role -> !DEAD.contains(role.streams().get().state()));
        }
    }
}
