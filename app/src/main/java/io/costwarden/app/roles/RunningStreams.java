package io.costwarden.app.roles;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.jboss.logging.Logger;

/**
 * One Kafka Streams application of a role, with its metrics bound. A stream thread that dies is
 * replaced, but only {@value #MAX_REPLACEMENTS} times in {@link #WINDOW}: past that the failure is not
 * transient, the client shuts down, and liveness reports it instead of the process looping forever.
 */
final class RunningStreams {
    static final int MAX_REPLACEMENTS = 5;
    static final Duration WINDOW = Duration.ofMinutes(10);
    private static final Logger LOG = Logger.getLogger(RunningStreams.class);

    private final KafkaStreams streams;
    private final KafkaStreamsMetrics metrics;
    private final Deque<Instant> replacements = new ArrayDeque<>();
    private volatile boolean hasRun;

    RunningStreams(String role, Topology topology, Properties props, MeterRegistry meters) {
        streams = new KafkaStreams(topology, props);
        streams.setUncaughtExceptionHandler(e -> {
            synchronized (replacements) {
                Instant now = Instant.now();
                while (!replacements.isEmpty() && replacements.peekFirst().isBefore(now.minus(WINDOW))) {
                    replacements.removeFirst();
                }
                if (replacements.size() >= MAX_REPLACEMENTS) {
                    LOG.errorf(e, "%s: stream threads failed %d times in %s; shutting the role down", role,
                            MAX_REPLACEMENTS, WINDOW);
                    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                }
                replacements.addLast(now);
            }
            LOG.errorf(e, "%s: a stream thread failed; replacing it", role);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                hasRun = true;
            }
        });
        metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(meters);
        streams.start();
    }

    KafkaStreams streams() {
        return streams;
    }

    /**
     * True once the client has been RUNNING: its first rebalance (topics created, tasks assigned, stores
     * restored) is over, so its stores can answer queries.
     */
    boolean hasRun() {
        return hasRun;
    }

    void close() {
        streams.close(Duration.ofSeconds(30));
        metrics.close();
    }
}
