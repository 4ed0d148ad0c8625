package io.costwarden.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * Apache Kafka's own broker, single-node KRaft, in this JVM on 127.0.0.1, with its logs in a fresh
 * directory that {@link #close} deletes. The same settings as the app's embedded broker
 * ({@code io.costwarden.app.kafka.EmbeddedKafka}), so the benchmark measures the broker users run;
 * a copy rather than a dependency, because the app module is a Quarkus application.
 */
final class SingleNodeBroker implements AutoCloseable {
    private final Path dir;
    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private SingleNodeBroker(Path dir, KafkaRaftServer server, String bootstrapServers) {
        this.dir = dir;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    static SingleNodeBroker start(int partitions) throws IOException {
        Path dir = Files.createTempDirectory("costwarden-bench-kafka");
        int brokerPort = freePort();
        int controllerPort = freePort();
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
        Path config = dir.resolve("server.properties");
        try (var out = Files.newOutputStream(config)) {
            p.store(out, "Costwarden bench broker");
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int code = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(),
                "--ignore-formatted"}, new PrintStream(log, true, StandardCharsets.UTF_8));
        if (code != 0) {
            throw new IllegalStateException("formatting the bench broker's storage in " + dir + " failed: "
                    + log.toString(StandardCharsets.UTF_8).trim());
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
        server.startup();
        return new SingleNodeBroker(dir, server, "127.0.0.1:" + brokerPort);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the bench broker's data in " + dir, e);
        }
    }
}
