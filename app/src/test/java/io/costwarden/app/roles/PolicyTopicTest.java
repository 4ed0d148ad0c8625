package io.costwarden.app.roles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.costwarden.app.kafka.EmbeddedKafka;
import io.costwarden.model.PolicyDocument;
import io.costwarden.model.Topics;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.model.policy.ReloadingPolicies;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two instances following costwarden.policies.v1 on a real broker agree on every version. */
class PolicyTopicTest {
    static final String V1 = """
            policies:
              - name: team-tag
                resource: ec2-instance
                detect: {launch: {required-tags: [team]}}
            """;
    static final String V2 = V1 + """
              - name: idle
                resource: ec2-instance
                detect: {idle: {for: 1h, cpu-below: 5}}
            """;

    static EmbeddedKafka kafka;
    static Map<String, Object> client;

    @BeforeAll
    static void broker() throws Exception {
        kafka = new EmbeddedKafka(Path.of("target", "policy-topic-" + UUID.randomUUID()), 1);
        client = Map.of("bootstrap.servers", kafka.start(0));
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(Topics.POLICIES.name(), 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void everyInstanceRunsTheNewestValidDocumentAndRefusesAnInvalidOneAsAWhole() throws Exception {
        PolicySet bundled = PolicySet.empty("bundled");
        List<ReloadingPolicies.Reload> seenByA = new CopyOnWriteArrayList<>();
        List<ReloadingPolicies.Reload> seenByB = new CopyOnWriteArrayList<>();
        try (PolicyTopic a = new PolicyTopic(client, () -> bundled, Duration.ofSeconds(30), seenByA::add);
                PolicyTopic b = new PolicyTopic(client, () -> bundled, Duration.ofSeconds(30), seenByB::add)) {
            assertThat(a.get()).as("an empty topic: the fallback is in force").isSameAs(bundled);

            PolicySet v1 = a.publish("pod-a:/etc/costwarden/policies.yaml", V1, Instant.now());
            await().atMost(Duration.ofSeconds(20)).until(() -> b.get().version().equals(v1.version())
                    && a.get().version().equals(v1.version()));

            // A document that bypassed validation (another tool, an old version) is refused by every follower.
            try (KafkaProducer<String, PolicyDocument> raw = new KafkaProducer<>(client, new StringSerializer(),
                    Topics.POLICIES.valueSerde().serializer())) {
                raw.send(new ProducerRecord<>(Topics.POLICIES.name(), PolicyDocument.KEY, new PolicyDocument(
                        PolicyDocument.SCHEMA_VERSION, "someone", "x", "policies:\n  - name: Bad\n", Instant.now()))).get();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> seenByB.stream().anyMatch(r -> r instanceof ReloadingPolicies.Refused));
            assertThat(seenByB).filteredOn(r -> r instanceof ReloadingPolicies.Refused).singleElement()
                    .satisfies(r -> assertThat(((ReloadingPolicies.Refused) r).reason())
                            .contains("published from someone").contains("someone:2:5: policy is missing 'resource'"));
            assertThat(b.get().version()).isEqualTo(v1.version());

            assertThatThrownBy(() -> a.publish("pod-a", "policies: [oops", Instant.now())).isInstanceOf(InvalidPolicyException.class);

            // Not JSON at all (someone used kafka-console-producer with the YAML): refused, and following goes on.
            try (KafkaProducer<String, String> raw = new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
                raw.send(new ProducerRecord<>(Topics.POLICIES.name(), PolicyDocument.KEY, V2)).get();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> seenByA.stream()
                    .anyMatch(r -> r instanceof ReloadingPolicies.Refused f && f.reason().contains("not a policy document")));
            // A file older than the newest document (a pod restarting with an old ConfigMap) is not published.
            assertThat(a.publish("pod-c", V2, Instant.now().minus(Duration.ofDays(1))).version()).isNotEqualTo(a.get().version());
            assertThat(a.get().version()).isEqualTo(v1.version());

            PolicySet v2 = b.publish("pod-b", V2, Instant.now());
            await().atMost(Duration.ofSeconds(20)).until(() -> a.get().version().equals(v2.version()));
            assertThat(a.get().policies()).hasSize(2);
        }
        // An instance that starts later reads the topic to its end before it runs anything.
        try (PolicyTopic late = new PolicyTopic(client, () -> bundled, Duration.ofSeconds(30), r -> { })) {
            assertThat(late.get().policies()).hasSize(2);
        }
    }
}
