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
