package io.costwarden.streams.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DecisionTopologyTest {
    private TopologyTestDriver driver;
    private TestInputTopic<String, Finding> findings;
    private TestOutputTopic<String, ActionRequest> actions;

    @BeforeEach
    void start() {
        StreamsBuilder builder = new StreamsBuilder();
        DecisionTopology.build(builder);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "decision-test");
        driver = new TopologyTestDriver(builder.build(), props);
        findings = driver.createInputTopic(Topics.FINDINGS.name(), Topics.FINDINGS.keySerde().serializer(),
                Topics.FINDINGS.valueSerde().serializer());
        actions = driver.createOutputTopic(Topics.ACTIONS.name(), Topics.ACTIONS.keySerde().deserializer(),
                Topics.ACTIONS.valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    static Finding finding(String id, ActionKind action, Mode mode) {
        String arn = ResourceKind.EC2_INSTANCE.arn("us-east-1", "123456789012", "i-1");
        return new Finding(Finding.SCHEMA_VERSION, id, "p", "v1", "launch", FindingState.OPEN, arn,
                ResourceKind.EC2_INSTANCE, "i-1", "123456789012", "us-east-1", "p4d.24xlarge", 8, "ana", Map.of(),
                List.of("missing required tags: team"), action, mode, Instant.parse("2026-11-20T10:00:00Z"), "e1");
    }

    @Test
    void aStopPolicyInDryRunOrEnforceBecomesOneRequestWithADeterministicId() {
        findings.pipeInput("k", finding("f1", ActionKind.STOP, Mode.DRY_RUN));
        findings.pipeInput("k", finding("f2", ActionKind.STOP, Mode.ENFORCE));
        List<ActionRequest> out = actions.readValuesToList();
        assertThat(out).extracting(ActionRequest::mode).containsExactly(Mode.DRY_RUN, Mode.ENFORCE);
        assertThat(out.get(0).actionId()).isEqualTo(Ids.action("f1", ActionKind.STOP));
        assertThat(out.get(0).nativeId()).isEqualTo("i-1");
        assertThat(out.get(0).region()).isEqualTo("us-east-1");
    }

    @Test
    void notifyModeAndNotifyActionsNeverBecomeRequests() {
        findings.pipeInput("k", finding("f1", ActionKind.STOP, Mode.NOTIFY));
        findings.pipeInput("k", finding("f2", ActionKind.NOTIFY, Mode.ENFORCE));
        assertThat(actions.isEmpty()).isTrue();
    }
}
