package io.costwarden.app.live;

import io.costwarden.app.CostwardenConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * {@code GET /api/stream}: server-sent events of findings ({@code finding}), action results ({@code action})
 * and spend ticks ({@code spend}), each with an id. A browser that reconnects sends Last-Event-ID and gets
 * what it missed from the feed's buffer, or a {@code reload} event when that is gone.
 *
 * <p>Slow clients are bounded: each has a queue of {@code costwarden.api.stream.client-queue} events and
 * one send in flight; a client whose queue overflows is disconnected (and, reconnecting, catches up from
 * its Last-Event-ID), so no client can make the server hold more than its queue.
 */
@Path("/api/stream")
public class StreamApi {
    private static final Logger LOG = Logger.getLogger(StreamApi.class);
    /** Keeps idle connections open through proxies that close silent ones. */
    private static final long HEARTBEAT_SECONDS = 15;
    private static final ScheduledExecutorService HEARTBEATS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "costwarden-stream-heartbeat");
        t.setDaemon(true);
        return t;
    });

    private final LiveFeed feed;
    private final int queueLimit;
    private final MeterRegistry meters;

    public StreamApi(LiveFeed feed, CostwardenConfig config, MeterRegistry meters) {
        this.feed = feed;
        this.queueLimit = config.api().stream().clientQueue();
        this.meters = meters;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void stream(@Context SseEventSink sink, @Context Sse sse, @Context HttpServerResponse response,
            @HeaderParam("Last-Event-ID") String lastEventId, @QueryParam("lastEventId") String lastEventIdParam) {
        // A proxy that buffers the response (nginx does by default) would hold events back, and the page waits
        // for the first one before it shows anything.
        response.putHeader("X-Accel-Buffering", "no");
        response.putHeader("Cache-Control", "no-cache, no-transform");
        Client client = new Client(sink, sse);
        String last = lastEventId != null ? lastEventId : lastEventIdParam;
        feed.subscribe(Optional.ofNullable(last), client);
    }

    /** One connection: a bounded queue drained one send at a time, in order. */
    private final class Client implements LiveFeed.Listener {
        private final SseEventSink sink;
        private final Sse sse;
        private final ArrayDeque<OutboundSseEvent> queue = new ArrayDeque<>();
        private boolean sending;
        private boolean closed;
        private java.util.concurrent.ScheduledFuture<?> heartbeat;

        Client(SseEventSink sink, Sse sse) {
            this.sink = sink;
            this.sse = sse;
        }

        @Override
        public void start(LiveFeed.Catchup catchup) {
            // More missed than the queue holds: a reload is cheaper than a catch-up that could only overflow.
            boolean reload = catchup.reload() || catchup.missed().size() >= queueLimit;
            if (reload) {
                enqueue(sse.newEventBuilder().id(feed.lastId()).name("reload").mediaType(MediaType.APPLICATION_JSON_TYPE)
                        .data(Map.of("reason", catchup.reload() ? catchup.reason() : catchup.missed().size()
                                + " events missed; reload")).build());
            } else if (catchup.missed().isEmpty()) {
                // With an id, so that a browser that loses the connection before any other event comes back
                // with a Last-Event-ID and gets what it missed, rather than starting from its reconnect.
                enqueue(sse.newEventBuilder().id(feed.lastId()).name("hello").mediaType(MediaType.APPLICATION_JSON_TYPE)
                        .data(Map.of("lastEventId", feed.lastId())).build());
            } else {
                catchup.missed().forEach(this::accept);
            }
            synchronized (this) {
                if (!closed) {
                    heartbeat = HEARTBEATS.scheduleAtFixedRate(() -> enqueue(sse.newEventBuilder().comment("keep-alive")
                            .build()), HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
                }
            }
        }

        @Override
        public void accept(LiveFeed.Event e) {
            enqueue(sse.newEventBuilder().id(e.id()).name(e.type()).mediaType(MediaType.APPLICATION_JSON_TYPE)
                    .data(String.class, e.json()).build());
        }

        private void enqueue(OutboundSseEvent event) {
            OutboundSseEvent next = null;
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (sink.isClosed()) {
                    close("gone");
                    return;
                }
                if (queue.size() >= queueLimit) {
                    meters.counter("costwarden.stream.disconnected", "reason", "slow").increment();
                    close("slow: more than " + queueLimit + " events unsent");
                    return;
                }
                queue.addLast(event);
                if (!sending) {
                    sending = true;
                    next = queue.pollFirst();
                }
            }
            if (next != null) {
                send(next);
            }
        }

        private void send(OutboundSseEvent event) {
            java.util.concurrent.CompletionStage<?> sent;
            try {
                sent = sink.send(event);
            } catch (RuntimeException e) {
                // The client went away between the check and the send.
                synchronized (this) {
                    close("send refused: " + e.getMessage());
                }
                return;
            }
            sent.whenComplete((ok, failure) -> {
                OutboundSseEvent next;
                synchronized (this) {
                    if (failure != null) {
                        close("send failed: " + failure.getMessage());
                        return;
                    }
                    next = queue.pollFirst();
                    sending = next != null;
                }
                if (next != null) {
                    send(next);
                }
            });
        }

        /** Called with this client's lock held. */
        private void close(String why) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            feed.unsubscribe(this);
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
            LOG.debugf("stream client closed: %s", why);
            try {
                sink.close();
            } catch (RuntimeException e) {
                LOG.debugf("closing a stream client: %s", e.getMessage());
            }
        }
    }
}
