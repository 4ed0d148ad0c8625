package io.costwarden.app;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import io.costwarden.actions.Executor;
import io.costwarden.actions.ExecutorTopology;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.app.kafka.EmbeddedKafka;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topic;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * At most once per action id, across restarts: the executor is stopped, its local state wiped, and the
 * same enforce request delivered again; the ledger restored from its changelog still remembers it.
 * Real broker (in-JVM KRaft), real SDK over HTTP to WireMock.
 */
class ExecutorRestartTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka broker;
    static String bootstrap;
    static WireMockServer aws;

    @BeforeAll
    static void start() throws Exception {
        broker = new EmbeddedKafka(dir.resolve("kafka"), 1);
        bootstrap = broker.start(0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(Topics.ALL.stream().map(t -> new NewTopic(t.name(), 1, (short) 1)).toList())
                    .all().get(30, TimeUnit.SECONDS);
        }
        aws = new WireMockServer(options().dynamicPort());
        aws.start();
        aws.stubFor(post("/").withRequestBody(containing("Action=StopInstances&")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/xml").withBody(
                "<StopInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r-1</requestId>"
                        + "<instancesSet/></StopInstancesResponse>")));
        // Every enforced stop describes the instance first; it runs, so the stop is sent.
        aws.stubFor(post("/").withRequestBody(containing("Action=DescribeInstances&")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/xml").withBody(
                "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r-0</requestId>"
                        + "<reservationSet><item><instancesSet><item><instanceState><code>16</code><name>running</name>"
                        + "</instanceState></item></instancesSet></item></reservationSet></DescribeInstancesResponse>")));
    }

    @AfterAll
    static void stop() {
        aws.stop();
        broker.close();
    }

    @Test
    void noStopIsSentTwiceWhenTheSameRequestArrivesAfterARestartWithLostLocalState() throws Exception {
        ActionRequest first = enforceStop("i-0000000000000000a");
        Path state = dir.resolve("state");

        try (Running executor = new Running(state)) {
            send(first);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> aws.verify(1, stopOf("i-0000000000000000a")));
        }
        deleteRecursively(state);

        ActionRequest sentinel = enforceStop("i-0000000000000000b");
        try (Running executor = new Running(state)) {
            send(first);
            send(sentinel);
            // The sentinel comes after the duplicate in the same partition: once it is stopped, the duplicate was seen.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> aws.verify(1, stopOf("i-0000000000000000b")));
        }
        aws.verify(1, stopOf("i-0000000000000000a"));
        aws.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=DescribeInstances&"))
                .withRequestBody(containing("i-0000000000000000a")));
    }

    static RequestPatternBuilder stopOf(String instanceId) {
        return postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=StopInstances&"))
                .withRequestBody(containing(instanceId));
    }

    static ActionRequest enforceStop(String instanceId) {
        String arn = ResourceKind.EC2_INSTANCE.arn("us-east-1", "123456789012", instanceId);
        String findingId = Ids.finding("p", arn, "event:e1");
        return new ActionRequest(ActionRequest.SCHEMA_VERSION, Ids.action(findingId, ActionKind.STOP), findingId, "p", "v1",
                ActionKind.STOP, Mode.ENFORCE, arn, ResourceKind.EC2_INSTANCE, instanceId, "123456789012", "us-east-1",
                Instant.parse("2026-11-20T10:00:00Z"));
    }

    static void send(ActionRequest r) throws Exception {
        Topic<String, ActionRequest> t = Topics.ACTIONS;
        try (KafkaProducer<String, ActionRequest> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap), t.keySerde().serializer(), t.valueSerde().serializer())) {
            p.send(new ProducerRecord<>(t.name(), r.resourceId(), r)).get(30, TimeUnit.SECONDS);
        }
    }

    /** The actions role as the app runs it: exactly-once Kafka Streams around the executor. */
    static final class Running implements AutoCloseable {
        private final AwsClients clients;
        private final KafkaStreams streams;

        Running(Path state) {
            clients = new AwsClients(Optional.of(URI.create("http://localhost:" + aws.port())),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            Executor executor = Executor.over(clients, false, meters, Clock.systemUTC());
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, "restart-test");
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
            p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            p.put("consumer.auto.offset.reset", "earliest");
            // The restarted instance is a new member; a short session lets the group drop the old one quickly.
            p.put("consumer.session.timeout.ms", 6000);
            p.put("consumer.heartbeat.interval.ms", 1000);
            streams = new KafkaStreams(ExecutorTopology.build(executor, meters), p);
            streams.start();
        }

        @Override
        public void close() {
            streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
            clients.close();
        }
    }

    static void deleteRecursively(Path p) throws Exception {
        if (Files.exists(p)) {
            try (var walk = Files.walk(p)) {
                for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }
    }

}
