package io.costwarden.model;

import org.apache.kafka.common.serialization.Serde;

/** A topic name with the serdes of its keys and values: the one place where names and formats meet. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, boolean compacted) {
}
