package io.costwarden.streams.inventory;

import io.costwarden.model.JsonSerde;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The live inventory: every ResourceEvent folded into its resource, kept in the queryable {@value #STORE}
 * store (RocksDB, changelogged). It emits each event with the resource state after it, so detectors
 * see the state the event produced without a second lookup, in the same task and in order.
 *
 * <p>A store with a processor rather than a KTable aggregate: a cached KTable may coalesce a launch
 * and the tagging that follows into one update, and a launch detector must see the launch itself.
 */
public final class InventoryTopology {
    public static final String STORE = "inventory";
    public static final String SEEN = "seen-events";
    /**
     * CloudTrail and EventBridge deliver at least once; redeliveries come within minutes to hours. An
     * event id is remembered this long (wall clock), then forgotten to bound the store.
     */
    public static final Duration DUPLICATE_WINDOW = Duration.ofHours(48);

    private InventoryTopology() {
    }

    public static KStream<String, ResourceChange> build(StreamsBuilder builder) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE),
                Serdes.String(), JsonSerde.of(Resource.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SEEN),
                Serdes.String(), Serdes.Long()));
        KStream<String, ResourceEvent> events = builder.stream(Topics.EVENTS.name(),
                Consumed.with(Topics.EVENTS.keySerde(), Topics.EVENTS.valueSerde()).withName("events"));
        return events
                .filter((id, event) -> event != null, Named.as("drop-tombstones"))
                .processValues(FirstDelivery::new, Named.as("drop-duplicates"), SEEN)
                .processValues(Fold::new, Named.as("inventory-fold"), STORE);
    }

    /** Passes an event only the first time its (event id, resource) is seen within {@link #DUPLICATE_WINDOW}. */
    private static final class FirstDelivery implements FixedKeyProcessor<String, ResourceEvent, ResourceEvent> {
        private FixedKeyProcessorContext<String, ResourceEvent> context;
        private KeyValueStore<String, Long> seen;

        @Override
        public void init(FixedKeyProcessorContext<String, ResourceEvent> context) {
            this.context = context;
            this.seen = context.getStateStore(SEEN);
            // Wall clock: forgetting must happen even when no events arrive.
            context.schedule(Duration.ofMinutes(10), PunctuationType.WALL_CLOCK_TIME, this::forgetOld);
        }

        @Override
        public void process(FixedKeyRecord<String, ResourceEvent> record) {
            String key = record.value().eventId() + "|" + record.value().resourceId();
            if (seen.get(key) != null) {
                return;
            }
            seen.put(key, context.currentSystemTimeMs());
            context.forward(record);
        }

        private void forgetOld(long now) {
            long cutoff = now - DUPLICATE_WINDOW.toMillis();
            List<String> old = new ArrayList<>();
            try (KeyValueIterator<String, Long> it = seen.all()) {
                it.forEachRemaining(kv -> {
                    if (kv.value < cutoff) {
                        old.add(kv.key);
                    }
                });
            }
            old.forEach(seen::delete);
        }
    }

    private static final class Fold implements FixedKeyProcessor<String, ResourceEvent, ResourceChange> {
        private FixedKeyProcessorContext<String, ResourceChange> context;
        private KeyValueStore<String, Resource> store;

        @Override
        public void init(FixedKeyProcessorContext<String, ResourceChange> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(FixedKeyRecord<String, ResourceEvent> record) {
            ResourceEvent event = record.value();
            Resource before = store.get(event.resourceId());
            Resource after = before == null ? Resource.from(event) : before.apply(event);
            store.put(event.resourceId(), after);
            context.forward(record.withValue(new ResourceChange(event, after)));
        }
    }
}
