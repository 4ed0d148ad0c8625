package io.costwarden.app.failover;

import java.io.ByteArrayOutputStream;
import io.costwarden.app.ListenPort;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import kafka.tools.StorageTool;

/**
 * A three-node KRaft cluster in this JVM from Apache Kafka's own server: each node a broker and a voter of
 * a static three-voter quorum, so that one node can be stopped and the cluster carries on. Replication
 * factor 3 and min.insync.replicas 2 for every topic, the internal ones included.
 */
final class ThreeBrokers implements AutoCloseable {
    private final Path dir;
    private final int[] brokerPorts = new int[3];
    private final int[] controllerPorts = new int[3];
    private final KafkaRaftServer[] servers = new KafkaRaftServer[3];
    private final String clusterId = Uuid.randomUuid().toString();

    ThreeBrokers(Path dir) throws IOException {
        this.dir = dir;
        for (int i = 0; i < 3; i++) {
            brokerPorts[i] = ListenPort.unused();
            controllerPorts[i] = ListenPort.unused();
        }
    }

    /** Formats and starts every node; the quorum forms once a majority is up. */
    void start() throws IOException {
        List<Thread> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Properties p = properties(i);
            Path node = dir.resolve("node-" + i);
            Files.createDirectories(node);
            Path config = node.resolve("server.properties");
            try (var out = Files.newOutputStream(config)) {
                p.store(out, "failover test node " + i);
            }
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            int code = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", config.toString(),
                    "--ignore-formatted"}, new PrintStream(log, true, StandardCharsets.UTF_8));
            if (code != 0) {
                throw new IllegalStateException("format node " + i + ": " + log.toString(StandardCharsets.UTF_8));
            }
            servers[i] = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
            KafkaRaftServer s = servers[i];
            // startup() blocks until the node has joined; the first two must start together to form a majority.
            Thread t = new Thread(s::startup, "broker-" + i + "-start");
            t.start();
            starting.add(t);
        }
        for (Thread t : starting) {
            try {
                t.join(120_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the brokers started", e);
            }
        }
    }

    String bootstrapServers() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.add("127.0.0.1:" + brokerPorts[i]);
        }
        return String.join(",", all);
    }

    /** Stops one node (its broker and its voter) as a failure would take it away. */
    void stop(int node) {
        KafkaRaftServer s = servers[node];
        if (s != null) {
            s.shutdown();
            s.awaitShutdown();
            servers[node] = null;
        }
    }

    private Properties properties(int i) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(i + 1));
        String voters = java.util.stream.IntStream.range(0, 3)
                .mapToObj(n -> (n + 1) + "@127.0.0.1:" + controllerPorts[n]).collect(Collectors.joining(","));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i]);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.resolve("node-" + i).resolve("logs").toAbsolutePath().toString());
        p.put("auto.create.topics.enable", "false");
        p.put("default.replication.factor", "3");
        p.put("min.insync.replicas", "2");
        p.put("offsets.topic.replication.factor", "3");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "3");
        p.put("transaction.state.log.min.isr", "2");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "3");
        p.put("share.coordinator.state.topic.min.isr", "2");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Fewer threads than a production broker: three of them share two cores with five app processes.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("log.cleaner.threads", "1");
        return p;
    }

    /**
     * Stops every node at once, each on its own thread: a node's shutdown waits for the quorum, so one by one
     * the last would wait for voters the others took with them. What has not stopped after a minute is left
     * to the JVM's exit (the threads are daemons).
     */
    @Override
    public void close() {
        List<Thread> stopping = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            KafkaRaftServer s = servers[i];
            servers[i] = null;
            if (s != null) {
                Thread t = new Thread(() -> {
                    s.shutdown();
                    s.awaitShutdown();
                }, "broker-" + i + "-stop");
                t.setDaemon(true);
                t.start();
                stopping.add(t);
            }
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
        for (Thread t : stopping) {
            try {
                t.join(Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
