package io.costwarden.app.failover;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.costwarden.app.ListenPort;
import io.costwarden.model.Finding;
import io.costwarden.model.Json;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topics;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Failover with real processes: a three-node KRaft cluster (replication 3, min.insync.replicas 2), three
 * app processes with the ingest and streams roles, and two with the actions role in enforce mode against
 * WireMock. 100,000 CloudTrail events over 5,000 instances are replayed, one in ten launched without the
 * required team tag. Part-way through one streams and one actions process are killed with SIGKILL and
 * restarted; later one broker is stopped. It passes only if, at the end, every expected finding exists
 * exactly once and no other, WireMock received each StopInstances exactly once, nothing went to the DLQ,
 * and every instance answers for every resource. Recovery times are written to target/failover/report.json
 * (and docs/operations.md).
 */
class FailoverIT {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(FailoverIT.class);
    static final int INSTANCES = 5_000;
    static final int EVENTS = 100_000;
    static final int PER_FILE = 1_000;
    static final String ACCOUNT = "123456789012";
    static final String REGION = "us-east-1";
    static final String POLICY = "instances-need-team-tag";
    static final String INGEST_KEY = "failover-ingest-key";
    static final Path DIR = Path.of("target", "failover");

    static ThreeBrokers brokers;
    static WireMockServer aws;
    static final List<AppProcess> streams = new ArrayList<>();
    static final List<AppProcess> actions = new ArrayList<>();
    static final Map<String, Object> report = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        deleteRecursively(DIR);
        Files.createDirectories(DIR);
        assertThat(AppProcess.JAR).as("the packaged app (failsafe runs after package)").exists();
        long t = System.nanoTime();
        brokers = new ThreeBrokers(DIR.resolve("kafka"));
        brokers.start();
        report.put("brokersStartSeconds", seconds(t));
        aws = new WireMockServer(options().dynamicPort().containerThreads(20));
        aws.start();
        Path policies = DIR.resolve("policies.yaml");
        Files.writeString(policies, """
                policies:
                  - name: %s
                    resource: ec2-instance
                    detect:
                      launch:
                        required-tags: [team]
                    action: stop
                    mode: enforce
                """.formatted(POLICY));
        Map<String, String> common = new HashMap<>();
        common.put("kafka.bootstrap.servers", brokers.bootstrapServers());
        common.put("costwarden.embedded-kafka.enabled", "false");
        common.put("costwarden.topics.partitions", "6");
        common.put("costwarden.topics.replication-factor", "3");
        common.put("costwarden.policies.file", policies.toAbsolutePath().toString());
        common.put("costwarden.ingest.api-key", INGEST_KEY);
        common.put("costwarden.actions.aws-endpoint-override", "http://127.0.0.1:" + aws.port());
        common.put("costwarden.actions.limits.per-policy", "100000");
        common.put("costwarden.actions.limits.global", "100000");
        common.put("costwarden.actions.waiter-poll", "PT0.05S");
        common.put("costwarden.streams.config.\"num.standby.replicas\"", "1");
        // A killed member is noticed in 10 s rather than the default 45 s (docs/operations.md, failover tuning).
        common.put("costwarden.streams.config.\"session.timeout.ms\"", "10000");
        common.put("costwarden.streams.config.\"heartbeat.interval.ms\"", "2000");
        // Only stops here: a short action deadline keeps the actions role's transaction timeout (and so how long
        // a killed instance's open transaction can hold up its successor) at 90 seconds.
        common.put("costwarden.actions.timeout", "PT1M");
        common.put("aws.accessKeyId", "AKIDEXAMPLE");
        common.put("aws.secretAccessKey", "secret");
        for (int i = 1; i <= 3; i++) {
            int port = ListenPort.unused();
            Map<String, String> p = new HashMap<>(common);
            p.put("costwarden.roles", "ingest,streams");
            p.put("costwarden.data-dir", DIR.resolve("streams-" + i).toAbsolutePath().toString());
            p.put("costwarden.streams.advertised-address", "127.0.0.1:" + port);
            streams.add(new AppProcess("streams-" + i, port, p, DIR));
        }
        for (int i = 1; i <= 2; i++) {
            Map<String, String> p = new HashMap<>(common);
            p.put("costwarden.roles", "actions");
            p.put("costwarden.data-dir", DIR.resolve("actions-" + i).toAbsolutePath().toString());
            actions.add(new AppProcess("actions-" + i, ListenPort.unused(), p, DIR));
        }
        t = System.nanoTime();
        // The first creates the topics; the others join once they exist.
        streams.get(0).start();
        awaitReady(streams.get(0));
        for (AppProcess p : List.of(streams.get(1), streams.get(2), actions.get(0), actions.get(1))) {
            p.start();
        }
        for (AppProcess p : List.of(streams.get(1), streams.get(2), actions.get(0), actions.get(1))) {
            awaitReady(p);
        }
        report.put("appsStartSeconds", seconds(t));
    }

    @AfterAll
    static void stopAll() throws Exception {
        Files.writeString(DIR.resolve("report.json"), Json.mapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(report));
        for (AppProcess p : streams) {
            p.stop();
        }
        for (AppProcess p : actions) {
            p.stop();
        }
        if (aws != null) {
            aws.stop();
        }
        if (brokers != null) {
            brokers.close();
        }
    }

    /** Progress on the test's output, so that a CI log shows where a run stood. */
    static void progress(String what) {
        LOG.infof("[failover] %s %s", what, report);
    }

    static void awaitReady(AppProcess p) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .failFast("process " + p.name + " exited; see " + p.log(), () -> false)
                .until(p::ready);
    }

    // ---- the scenario

    static String instanceId(int i) {
        return String.format("i-%017x", 0x10000 + i);
    }

    static boolean untagged(int i) {
        return i % 10 == 0;
    }

    static ObjectNode record(String name, String eventId, Instant at) {
        ObjectNode r = Json.mapper().createObjectNode();
        r.put("eventVersion", "1.10");
        ObjectNode who = r.putObject("userIdentity");
        who.put("type", "IAMUser").put("principalId", "AIDAEXAMPLE").put("arn", "arn:aws:iam::" + ACCOUNT + ":user/load")
                .put("accountId", ACCOUNT).put("userName", "load");
        r.put("eventTime", at.toString()).put("eventSource", "ec2.amazonaws.com").put("eventName", name)
                .put("awsRegion", REGION).put("sourceIPAddress", "203.0.113.10").put("userAgent", "failover-test")
                .put("eventID", eventId).put("readOnly", false).put("eventType", "AwsApiCall")
                .put("managementEvent", true).put("recipientAccountId", ACCOUNT).put("eventCategory", "Management");
        return r;
    }

    static ObjectNode runInstances(int i, Instant at, String eventId) {
        String id = instanceId(i);
        ObjectNode r = record("RunInstances", eventId, at);
        ObjectNode req = r.putObject("requestParameters");
        req.put("instanceType", "m5.large");
        ArrayNode tags = req.putObject("tagSpecificationSet").putArray("items").addObject().put("resourceType", "instance")
                .putArray("tags");
        tags.addObject().put("key", "Name").put("value", "load-" + i);
        if (!untagged(i)) {
            tags.addObject().put("key", "team").put("value", "team-" + (i % 7));
        }
        ObjectNode item = r.putObject("responseElements").put("ownerId", ACCOUNT).putObject("instancesSet")
                .putArray("items").addObject();
        item.put("instanceId", id).put("instanceType", "m5.large");
        item.putObject("instanceState").put("code", 0).put("name", "pending");
        item.putObject("placement").put("availabilityZone", REGION + "a");
        return r;
    }

    static ObjectNode createTags(int i, int rev, Instant at, String eventId) {
        ObjectNode r = record("CreateTags", eventId, at);
        ObjectNode req = r.putObject("requestParameters");
        req.putObject("resourcesSet").putArray("items").addObject().put("resourceId", instanceId(i));
        req.putObject("tagSet").putArray("items").addObject().put("key", "rev").put("value", String.valueOf(rev));
        r.putNull("responseElements");
        return r;
    }

    /** The 100 files of the scenario: all launches first, then 19 tag changes per instance, interleaved. */
    static List<byte[]> scenario(Instant start) throws IOException {
        List<ObjectNode> records = new ArrayList<>(EVENTS);
        AtomicInteger n = new AtomicInteger();
        for (int i = 0; i < INSTANCES; i++) {
            int k = n.getAndIncrement();
            records.add(runInstances(i, start.plusMillis(10L * k), String.format("e%08d-0000-4000-8000-000000000000", k)));
        }
        for (int rev = 1; rev <= 19; rev++) {
            for (int i = 0; i < INSTANCES; i++) {
                int k = n.getAndIncrement();
                records.add(createTags(i, rev, start.plusMillis(10L * k), String.format("e%08d-0000-4000-8000-000000000000",
                        k)));
            }
        }
        List<byte[]> files = new ArrayList<>();
        for (int f = 0; f < records.size(); f += PER_FILE) {
            ObjectNode file = Json.mapper().createObjectNode();
            file.putArray("Records").addAll(records.subList(f, Math.min(records.size(), f + PER_FILE)));
            files.add(Json.mapper().writeValueAsBytes(file));
        }
        return files;
    }

    /** A launch outside the scenario, without the team tag, to time how long a new finding takes. */
    static byte[] probe(int i) throws IOException {
        ObjectNode file = Json.mapper().createObjectNode();
        file.putArray("Records").add(runInstances(i, Instant.now().minusSeconds(5),
                String.format("p%08d-0000-4000-8000-000000000000", i)));
        return Json.mapper().writeValueAsBytes(file);
    }

    /** Posts to the first live streams process that takes it; a process killed mid-request is skipped. */
    static void send(byte[] file) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (AppProcess p : streams) {
                try {
                    HttpResponse<String> r = p.post("/ingest/cloudtrail", file, Map.of("x-api-key", INGEST_KEY,
                            "Content-Type", "application/json"));
                    if (r.statusCode() == 200) {
                        return true;
                    }
                } catch (IOException e) {
                    // that process is down: the next one
                }
            }
            return false;
        });
    }

    // ---- WireMock: each instance that will be stopped answers as EC2 would, running until stopped

    static void stubInstance(String id) {
        String scenario = "ec2-" + id;
        aws.stubFor(post("/").withRequestBody(containing("Action=DescribeInstances&"))
                .withRequestBody(containing("InstanceId.1=" + id))
                .inScenario(scenario).whenScenarioStateIs(Scenario.STARTED).willReturn(describe(id, 16, "running")));
        aws.stubFor(post("/").withRequestBody(containing("Action=StopInstances&"))
                .withRequestBody(containing("InstanceId.1=" + id)).inScenario(scenario).willSetStateTo("stopped")
                .willReturn(xml("<StopInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>s-"
                        + id + "</requestId><instancesSet/></StopInstancesResponse>")));
        aws.stubFor(post("/").withRequestBody(containing("Action=DescribeInstances&"))
                .withRequestBody(containing("InstanceId.1=" + id)).inScenario(scenario).whenScenarioStateIs("stopped")
                .willReturn(describe(id, 80, "stopped")));
    }

    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder describe(String id, int code, String state) {
        return xml("<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>d-" + id
                + "</requestId><reservationSet><item><instancesSet><item><instanceId>" + id + "</instanceId><instanceState>"
                + "<code>" + code + "</code><name>" + state + "</name></instanceState></item></instancesSet></item>"
                + "</reservationSet></DescribeInstancesResponse>");
    }

    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder xml(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(body);
    }

    static Map<String, Integer> stopsById() {
        Map<String, Integer> out = new TreeMap<>();
        for (LoggedRequest r : aws.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/")))) {
            String body = r.getBodyAsString();
            if (body.startsWith("Action=StopInstances&")) {
                String id = body.substring(body.indexOf("InstanceId.1=") + "InstanceId.1=".length()).split("&")[0];
                out.merge(id, 1, Integer::sum);
            }
        }
        return out;
    }

    // ---- the test

    @Test
    void nothingIsLostAndNothingDoneTwiceThroughKilledProcessesAndALostBroker() throws Exception {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < INSTANCES; i++) {
            if (untagged(i)) {
                expected.add(instanceId(i));
            }
        }
        // Untagged like one in ten of the scenario, so each must become a finding and a stop.
        int[] probes = {INSTANCES + 10, INSTANCES + 20};
        for (int p : probes) {
            expected.add(instanceId(p));
        }
        expected.forEach(FailoverIT::stubInstance);
        List<byte[]> files = scenario(Instant.now().minus(Duration.ofMinutes(50)));
        assertThat(files).hasSize(EVENTS / PER_FILE);

        long t = System.nanoTime();
        for (int f = 0; f < 40; f++) {
            send(files.get(f));
        }
        report.put("first40kEventsSentSeconds", seconds(t));
        progress("40,000 events sent");

        // kill -9 one streams and one actions process and start them again, as an orchestrator would; the time
        // until a new finding has its stop is the recovery time.
        progress("killing streams-1 and actions-1");
        streams.get(0).kill();
        actions.get(0).kill();
        long killed = System.nanoTime();
        streams.get(0).start();
        actions.get(0).start();
        send(probe(probes[0]));
        String probe1 = instanceId(probes[0]);
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(250))
                .until(() -> stopsById().containsKey(probe1));
        report.put("recoveryAfterKillingAStreamsAndAnActionsProcessSeconds", seconds(killed));
        awaitReady(streams.get(0));
        awaitReady(actions.get(0));
        report.put("killedProcessesBackAndReadySeconds", seconds(killed));
        progress("recovered from the kills");

        for (int f = 40; f < 70; f++) {
            send(files.get(f));
        }
        progress("stopping broker 3");
        brokers.stop(2);
        long brokerLost = System.nanoTime();
        send(probe(probes[1]));
        String probe2 = instanceId(probes[1]);
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250))
                .until(() -> stopsById().containsKey(probe2));
        report.put("recoveryAfterLosingABrokerSeconds", seconds(brokerLost));
        progress("recovered from the lost broker");
        for (int f = 70; f < files.size(); f++) {
            send(files.get(f));
        }
        report.put("allEventsSentSeconds", seconds(t));

        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(2))
                .until(() -> stopsById().keySet().containsAll(expected));
        report.put("allExpectedStopsSeconds", seconds(t));
        progress("every expected stop received");
        Map<String, Integer> stops = stopsById();
        assertThat(stops.keySet()).as("StopInstances only for the untagged instances").isEqualTo(expected);
        assertThat(stops.values()).as("each StopInstances exactly once").allMatch(n -> n == 1);

        // Every instance's inventory has every resource, from every instance's API.
        long inventory = System.nanoTime();
        List<String> arns = IntStream.range(0, INSTANCES).mapToObj(i -> ResourceKind.EC2_INSTANCE.arn(REGION, ACCOUNT,
                instanceId(i))).collect(Collectors.toList());
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2)).until(() ->
                streams.get(0).get("/api/resources?limit=1").body().contains("\"total\":" + (INSTANCES + probes.length)));
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            int askedAgain = 0;
            for (AppProcess p : streams) {
                Set<String> unanswered = java.util.concurrent.ConcurrentHashMap.newKeySet();
                unanswered.addAll(arns);
                AtomicInteger rounds = new AtomicInteger();
                // A partition whose task is moving between instances answers 503 for a moment (InventoryQuery
                // says so rather than answer from half a store): what was not answered is asked again.
                await("every resource answered by " + p.name).atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofSeconds(2)).until(() -> {
                    rounds.incrementAndGet();
                    List<Future<?>> asks = new ArrayList<>();
                    for (String arn : List.copyOf(unanswered)) {
                        asks.add(pool.submit(() -> {
                            if (p.get("/api/resources/" + arn).statusCode() == 200) {
                                unanswered.remove(arn);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> a : asks) {
                        try {
                            a.get();
                        } catch (java.util.concurrent.ExecutionException timedOutOrRefused) {
                            // still unanswered: asked again next round
                        }
                    }
                    return unanswered.isEmpty();
                });
                askedAgain += rounds.get() - 1;
            }
            report.put("inventoryRoundsAskedAgain", askedAgain);
        } finally {
            pool.shutdownNow();
        }
        report.put("inventoryCheckedFromEveryInstanceSeconds", seconds(inventory));
        progress("inventory answered from every instance");

        // Findings: exactly one per expected instance, each transition recorded once, and no other.
        Map<String, List<Finding>> findings = readFindings();
        Map<String, Set<String>> idsByResource = new TreeMap<>();
        Map<String, Integer> transitions = new HashMap<>();
        for (List<Finding> byId : findings.values()) {
            for (Finding f : byId) {
                idsByResource.computeIfAbsent(f.nativeId(), k -> new HashSet<>()).add(f.id());
                transitions.merge(f.transitionId(), 1, Integer::sum);
            }
        }
        assertThat(idsByResource.keySet()).as("findings only for the untagged instances").isEqualTo(expected);
        assertThat(idsByResource.values()).as("one finding per instance").allMatch(ids -> ids.size() == 1);
        assertThat(transitions.values()).as("each transition exactly once").allMatch(n -> n == 1);
        assertThat(findings.values()).allMatch(byId -> byId.stream().anyMatch(f -> f.state().word().equals("acted")));
        assertThat(records(Topics.DLQ.name())).as("dead letters").isZero();
        report.put("findings", idsByResource.size());
        report.put("stops", stops.size());
        report.put("events", EVENTS + probes.length);
        report.put("resources", INSTANCES + probes.length);
    }

    static Map<String, List<Finding>> readFindings() {
        Map<String, List<Finding>> out = new TreeMap<>();
        consume(Topics.FINDINGS.name(), r -> {
            Finding f = Topics.FINDINGS.valueSerde().deserializer().deserialize(r.topic(), r.value());
            out.computeIfAbsent(f.id(), k -> new ArrayList<>()).add(f);
        });
        return out;
    }

    static long records(String topic) {
        AtomicInteger n = new AtomicInteger();
        consume(topic, r -> n.incrementAndGet());
        return n.get();
    }

    /** Reads a topic from the beginning to its end, committed records only. */
    static void consume(String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            await().atMost(Duration.ofMinutes(2)).until(() -> {
                c.poll(Duration.ofMillis(500)).forEach(each);
                return parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
            });
        }
    }

    static double seconds(long since) {
        return Math.round((System.nanoTime() - since) / 1e7) / 100.0;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
