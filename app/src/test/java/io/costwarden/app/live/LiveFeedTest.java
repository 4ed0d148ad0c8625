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

        LiveFeed.Catchup c = feed.subscribe(Optional.of(first.id()), e -> live.add(e.json()));
        feed.publish("t", Map.of("n", 4));

        assertThat(c.reload()).isFalse();
        assertThat(c.missed()).extracting(LiveFeed.Event::json).containsExactly("{\"n\":2}", "{\"n\":3}");
        assertThat(live).containsExactly("{\"n\":4}");
    }

    @Test
    void evictedOrForeignIdsMeanReload() {
        LiveFeed feed = new LiveFeed(config(2));
        LiveFeed.Event first = feed.publish("t", Map.of("n", 1));
        feed.publish("t", Map.of("n", 2));
        feed.publish("t", Map.of("n", 3));
        feed.publish("t", Map.of("n", 4));

        assertThat(feed.subscribe(Optional.of(first.id()), e -> { }).reload()).isTrue();
        assertThat(feed.subscribe(Optional.of("other-3"), e -> { }).reason()).contains("another process");
        assertThat(feed.subscribe(Optional.of("garbage"), e -> { }).reload()).isTrue();
        assertThat(feed.subscribe(Optional.empty(), e -> { }).reload()).isFalse();
    }
}
