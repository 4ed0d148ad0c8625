package io.costwarden.app;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.model.DeadLetter;
import io.costwarden.model.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The production CloudTrail path end to end: an S3 notification on SQS (ElasticMQ), the log file from
 * S3 (WireMock), the finding out of the REST API, and the message deleted only after that.
 */
@QuarkusTest
@WithTestResource(FreshDataDir.class)
@WithTestResource(AwsInputs.class)
class CloudTrailQueueTest {
    static final String PREFIX = "AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-west-2/2024/12/16/";

    @Inject
    KafkaCluster kafka;

    static String notification(String key) {
        // Synthetic: an S3 event notification in the documented format.
        return "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-west-2\","
                + "\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"org-trail\"},"
                + "\"object\":{\"key\":\"" + key + "\",\"size\":4096}}}]}";
    }

    @Test
    void aLogFileAnnouncedOnTheQueueBecomesAFindingAndTheMessageIsDeleted() {
        String key = PREFIX + "111122223333_CloudTrail_us-west-2_20241216T1845Z_" + UUID.randomUUID() + ".json.gz";
        AwsInputs.s3.stubFor(get(urlEqualTo("/org-trail/" + key)).willReturn(aResponse().withStatus(200)
                .withBody(Samples.gzippedLogFile(Samples.text(Samples.GPU_LAUNCH)))));
        AwsInputs.sqs.sendMessage(b -> b.queueUrl(AwsInputs.queueUrl).messageBody(notification(key)));

        await().atMost(Duration.ofSeconds(60)).until(() -> given().queryParam("resource", Samples.GPU_ARN)
                .get("/api/findings").then().extract().jsonPath().getInt("total") >= 1);
        await().atMost(Duration.ofSeconds(30)).until(this::queueIsEmpty);
        AwsInputs.s3.verify(getRequestedFor(urlEqualTo("/org-trail/" + key)));
    }

    @Test
    void digestFilesAreSkippedWithoutBeingRead() {
        String digest = "AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail-Digest/us-west-2/2024/12/16/d-" + UUID.randomUUID() + ".json.gz";
        AwsInputs.sqs.sendMessage(b -> b.queueUrl(AwsInputs.queueUrl).messageBody(notification(digest)));
        await().atMost(Duration.ofSeconds(30)).until(this::queueIsEmpty);
        AwsInputs.s3.verify(0, getRequestedFor(urlEqualTo("/org-trail/" + digest)));
    }

    @Test
    void anUnreadableMessageIsDeadLetteredAndDeleted() {
        String marker = "not-a-notification-" + UUID.randomUUID();
        AwsInputs.sqs.sendMessage(b -> b.queueUrl(AwsInputs.queueUrl).messageBody("{\"" + marker + "\":true}"));
        await().atMost(Duration.ofSeconds(30)).until(this::queueIsEmpty);

        Map<String, Object> props = new HashMap<>(kafka.clientSettings());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "queue-test-" + marker);
        try (KafkaConsumer<String, DeadLetter> dlq = new KafkaConsumer<>(props, new StringDeserializer(),
                Topics.DLQ.valueSerde().deserializer())) {
            dlq.subscribe(List.of(Topics.DLQ.name()));
            List<DeadLetter> found = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                dlq.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value().raw().contains(marker)) {
                        found.add(r.value());
                    }
                });
                return !found.isEmpty();
            });
            assertThat(found.get(0).reason()).startsWith("unreadable queue message: not an S3 notification");
            assertThat(found.get(0).source()).isEqualTo("sqs:" + AwsInputs.queueUrl);
        }
    }

    /** The hostile-input corpus as log files in S3: every one read, its broken parts dead-lettered, the queue drained. */
    @Test
    void theHostileCorpusThroughTheQueueIsDeadLetteredAndDeleted() throws Exception {
        List<java.nio.file.Path> files = HostileInputEndpointsTest.corpus();
        double before = dlqTotal();
        for (java.nio.file.Path f : files) {
            String key = PREFIX + "hostile_" + f.getFileName() + "_" + UUID.randomUUID() + ".json.gz";
            AwsInputs.s3.stubFor(get(urlEqualTo("/org-trail/" + key)).willReturn(aResponse().withStatus(200)
                    .withBody(java.nio.file.Files.readAllBytes(f))));
            AwsInputs.sqs.sendMessage(b -> b.queueUrl(AwsInputs.queueUrl).messageBody(notification(key)));
        }
        await().atMost(Duration.ofSeconds(120)).until(this::queueIsEmpty);
        assertThat(dlqTotal() - before).as("every hostile file dead-lettered").isGreaterThanOrEqualTo(files.size());
        given().get("/q/health/live").then().statusCode(200);
    }

    static double dlqTotal() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^costwarden_dlq_total\\{[^}]*\\} ([0-9.eE+]+)$").matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private boolean queueIsEmpty() {
        Map<QueueAttributeName, String> a = AwsInputs.sqs.getQueueAttributes(b -> b.queueUrl(AwsInputs.queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return "0".equals(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                && "0".equals(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }
}
