package io.costwarden.app.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * Apache Kafka's own broker, single-node KRaft (broker and controller in one), running inside this JVM
 * on 127.0.0.1. Its data survives restarts under {@code dir}; the cluster id is kept beside it.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final Path dir;
    private final int partitions;
    private KafkaRaftServer server;
    private String bootstrapServers;

    public EmbeddedKafka(Path dir, int partitions) {
        this.dir = dir;
        this.partitions = partitions;
    }

    /** Starts the broker; {@code port} 0 picks a free port. Returns the bootstrap address. */
    public synchronized String start(int port) {
        if (server != null) {
            return bootstrapServers;
        }
        try {
            Files.createDirectories(dir);
            int brokerPort = port == 0 ? freePort() : port;
            int controllerPort = freePort();
            Properties props = brokerProperties(brokerPort, controllerPort);
            Path config = dir.resolve("server.properties");
            try (var out = Files.newOutputStream(config)) {
                props.store(out, "written by Costwarden's embedded broker at each start");
            }
            format(config);
            server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            bootstrapServers = "127.0.0.1:" + brokerPort;
            return bootstrapServers;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the embedded Kafka broker in " + dir, e);
        }
    }

    private Properties brokerProperties(int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.resolve("logs").toAbsolutePath().toString());
        p.put("num.partitions", String.valueOf(partitions));
        p.put("auto.create.topics.enable", "false");
        // One node: every internal topic must make do with one replica, or exactly-once times out (STACK-NOTES).
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "3");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        return p;
    }

    private void format(Path config) {
        Path idFile = dir.resolve("cluster.id");
        String clusterId;
        try {
            if (Files.exists(idFile)) {
                clusterId = Files.readString(idFile).trim();
            } else {
                clusterId = Uuid.randomUuid().toString();
                Files.writeString(idFile, clusterId);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int code = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", config.toString(),
                "--ignore-formatted"}, new PrintStream(log, true, StandardCharsets.UTF_8));
        if (code != 0) {
            throw new IllegalStateException("formatting the embedded broker's storage failed: "
                    + log.toString(StandardCharsets.UTF_8).trim());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public synchronized String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }
}
