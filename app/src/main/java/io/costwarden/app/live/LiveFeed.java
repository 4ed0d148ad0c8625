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
    private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public LiveFeed(CostwardenConfig config) {
        this.capacity = config.api().stream().replayBuffer();
    }

    /** A client of the feed: it gets what it missed first, then every event, in order, each once. */
    public interface Listener {
        /** Called once, before any {@link #accept}, with what the client missed. */
        void start(Catchup catchup);

        /** Must not block: called with the feed's lock held, so that every client sees one order. */
        void accept(Event event);
    }

    /** Adds an event for every client; never blocks on a client, and one failing client does not stop the rest. */
    public Event publish(String type, Object payload) {
        String json;
        try {
            json = Json.mapper().writeValueAsString(payload);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write a " + type + " event", e);
        }
        synchronized (buffer) {
            long n = sequence.incrementAndGet();
            Event event = new Event(boot + "-" + n, n, type, json);
            buffer.addLast(event);
            while (buffer.size() > capacity) {
                buffer.removeFirst();
            }
            for (Listener l : listeners) {
                try {
                    l.accept(event);
                } catch (RuntimeException e) {
                    // The client's own problem (it went away mid-send): it closes itself; the others go on.
                    unsubscribe(l);
                }
            }
            return event;
        }
    }

    /**
     * Registers a client atomically with what it missed since {@code lastEventId}: no event is both replayed
     * and delivered live, and none falls between.
     */
    public void subscribe(Optional<String> lastEventId, Listener listener) {
        synchronized (buffer) {
            listener.start(catchup(lastEventId));
            listeners.add(listener);
        }
    }

    private Catchup catchup(Optional<String> lastEventId) {
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

    public void unsubscribe(Listener listener) {
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
