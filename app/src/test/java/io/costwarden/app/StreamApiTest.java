package io.costwarden.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.costwarden.app.live.LiveFeed;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * GET /api/stream over real HTTP: a client that reconnects with Last-Event-ID gets exactly what it missed;
 * one whose id the server cannot serve is told to reload; one that does not read is cut off once its queue
 * is full, so it cannot grow the server's memory.
 */
@QuarkusTest
@TestProfile(SecuredApp.class)
class StreamApiTest {
    @Inject
    LiveFeed feed;

    @Inject
    MeterRegistry meters;

    /** One SSE event as read off the wire. */
    record Sse(String id, String event, String data) {
    }

    /** Reads events off a connection in the background until closed. */
    static final class Reader implements AutoCloseable {
        final List<Sse> events = new CopyOnWriteArrayList<>();
        private final Stream<String> lines;
        private final Thread thread;

        Reader(String lastEventId) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/stream"))
                    .header("Authorization", "Bearer " + SecuredApp.VIEWER_TOKEN).header("Accept", "text/event-stream");
            if (lastEventId != null) {
                b.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(b.build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).isEqualTo(200);
            // Proxies must pass events on as they come: the page waits for the first one.
            assertThat(response.headers().firstValue("X-Accel-Buffering")).hasValue("no");
            assertThat(response.headers().firstValue("Cache-Control")).hasValueSatisfying(v -> assertThat(v)
                    .contains("no-transform"));
            lines = response.body();
            thread = new Thread(this::read, "sse-reader");
            thread.setDaemon(true);
            thread.start();
        }

        private void read() {
            String id = null;
            String event = null;
            StringBuilder data = new StringBuilder();
            try {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.isEmpty()) {
                        if (event != null || data.length() > 0) {
                            events.add(new Sse(id, event, data.toString()));
                        }
                        id = null;
                        event = null;
                        data.setLength(0);
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).trim();
                    } else if (line.startsWith("event:")) {
                        event = line.substring(6).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).trim());
                    }
                }
            } catch (RuntimeException closed) {
                // the test closed the connection
            }
        }

        List<Sse> named(String name) {
            return events.stream().filter(e -> name.equals(e.event())).toList();
        }

        @Override
        public void close() {
            lines.close();
        }
    }

    @Test
    void aClientThatReconnectsWithLastEventIdGetsExactlyWhatItMissed() throws Exception {
        List<String> seen = new ArrayList<>();
        String last;
        try (Reader first = new Reader(null)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !first.named("hello").isEmpty());
            for (int i = 0; i < 3; i++) {
                feed.publish("test", Map.of("n", i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> first.named("test").size() == 3);
            first.named("test").forEach(e -> seen.add(e.data()));
            last = first.named("test").get(2).id();
        }
        for (int i = 3; i < 8; i++) {
            feed.publish("test", Map.of("n", i));
        }
        try (Reader again = new Reader(last)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> again.named("test").size() >= 5);
            again.named("test").forEach(e -> seen.add(e.data()));
            assertThat(again.named("hello")).as("a caught-up client is not greeted as new").isEmpty();
        }
        assertThat(seen).containsExactly("{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}",
                "{\"n\":6}", "{\"n\":7}");
    }

    @Test
    void aClientThatGotOnlyHelloCatchesUpFromItsId() throws Exception {
        String helloId;
        try (Reader first = new Reader(null)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !first.named("hello").isEmpty());
            helloId = first.named("hello").get(0).id();
        }
        // The connection dropped before any other event: what was published meanwhile must not be lost.
        assertThat(helloId).as("hello carries an id a browser sends back as Last-Event-ID").isNotBlank();
        feed.publish("test", Map.of("while", "away"));
        try (Reader again = new Reader(helloId)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !again.named("test").isEmpty());
            assertThat(again.named("test").get(0).data()).isEqualTo("{\"while\":\"away\"}");
            assertThat(again.named("hello")).isEmpty();
        }
    }

    @Test
    void anIdTheServerCannotServeMeansReload() throws Exception {
        try (Reader other = new Reader("0badb00d-42")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !other.named("reload").isEmpty());
            assertThat(other.named("reload").get(0).data()).contains("from another process");
        }
        String old = feed.lastId();
        for (int i = 0; i < 400; i++) {
            feed.publish("test", Map.of("filler", i));
        }
        try (Reader late = new Reader(old)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !late.named("reload").isEmpty());
            assertThat(late.named("reload").get(0).data()).contains("no longer kept");
        }
    }

    @Test
    void aClientThatDoesNotReadIsCutOffInsteadOfGrowingTheServersMemory() throws Exception {
        double before = meters.counter("costwarden.stream.disconnected", "reason", "slow").count();
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setReceiveBufferSize(4096);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nAuthorization: Bearer "
                    + SecuredApp.VIEWER_TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = new byte[12];
            assertThat(in.readNBytes(head, 0, 12)).isEqualTo(12);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            String kilobyte = "x".repeat(1024);
            // Never read again: the socket buffers fill, sends stop completing, the client's queue overflows.
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (int i = 0; i < 2000; i++) {
                    feed.publish("test", Map.of("pad", kilobyte));
                }
                return meters.counter("costwarden.stream.disconnected", "reason", "slow").count() > before;
            });
        }
    }
}
