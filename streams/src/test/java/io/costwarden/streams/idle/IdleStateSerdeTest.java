package io.costwarden.streams.idle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.costwarden.model.JsonSerde;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The idle store's binary form: lossless, reads what earlier versions wrote as JSON, refuses what it cannot read. */
class IdleStateSerdeTest {
    private static final String TOPIC = "costwarden-streams-idle-state-changelog";
    private static final IdleStateSerde SERDE = new IdleStateSerde();
    private static final String ARN = ResourceKind.EC2_INSTANCE.arn("us-east-1", "123456789012", "i-0abc0000000000001");

    static IdleState watchedGpuHost() {
        Resource r = new Resource(Resource.SCHEMA_VERSION, ARN, ResourceKind.EC2_INSTANCE, "i-0abc0000000000001",
                "123456789012", "us-east-1", "running", "g5.xlarge", 1, 1, PurchaseOption.ON_DEMAND,
                Map.of("team", "ml-research", "owner", "alice@example.com", "Name", "jupyter-ünïcode"),
                "arn:aws:sts::123456789012:assumed-role/DataScientist/alice",
                Optional.of(Instant.parse("2026-11-27T09:00:01.123456789Z")), Instant.parse("2026-11-27T09:00:01Z"),
                "RunInstances", "3e5f1c9a-0000-4000-8000-000000000001");
        return new IdleState(ARN, ResourceKind.EC2_INSTANCE, "i-0abc0000000000001", "123456789012", "us-east-1", r, true,
                Instant.parse("2026-11-27T09:00:01Z"),
                Map.of("cpu", Instant.parse("2026-11-27T10:59:00Z"), "gpu", Instant.parse("2026-11-27T10:59:00Z")),
                Map.of("idle-gpu|cpu", Instant.parse("2026-11-27T09:30:00Z")),
                Map.of("idle-gpu", Instant.parse("2026-11-27T09:30:00Z")));
    }

    private static IdleState roundTrip(IdleState s) {
        return SERDE.deserializer().deserialize(TOPIC, SERDE.serializer().serialize(TOPIC, s));
    }

    @Test
    void aWatchedHostsStateComesBackExactly() {
        IdleState s = watchedGpuHost();
        assertThat(roundTrip(s)).isEqualTo(s);
    }

    @Test
    void aStateKnownOnlyFromMetricsComesBackExactly() {
        IdleState s = new IdleState(ARN, ResourceKind.EC2_INSTANCE, "i-0abc0000000000001", "123456789012", "us-east-1",
                null, true, Instant.parse("2026-11-27T10:00:00Z"), Map.of("cpu", Instant.parse("2026-11-27T10:00:00Z")),
                null, null);
        assertThat(roundTrip(s)).isEqualTo(s);
        IdleState stopped = new IdleState(ARN, ResourceKind.SAGEMAKER_NOTEBOOK, null, null, null, null, false, null, null,
                null, null);
        assertThat(roundTrip(stopped)).isEqualTo(stopped);
    }

    @Test
    void aStoreWrittenByAnEarlierVersionAsJsonIsStillRead() {
        IdleState s = watchedGpuHost();
        byte[] json = JsonSerde.of(IdleState.class).serializer().serialize(TOPIC, s);
        assertThat(SERDE.deserializer().deserialize(TOPIC, json)).isEqualTo(s);
    }

    @Test
    void itIsWellUnderTheJsonAndARareResourceWhoseIdentityDiffersStillComesBack() {
        IdleState s = watchedGpuHost();
        int binary = SERDE.serializer().serialize(TOPIC, s).length;
        int json = JsonSerde.of(IdleState.class).serializer().serialize(TOPIC, s).length;
        // Most of what is left is text no encoding removes: tags, the launching principal, the event id.
        assertThat(binary).isLessThan(json * 6 / 10);

        Resource other = new Resource(Resource.SCHEMA_VERSION, ARN + "-other", ResourceKind.SAGEMAKER_NOTEBOOK, "nb",
                "210987654321", "eu-west-1", "stopped", "", 0, 0, PurchaseOption.UNKNOWN, Map.of(), "", Optional.empty(),
                Instant.parse("2026-11-27T09:00:00Z"), "", "");
        IdleState mixed = new IdleState(ARN, ResourceKind.EC2_INSTANCE, "i-1", "123456789012", "us-east-1", other, false,
                null, null, null, null);
        assertThat(roundTrip(mixed)).isEqualTo(mixed);
    }

    @Test
    void whatItCannotReadIsRefusedSayingWhat() {
        byte[] good = SERDE.serializer().serialize(TOPIC, watchedGpuHost());
        assertThatThrownBy(() -> SERDE.deserializer().deserialize(TOPIC, new byte[] {7, 1, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown format byte 0x7")
                .hasMessageContaining(TOPIC);
        assertThatThrownBy(() -> SERDE.deserializer().deserialize(TOPIC, Arrays.copyOf(good, good.length - 3)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unreadable");
        byte[] longer = Arrays.copyOf(good, good.length + 2);
        assertThatThrownBy(() -> SERDE.deserializer().deserialize(TOPIC, longer))
                .isInstanceOf(SerializationException.class).hasMessageContaining("2 bytes after the last field");
        assertThatThrownBy(() -> SERDE.deserializer().deserialize(TOPIC, new byte[0]))
                .isInstanceOf(SerializationException.class).hasMessageContaining("empty");
        assertThat(SERDE.deserializer().deserialize(TOPIC, null)).isNull();
    }

    @Test
    void duringARollingUpgradeItWritesJsonThatOlderVersionsRead() {
        IdleState s = watchedGpuHost();
        byte[] written = new IdleStateSerde(IdleStateSerde.Format.JSON).serializer().serialize(TOPIC, s);
        assertThat(JsonSerde.of(IdleState.class).deserializer().deserialize(TOPIC, written)).isEqualTo(s);
        assertThat(SERDE.deserializer().deserialize(TOPIC, written)).isEqualTo(s);
    }

    @Test
    void theStoreReadsAnUnreadableEntryAsAbsentAndCountsIt() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        var store = IdleTopology.storeSerde(IdleStateSerde.Format.BINARY, meters);
        byte[] good = store.serializer().serialize(TOPIC, watchedGpuHost());
        // An out-of-range instant: not an I/O error, still reported as unreadable.
        byte[] corrupt = good.clone();
        corrupt[corrupt.length - 12] = (byte) 0x7f;

        assertThat(store.deserializer().deserialize(TOPIC, good)).isEqualTo(watchedGpuHost());
        assertThat(store.deserializer().deserialize(TOPIC, new byte[] {9})).isNull();
        assertThat(store.deserializer().deserialize(TOPIC, corrupt)).isNull();
        assertThat(meters.counter(IdleTopology.UNREADABLE, "store", IdleTopology.STORE).count()).isEqualTo(2);
    }

    @Test
    void aCorruptCountCannotAskForAHugeMap() {
        IdleState s = new IdleState(ARN, ResourceKind.EC2_INSTANCE, "i-1", "1", "r", null, true, null, null, null, null);
        byte[] good = SERDE.serializer().serialize(TOPIC, s);
        // The last field is the reported map's count (empty): make it two billion.
        byte[] corrupt = good.clone();
        ByteBuffer.wrap(corrupt).putInt(corrupt.length - 4, Integer.MAX_VALUE);
        assertThatThrownBy(() -> SERDE.deserializer().deserialize(TOPIC, corrupt))
                .isInstanceOf(SerializationException.class).hasMessageContaining("a count of 2147483647");
    }
}
