package io.costwarden.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.costwarden.app.kafka.EmbeddedKafka;
import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.billing.BillingExport;
import io.costwarden.ingest.billing.BillingImport;
import io.costwarden.model.CostLineItem;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FinOps Foundation's FOCUS sample through the importer into a real (in-JVM) broker. */
class BillingImportTest {
    @TempDir
    Path dir;

    static final String MANIFEST = "exports/focus/metadata/BILLING_PERIOD=2024-09/focus-Manifest.json";
    static final String DATA = "exports/focus/data/BILLING_PERIOD=2024-09/run-1/focus-00001.csv.gz";

    static String listing(String etag) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<Name>billing</Name><Prefix>exports/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>"
                + "<Contents><Key>" + MANIFEST + "</Key><LastModified>2024-10-01T00:00:00.000Z</LastModified><ETag>&quot;" + etag
                + "&quot;</ETag><Size>400</Size><StorageClass>STANDARD</StorageClass></Contents>"
                + "<Contents><Key>" + DATA + "</Key><LastModified>2024-10-01T00:00:00.000Z</LastModified><ETag>&quot;d1&quot;</ETag>"
                + "<Size>40000</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>";
    }

    /** S3 over HTTP (WireMock) as AWS Data Exports lay it out: a manifest naming the run's data files. */
    @Test
    void aChangedManifestIsImportedAgainWithTheSameIds() throws Exception {
        com.github.tomakehurst.wiremock.WireMockServer s3 = new com.github.tomakehurst.wiremock.WireMockServer(
                com.github.tomakehurst.wiremock.core.WireMockConfiguration.options().dynamicPort());
        s3.start();
        try (EmbeddedKafka broker = new EmbeddedKafka(dir.resolve("kafka"), 1);
                software.amazon.awssdk.services.s3.S3Client client = software.amazon.awssdk.services.s3.S3Client.builder()
                        .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                        .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
                        .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("x", "x")))
                        .endpointOverride(java.net.URI.create("http://localhost:" + s3.port())).build()) {
            String bootstrap = broker.start(0);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(Topics.COSTS.name(), 1, (short) 1), new NewTopic(Topics.DLQ.name(), 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            byte[] focus = Files.readAllBytes(Path.of("..", "ingest", "src", "test", "resources", "samples", "billing", "focus_sample.csv"));
            java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
            try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(gz)) {
                z.write(focus);
            }
            // Synthetic manifest in the Data Exports form.
            String manifest = "{\"version\":\"1.0\",\"exportName\":\"focus\",\"billingPeriod\":\"2024-09\","
                    + "\"executionId\":\"run-1\",\"dataFiles\":[\"s3://billing/" + DATA + "\"]}";
            s3.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/billing"))
                    .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
                            .withHeader("Content-Type", "application/xml").withBody(listing("m1"))));
            // The SDK percent-encodes the '=' of BILLING_PERIOD=..., so match on the file names.
            s3.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(com.github.tomakehurst.wiremock.client.WireMock.urlMatching("/billing/.*focus-Manifest\\.json"))
                    .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200).withBody(manifest)));
            s3.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(com.github.tomakehurst.wiremock.client.WireMock.urlMatching("/billing/.*focus-00001\\.csv\\.gz"))
                    .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200).withBody(gz.toByteArray())));

            try (KafkaPublisher publisher = new KafkaPublisher(bootstrap, Map.of(), Duration.ofSeconds(30))) {
                io.costwarden.ingest.billing.BillingExportPoller poller = new io.costwarden.ingest.billing.BillingExportPoller(client,
                        new BillingImport(new BillingExport(InputLimits.DEFAULT), publisher, new SimpleMeterRegistry(), Clock.systemUTC()),
                        publisher, new io.costwarden.ingest.billing.BillingExportPoller.Settings("billing", "exports/", Duration.ofMinutes(15)),
                        new SimpleMeterRegistry(), Clock.systemUTC());
                assertThat(poller.pollOnce()).isEqualTo(1);
                assertThat(poller.pollOnce()).as("same ETag: nothing new").isZero();
                s3.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/billing"))
                        .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
                                .withHeader("Content-Type", "application/xml").withBody(listing("m2"))));
                assertThat(poller.pollOnce()).as("AWS rewrote the period").isEqualTo(1);
            }

            Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "billing-poll-test", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
            try (KafkaConsumer<String, CostLineItem> c = new KafkaConsumer<>(props, new StringDeserializer(),
                    Topics.COSTS.valueSerde().deserializer())) {
                c.subscribe(List.of(Topics.COSTS.name()));
                List<String> ids = new java.util.ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    c.poll(Duration.ofMillis(200)).forEach(r -> ids.add(r.value().id()));
                    return ids.size() == 2 * 867;
                });
                assertThat(new java.util.HashSet<>(ids)).as("the re-import replaces: same ids").hasSize(867);
            }
        } finally {
            s3.stop();
        }
    }

    @Test
    void everyResourceHourOfTheFocusSampleIsDurableOnTheCostsTopic() throws Exception {
        try (EmbeddedKafka broker = new EmbeddedKafka(dir.resolve("kafka"), 1)) {
            String bootstrap = broker.start(0);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(Topics.COSTS.name(), 1, (short) 1), new NewTopic(Topics.DLQ.name(), 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            byte[] focus = Files.readAllBytes(Path.of("..", "ingest", "src", "test", "resources", "samples", "billing", "focus_sample.csv"));
            BillingImport.Report report;
            try (KafkaPublisher publisher = new KafkaPublisher(bootstrap, Map.of(), Duration.ofSeconds(30))) {
                report = new BillingImport(new BillingExport(InputLimits.DEFAULT), publisher, new SimpleMeterRegistry(),
                        Clock.systemUTC()).importFile("file:focus_sample.csv", focus);
            }
            assertThat(report.schema()).isEqualTo("focus");
            assertThat(report.items()).isEqualTo(867);

            Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "billing-test", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
            try (KafkaConsumer<String, CostLineItem> c = new KafkaConsumer<>(props, new StringDeserializer(),
                    Topics.COSTS.valueSerde().deserializer())) {
                c.subscribe(List.of(Topics.COSTS.name()));
                Map<String, CostLineItem> byId = new HashMap<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    c.poll(Duration.ofMillis(200)).forEach(r -> byId.put(r.value().id(), r.value()));
                    return byId.size() == 867;
                });
                assertThat(byId.values().stream().mapToDouble(CostLineItem::billedCost).sum())
                        .isCloseTo(20.577654408, org.assertj.core.api.Assertions.within(1e-6));
            }
        }
    }
}
