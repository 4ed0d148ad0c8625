package io.costwarden.app;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.model.MetricSample;
import io.costwarden.model.Topic;
import io.costwarden.model.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** The Firehose HTTP endpoint destination, against request bodies in the recorded Firehose format. */
@QuarkusTest
@WithTestResource(FreshDataDir.class)
class FirehoseEndpointTest {
    static final String KEY = "test-firehose-key";

    @Inject
    KafkaCluster kafka;

    /** A delivery request as Firehose sends it: each record's data is base64 of metric-stream lines. */
    static String delivery(String requestId, String... recordData) {
        StringBuilder records = new StringBuilder();
        for (String d : recordData) {
            records.append(records.length() == 0 ? "" : ",").append("{\"data\":\"")
                    .append(Base64.getEncoder().encodeToString(d.getBytes(StandardCharsets.UTF_8))).append("\"}");
        }
        return "{\"requestId\":\"" + requestId + "\",\"timestamp\":1764000000000,\"records\":[" + records + "]}";
    }

    static byte[] gzip(String s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    static String line(String instanceId) {
        return Samples.text("samples/metricstreams/cwmetricstream_single_record.json").replace("i-123456789012", instanceId);
    }

    @Test
    void acknowledgesOnlyAfterTheSamplesAreInKafkaAndEchoesTheRequestId() throws IOException {
        String instance = "i-" + UUID.randomUUID().toString().replace("-", "").substring(0, 17);
        String requestId = UUID.randomUUID().toString();
        given().header("X-Amz-Firehose-Request-Id", requestId).header("X-Amz-Firehose-Access-Key", KEY)
                .header("Content-Encoding", "gzip").contentType("application/json")
                .body(gzip(delivery(requestId, line(instance) + "\n" + line(instance).replace("1611929698000", "1611929758000"))))
                .post("/ingest/firehose")
                .then().statusCode(200).body("requestId", equalTo(requestId)).body("timestamp", notNullValue());

        List<MetricSample> samples = read(Topics.METRICS, s -> s.resourceId().endsWith(instance), 2);
        assertThat(samples).extracting(MetricSample::resourceId)
                .containsOnly("arn:aws:ec2:us-east-1:1234567890:instance/" + instance);
    }

    @Test
    void aWrongOrMissingAccessKeyIs401() {
        given().header("X-Amz-Firehose-Request-Id", "r-1").header("X-Amz-Firehose-Access-Key", "nope")
                .body(delivery("r-1", line("i-0abc"))).post("/ingest/firehose")
                .then().statusCode(401).body("requestId", equalTo("r-1")).body("errorMessage", startsWith("X-Amz-Firehose-Access-Key"));
        given().header("X-Amz-Firehose-Request-Id", "r-2").body(delivery("r-2", line("i-0abc"))).post("/ingest/firehose")
                .then().statusCode(401);
    }

    @Test
    void theDocumentationsInvalidJsonIsA400NamingWhere() {
        given().header("X-Amz-Firehose-Request-Id", "ed4acda5-034f-9f42-bba1-f29aea6d7d8f").header("X-Amz-Firehose-Access-Key", KEY)
                .body(Samples.text("samples/metricstreams/firehose-developer-guide__httpdeliveryrequestresponse__block4__INVALID-JSON-as-published.json"))
                .post("/ingest/firehose")
                .then().statusCode(400).body("requestId", equalTo("ed4acda5-034f-9f42-bba1-f29aea6d7d8f"))
                .body("errorMessage", startsWith("not JSON"));
    }

    @Test
    void aBrokenDatapointIsDeadLetteredAndTheRestKept() {
        String instance = "i-" + UUID.randomUUID().toString().replace("-", "").substring(0, 17);
        String broken = line(instance).replace("\"timestamp\": 1611929698000", "\"timestamp\": \"yesterday\"");
        given().header("X-Amz-Firehose-Request-Id", "r-3").header("X-Amz-Firehose-Access-Key", KEY)
                .body(delivery("r-3", line(instance), broken)).post("/ingest/firehose")
                .then().statusCode(200);
        assertThat(read(Topics.METRICS, s -> s.resourceId().endsWith(instance), 1)).hasSize(1);
        assertThat(read(Topics.DLQ, d -> d.raw().contains(instance), 1)).singleElement().satisfies(d -> {
            assertThat(d.location()).isEqualTo("records[1] datapoint 0.timestamp");
            assertThat(d.source()).isEqualTo("http:/ingest/firehose");
        });
    }

    private <V> List<V> read(Topic<String, V> topic, Predicate<V> wanted, int count) {
        Map<String, Object> props = new HashMap<>(kafka.clientSettings());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "firehose-test-" + UUID.randomUUID());
        List<V> found = new ArrayList<>();
        try (KafkaConsumer<String, V> c = new KafkaConsumer<>(props, new StringDeserializer(), topic.valueSerde().deserializer())) {
            c.subscribe(List.of(topic.name()));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                c.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (wanted.test(r.value())) {
                        found.add(r.value());
                    }
                });
                return found.size() >= count;
            });
        }
        return found;
    }

}
