package io.costwarden.ingest.s3sqs;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.costwarden.ingest.CloudTrailIngest;
import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.cloudtrail.CloudTrailParser;
import io.costwarden.model.InstanceCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * With Kafka down, a log file announced on SQS is never acknowledged: the message stays on the queue,
 * even past the receive limit (dead-lettering needs Kafka too). Real SQS (ElasticMQ in this JVM), S3 over
 * HTTP (WireMock), a real Kafka producer aimed at a closed port.
 */
class KafkaOutageKeepsTheMessageTest {
    private SQSRestServer sqsServer;
    private WireMockServer s3Server;
    private SqsClient sqs;
    private S3Client s3;
    private String queueUrl;

    @BeforeEach
    void start() {
        sqsServer = SQSRestServerBuilder.withPort(0).withInterface("127.0.0.1").start();
        int port = sqsServer.waitUntilStarted().localAddress().getPort();
        s3Server = new WireMockServer(options().dynamicPort());
        s3Server.start();
        StaticCredentialsProvider creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));
        sqs = SqsClient.builder().region(Region.US_EAST_1).credentialsProvider(creds)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create("http://127.0.0.1:" + port)).build();
        s3 = S3Client.builder().region(Region.US_EAST_1).credentialsProvider(creds).forcePathStyle(true)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create("http://localhost:" + s3Server.port())).build();
        queueUrl = sqs.createQueue(b -> b.queueName("trail")).queueUrl();
    }

    @AfterEach
    void stop() {
        sqs.close();
        s3.close();
        s3Server.stop();
        sqsServer.stopAndWait();
    }

    @Test
    void theMessageIsNotDeletedWhileKafkaCannotAcknowledge() throws Exception {
        s3Server.stubFor(get(urlEqualTo("/trail-bucket/" + QueueMessageTest.KEY)).willReturn(aResponse().withStatus(200)
                .withBody(io.costwarden.ingest.cloudtrail.CloudTrailParserTest.gzip(
                        io.costwarden.ingest.cloudtrail.CloudTrailParserTest.sample(
                                "awsdocs/cloudtrail-user-guide__cloudtrail-log-file-examples__block3.json")))));
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(QueueMessageTest.s3Notification("trail-bucket", QueueMessageTest.KEY)));

        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (KafkaPublisher dead = new KafkaPublisher("127.0.0.1:" + closedPort, Map.of(), Duration.ofSeconds(2));
                CloudTrailQueuePoller poller = new CloudTrailQueuePoller(sqs, s3,
                        new CloudTrailIngest(new CloudTrailParser(InstanceCatalog.bundled(), InputLimits.DEFAULT, Clock.systemUTC()),
                                dead, meters, Clock.systemUTC()),
                        dead, new CloudTrailQueuePoller.Settings(queueUrl, Duration.ofSeconds(1), Duration.ofSeconds(1), 2),
                        meters, Clock.systemUTC())) {
            for (int receive = 1; receive <= 3; receive++) {
                await().atMost(Duration.ofSeconds(15)).until(() -> !poller.pollOnce().isEmpty());
            }
            assertThat(meters.counter("costwarden.sqs.messages", "outcome", "retry-later").count()).isEqualTo(3.0);
        }
        String visibleAgain = await().atMost(Duration.ofSeconds(15)).until(
                () -> sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(1)).messages().stream()
                        .map(m -> m.body()).findFirst().orElse(null), body -> body != null);
        assertThat(visibleAgain).contains(QueueMessageTest.KEY);
    }
}
