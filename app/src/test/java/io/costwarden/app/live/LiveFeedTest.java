package io.costwarden.app.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.app.CostwardenConfig;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Catch-up on reconnect: exactly what was missed, or reload when it is gone or from another process. */
class LiveFeedTest {

    /** A config whose stream part keeps {@code buffer} events; nothing else is read. */
    static CostwardenConfig config(int buffer) {
        Object stream = Proxy.newProxyInstance(LiveFeedTest.class.getClassLoader(),
                new Class<?>[] {CostwardenConfig.Api.Stream.class}, (p, m, a) -> m.getName().equals("replayBuffer") ? buffer
                        : null);
        Object api = Proxy.newProxyInstance(LiveFeedTest.class.getClassLoader(), new Class<?>[] {CostwardenConfig.Api.class},
                (p, m, a) -> m.getName().equals("stream") ? stream : null);
        return (CostwardenConfig) Proxy.newProxyInstance(LiveFeedTest.class.getClassLoader(),
                new Class<?>[] {CostwardenConfig.class}, (p, m, a) -> m.getName().equals("api") ? api : null);
    }

    @Test
    void aClientGetsWhatItMissedAndThenLiveEventsWithNoneTwice() {
        LiveFeed feed = new LiveFeed(config(10));
        LiveFeed.Event first = feed.publish("t", Map.of("n", 1));
        feed.publish("t", Map.of("n", 2));
        feed.publish("t", Map.of("n", 3));
        List<String> live = new ArrayList<>();

        List<LiveFeed.Catchup> got = new ArrayList<>();
        feed.subscribe(Optional.of(first.id()), listener(got, live));
        feed.publish("t", Map.of("n", 4));

        assertThat(got).singleElement().satisfies(c -> {
            assertThat(c.reload()).isFalse();
            assertThat(c.missed()).extracting(LiveFeed.Event::json).containsExactly("{\"n\":2}", "{\"n\":3}");
        });
        assertThat(live).containsExactly("{\"n\":4}");
    }

    @Test
    void evictedOrForeignIdsMeanReload() {
        LiveFeed feed = new LiveFeed(config(2));
        LiveFeed.Event first = feed.publish("t", Map.of("n", 1));
        feed.publish("t", Map.of("n", 2));
        feed.publish("t", Map.of("n", 3));
        feed.publish("t", Map.of("n", 4));

        assertThat(catchup(feed, Optional.of(first.id())).reload()).isTrue();
        assertThat(catchup(feed, Optional.of("other-3")).reason()).contains("another process");
        assertThat(catchup(feed, Optional.of("garbage")).reload()).isTrue();
        assertThat(catchup(feed, Optional.empty()).reload()).isFalse();
    }

    @Test
    void aClientThatThrowsIsDroppedAndTheOthersStillGetTheEvent() {
        LiveFeed feed = new LiveFeed(config(10));
        List<String> live = new ArrayList<>();
        feed.subscribe(Optional.empty(), new LiveFeed.Listener() {
            @Override
            public void start(LiveFeed.Catchup catchup) {
            }

            @Override
            public void accept(LiveFeed.Event event) {
                throw new IllegalStateException("Already closed");
            }
        });
        feed.subscribe(Optional.empty(), listener(new ArrayList<>(), live));

        feed.publish("t", Map.of("n", 1));
        feed.publish("t", Map.of("n", 2));

        assertThat(live).containsExactly("{\"n\":1}", "{\"n\":2}");
        assertThat(feed.clients()).isEqualTo(1);
    }

    static LiveFeed.Listener listener(List<LiveFeed.Catchup> catchups, List<String> live) {
        return new LiveFeed.Listener() {
            @Override
            public void start(LiveFeed.Catchup catchup) {
                catchups.add(catchup);
            }

            @Override
            public void accept(LiveFeed.Event event) {
                live.add(event.json());
            }
        };
    }

    static LiveFeed.Catchup catchup(LiveFeed feed, Optional<String> last) {
        List<LiveFeed.Catchup> got = new ArrayList<>();
        feed.subscribe(last, listener(got, new ArrayList<>()));
        return got.get(0);
    }
}
