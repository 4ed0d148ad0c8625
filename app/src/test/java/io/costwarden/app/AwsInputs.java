package io.costwarden.app;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.net.URI;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Real stand-ins for the AWS side of CloudTrail delivery: ElasticMQ (an SQS server in this JVM) and
 * WireMock serving S3 objects over HTTP. The app under test polls the queue as it would in AWS.
 */
public class AwsInputs implements QuarkusTestResourceLifecycleManager {
    static SQSRestServer sqsServer;
    static WireMockServer s3;
    static SqsClient sqs;
    static String queueUrl;

    @Override
    public Map<String, String> start() {
        sqsServer = SQSRestServerBuilder.withPort(0).withInterface("127.0.0.1").start();
        int port = sqsServer.waitUntilStarted().localAddress().getPort();
        s3 = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        s3.start();
        sqs = SqsClient.builder().region(Region.US_EAST_1).httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .endpointOverride(URI.create("http://127.0.0.1:" + port)).build();
        queueUrl = sqs.createQueue(b -> b.queueName("cloudtrail")).queueUrl();
        // The app's clients use the SDK's default credential chain; system properties are its first link.
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "secret");
        return Map.of(
                "costwarden.ingest.cloudtrail-queue.url", queueUrl,
                "costwarden.ingest.cloudtrail-queue.region", "us-east-1",
                "costwarden.ingest.cloudtrail-queue.sqs-endpoint", "http://127.0.0.1:" + port,
                "costwarden.ingest.cloudtrail-queue.s3-endpoint", "http://localhost:" + s3.port(),
                "costwarden.ingest.cloudtrail-queue.wait-time", "PT1S",
                "costwarden.ingest.cloudtrail-queue.visibility-timeout", "PT2S",
                "costwarden.ingest.cloudtrail-queue.max-receives", "2");
    }

    @Override
    public void stop() {
        sqs.close();
        s3.stop();
        sqsServer.stopAndWait();
    }
}
