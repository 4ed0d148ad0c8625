package io.costwarden.app.live;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.model.Json;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the live stream sends: findings, action results and spend ticks, each once, numbered in the order
 * this process saw them. The newest {@code costwarden.api.stream.replay-buffer} events are kept, so that a
 * client that reconnects with its Last-Event-ID gets exactly what it missed.
 *
 * <p>An event id is {@code <boot>-<sequence>}: the boot part changes with every start of the process, so a
 * client whose id comes from an earlier process (or from another instance) is told to reload rather than
 * silently given a gap.
 */
@ApplicationScoped
public class LiveFeed {
    /** One event on the stream, its payload already JSON. */
    public record Event(String id, long sequence, String type, String json) {
    }

    /** What a (re)connecting client gets: the events it missed, or that it must reload (they are gone). */
    public record Catchup(List<Event> missed, boolean reload, String reason) {
    }

    private final String boot = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final AtomicLong sequence = new AtomicLong();
    private final ArrayDeque<Event> buffer = new ArrayDeque<>();
    private final int capacity;
    private final List<java.util.function.Consumer<Event>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public LiveFeed(CostwardenConfig config) {
        this.capacity = config.api().stream().replayBuffer();
    }

    /** Adds an event for every client; never blocks on a client. */
    public Event publish(String type, Object payload) {
        String json;
        try {
            json = Json.mapper().writeValueAsString(payload);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write a " + type + " event", e);
        }
        Event event;
        synchronized (buffer) {
            long n = sequence.incrementAndGet();
            event = new Event(boot + "-" + n, n, type, json);
            buffer.addLast(event);
            while (buffer.size() > capacity) {
                buffer.removeFirst();
            }
        }
        listeners.forEach(l -> l.accept(event));
        return event;
    }

    /**
     * Registers a live listener and returns, atomically with it, what the client missed since
     * {@code lastEventId}: no event is both replayed and delivered live, and none falls between.
     */
    public Catchup subscribe(Optional<String> lastEventId, java.util.function.Consumer<Event> listener) {
        synchronized (buffer) {
            listeners.add(listener);
            if (lastEventId.isEmpty() || lastEventId.get().isBlank()) {
                return new Catchup(List.of(), false, "");
            }
            String last = lastEventId.get().trim();
            int dash = last.lastIndexOf('-');
            long seen;
            try {
                seen = dash < 0 ? -1 : Long.parseLong(last.substring(dash + 1));
            } catch (NumberFormatException e) {
                seen = -1;
            }
            if (dash < 0 || seen < 0 || !last.substring(0, dash).equals(boot)) {
                return new Catchup(List.of(), true, "the last event id " + last + " is from another process; reload");
            }
            long oldest = buffer.isEmpty() ? sequence.get() + 1 : buffer.peekFirst().sequence();
            if (seen + 1 < oldest) {
                return new Catchup(List.of(), true, "events after " + last + " are no longer kept; reload");
            }
            List<Event> missed = new ArrayList<>();
            for (Event e : buffer) {
                if (e.sequence() > seen) {
                    missed.add(e);
                }
            }
            return new Catchup(missed, false, "");
        }
    }

    public void unsubscribe(java.util.function.Consumer<Event> listener) {
        listeners.remove(listener);
    }

    /** The id of the newest event, for a client that starts from now. */
    public String lastId() {
        return boot + "-" + sequence.get();
    }

    public int clients() {
        return listeners.size();
    }
}
