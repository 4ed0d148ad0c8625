package io.costwarden.streams.idle;

import io.costwarden.model.JsonSerde;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The idle detector's state in its store and changelog, in a compact binary form. Every metric sample
 * reads its resource's state and writes it back, so this encoding is on the detector's hot path: as JSON
 * (field names, ISO-8601 times) a GPU host's state was 932 bytes and its decoding and encoding took more
 * than half of the stream thread's time (docs/benchmarks.md).
 *
 * <p>Layout: a format byte ({@value #FORMAT}), then the fields in declaration order. Strings are
 * length-prefixed UTF-8 with a presence flag, instants are epoch seconds and nanoseconds (lossless), enums
 * their names, maps a count and entries. A record whose first byte is {@code '{'} is the JSON that
 * versions before this one wrote, and is read as such, so a store or changelog written by an older version
 * is still read after an upgrade; anything else is refused with what it was.
 */
public final class IdleStateSerde implements Serde<IdleState> {
    static final byte FORMAT = 1;
    private static final byte JSON = '{';
    private static final JsonSerde<IdleState> OLD = JsonSerde.of(IdleState.class);

    /**
     * What is written; both are always read. {@code JSON} is for the rolling upgrade from a version that
     * reads only JSON: while old and new instances run side by side, a task the new ones wrote can move to
     * an old one (docs/operations.md).
     */
    public enum Format {
        BINARY, JSON
    }

    private final Format writes;

    public IdleStateSerde() {
        this(Format.BINARY);
    }

    public IdleStateSerde(Format writes) {
        this.writes = writes;
    }

    @Override
    public Serializer<IdleState> serializer() {
        return (topic, state) -> state == null ? null
                : writes == Format.JSON ? OLD.serializer().serialize(topic, state) : write(state);
    }

    @Override
    public Deserializer<IdleState> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            if (bytes.length == 0) {
                throw new SerializationException("idle state on " + topic + ": empty record");
            }
            if (bytes[0] == JSON) {
                return OLD.deserializer().deserialize(topic, bytes);
            }
            if (bytes[0] != FORMAT) {
                throw new SerializationException("idle state on " + topic + ": unknown format byte 0x"
                        + Integer.toHexString(bytes[0] & 0xff) + " (expected 0x0" + FORMAT + " or JSON)");
            }
            try {
                return read(new DataInputStream(new ByteArrayInputStream(bytes, 1, bytes.length - 1)));
            } catch (IOException | RuntimeException e) {
                // Any corruption, however it shows (a bad enum name, an instant out of range, a null tag),
                // is reported as one kind of error.
                throw new SerializationException("idle state on " + topic + ": unreadable (" + bytes.length
                        + " bytes): " + e.getMessage(), e);
            }
        };
    }

    static byte[] write(IdleState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte(FORMAT);
            string(out, s.resourceId());
            string(out, s.kind() == null ? null : s.kind().name());
            string(out, s.nativeId());
            string(out, s.account());
            string(out, s.region());
            out.writeBoolean(s.resource() != null);
            if (s.resource() != null) {
                resource(out, s.resource(), s);
            }
            out.writeBoolean(s.running());
            instant(out, s.observedSince());
            instants(out, s.lastSeen());
            instants(out, s.lastActive());
            instants(out, s.reported());
        } catch (IOException e) {
            // A ByteArrayOutputStream does not throw; a string over 64 KiB does, and no field holds one.
            throw new SerializationException("cannot write the idle state of " + s.resourceId() + ": " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    private static IdleState read(DataInputStream in) throws IOException {
        String resourceId = string(in);
        String kind = string(in);
        String nativeId = string(in);
        String account = string(in);
        String region = string(in);
        Resource resource = in.readBoolean() ? resource(in, resourceId, kind, nativeId, account, region) : null;
        boolean running = in.readBoolean();
        Instant observedSince = instant(in);
        Map<String, Instant> lastSeen = instants(in);
        Map<String, Instant> lastActive = instants(in);
        Map<String, Instant> reported = instants(in);
        if (in.available() > 0) {
            throw new IOException(in.available() + " bytes after the last field");
        }
        return new IdleState(resourceId, kind == null ? null : ResourceKind.valueOf(kind), nativeId, account, region,
                resource, running, observedSince, lastSeen, lastActive, reported);
    }

    /** The resource's identity is the state's own, so it is written only where it differs (it never does today). */
    private static void resource(DataOutputStream out, Resource r, IdleState s) throws IOException {
        out.writeInt(r.schemaVersion());
        unlessSame(out, r.id(), s.resourceId());
        unlessSame(out, r.kind() == null ? null : r.kind().name(), s.kind() == null ? null : s.kind().name());
        unlessSame(out, r.nativeId(), s.nativeId());
        unlessSame(out, r.account(), s.account());
        unlessSame(out, r.region(), s.region());
        string(out, r.state());
        string(out, r.instanceType());
        out.writeInt(r.gpuCount());
        out.writeInt(r.count());
        string(out, r.purchase() == null ? null : r.purchase().name());
        out.writeInt(r.tags().size());
        for (Map.Entry<String, String> tag : r.tags().entrySet()) {
            string(out, tag.getKey());
            string(out, tag.getValue());
        }
        string(out, r.launchedBy());
        instant(out, r.launchedAt().orElse(null));
        instant(out, r.lastEventAt());
        string(out, r.lastEventName());
        string(out, r.lastEventId());
    }

    private static Resource resource(DataInputStream in, String stateId, String stateKind, String stateNativeId,
            String stateAccount, String stateRegion) throws IOException {
        int schemaVersion = in.readInt();
        String id = orSame(in, stateId);
        String kind = orSame(in, stateKind);
        String nativeId = orSame(in, stateNativeId);
        String account = orSame(in, stateAccount);
        String region = orSame(in, stateRegion);
        String state = string(in);
        String instanceType = string(in);
        int gpuCount = in.readInt();
        int count = in.readInt();
        String purchase = string(in);
        int tagCount = count(in);
        Map<String, String> tags = new HashMap<>(tagCount * 2);
        for (int i = 0; i < tagCount; i++) {
            tags.put(string(in), string(in));
        }
        String launchedBy = string(in);
        Optional<Instant> launchedAt = Optional.ofNullable(instant(in));
        Instant lastEventAt = instant(in);
        String lastEventName = string(in);
        String lastEventId = string(in);
        return new Resource(schemaVersion, id, kind == null ? null : ResourceKind.valueOf(kind), nativeId, account,
                region, state, instanceType, gpuCount, count, purchase == null ? null : PurchaseOption.valueOf(purchase),
                tags, launchedBy, launchedAt, lastEventAt, lastEventName, lastEventId);
    }

    private static void unlessSame(DataOutputStream out, String value, String same) throws IOException {
        boolean differs = !java.util.Objects.equals(value, same);
        out.writeBoolean(differs);
        if (differs) {
            string(out, value);
        }
    }

    private static String orSame(DataInputStream in, String same) throws IOException {
        return in.readBoolean() ? string(in) : same;
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String string(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void instant(DataOutputStream out, Instant t) throws IOException {
        out.writeBoolean(t != null);
        if (t != null) {
            out.writeLong(t.getEpochSecond());
            out.writeInt(t.getNano());
        }
    }

    private static Instant instant(DataInputStream in) throws IOException {
        return in.readBoolean() ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
    }

    private static void instants(DataOutputStream out, Map<String, Instant> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, Instant> e : map.entrySet()) {
            string(out, e.getKey());
            instant(out, e.getValue());
        }
    }

    private static Map<String, Instant> instants(DataInputStream in) throws IOException {
        int n = count(in);
        Map<String, Instant> map = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            map.put(string(in), instant(in));
        }
        return map;
    }

    /** A count that cannot be more entries than bytes remain, so a corrupt record cannot ask for a huge map. */
    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("a count of " + n + " with " + in.available() + " bytes left");
        }
        return n;
    }
}
