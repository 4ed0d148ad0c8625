package io.costwarden.streams.inventory;

import static io.costwarden.streams.Events.arn;
import static io.costwarden.streams.Events.event;
import static io.costwarden.streams.Events.launch;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.Resource;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.Topics;
import io.costwarden.model.Verb;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InventoryTopologyTest {
    private TopologyTestDriver driver;
    private TestInputTopic<String, ResourceEvent> events;
    private KeyValueStore<String, Resource> inventory;

    @BeforeEach
    void start() {
        StreamsBuilder builder = new StreamsBuilder();
        InventoryTopology.build(builder);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "inventory-test");
        driver = new TopologyTestDriver(builder.build(), props);
        events = driver.createInputTopic(Topics.EVENTS.name(), Topics.EVENTS.keySerde().serializer(),
                Topics.EVENTS.valueSerde().serializer());
        inventory = driver.getKeyValueStore(InventoryTopology.STORE);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void send(ResourceEvent e) {
        events.pipeInput(e.resourceId(), e);
    }

    @Test
    void foldsLaunchTagAndStopIntoOneResource() {
        send(launch("i-1", "g5.xlarge", 1, Map.of("team", "vision"), "2026-11-20T10:00:00Z"));
        send(event("CreateTags", Verb.TAG, "i-1", "", 0, Map.of("owner", "ana"), "2026-11-20T10:01:00Z"));
        send(event("StopInstances", Verb.STOP, "i-1", "", 0, Map.of(), "2026-11-20T11:00:00Z"));

        Resource r = inventory.get(arn("i-1"));
        assertThat(r.state()).isEqualTo("stopped");
        assertThat(r.instanceType()).isEqualTo("g5.xlarge");
        assertThat(r.gpuCount()).isEqualTo(1);
        assertThat(r.tags()).containsEntry("team", "vision").containsEntry("owner", "ana");
        assertThat(r.launchedAt()).contains(Instant.parse("2026-11-20T10:00:00Z"));
        assertThat(r.launchedBy()).endsWith(":user/ana");
        assertThat(r.lastEventName()).isEqualTo("StopInstances");
    }

    @Test
    void anOlderEventArrivingLateDoesNotMoveStateBackwards() {
        send(event("StopInstances", Verb.STOP, "i-2", "", 0, Map.of(), "2026-11-20T12:00:00Z"));
        send(event("StartInstances", Verb.START, "i-2", "", 0, Map.of(), "2026-11-20T09:00:00Z"));
        assertThat(inventory.get(arn("i-2")).state()).isEqualTo("stopped");
        assertThat(inventory.get(arn("i-2")).lastEventAt()).isEqualTo(Instant.parse("2026-11-20T12:00:00Z"));
    }

    @Test
    void aRedeliveredEventIsDroppedUntilTheWindowHasPassed() {
        ResourceEvent tag = event("CreateTags", Verb.TAG, "i-5", "", 0, Map.of("team", "a"), "2026-11-20T10:00:00Z");
        send(tag);
        send(event("CreateTags", Verb.TAG, "i-5", "", 0, Map.of("team", "b"), "2026-11-20T10:05:00Z"));
        send(tag);
        assertThat(inventory.get(arn("i-5")).tags()).containsEntry("team", "b");

        driver.advanceWallClockTime(InventoryTopology.DUPLICATE_WINDOW.plusMinutes(10));
        send(tag);
        assertThat(inventory.get(arn("i-5")).tags()).as("forgotten after the window, so applied again")
                .containsEntry("team", "a");
    }

    @Test
    void deleteTagsRemovesTheKeys() {
        send(launch("i-6", "t3.large", 0, Map.of("team", "a", "owner", "b"), "2026-11-20T10:00:00Z"));
        send(event("DeleteTags", Verb.UNTAG, "i-6", "", 0, Map.of("owner", ""), "2026-11-20T10:01:00Z"));
        assertThat(inventory.get(arn("i-6")).tags()).containsOnlyKeys("team");
    }

    @Test
    void terminatedIsFinal() {
        send(event("TerminateInstances", Verb.TERMINATE, "i-3", "", 0, Map.of(), "2026-11-20T12:00:00Z"));
        send(event("StartInstances", Verb.START, "i-3", "", 0, Map.of(), "2026-11-20T13:00:00Z"));
        assertThat(inventory.get(arn("i-3")).state()).isEqualTo("terminated");
    }

    @Test
    void aRetypeChangesTypeAndGpus() {
        send(launch("i-4", "m5.large", 0, Map.of(), "2026-11-20T10:00:00Z"));
        send(event("ModifyInstanceAttribute", Verb.MODIFY, "i-4", "p4d.24xlarge", 8, Map.of(), "2026-11-20T10:30:00Z"));
        assertThat(inventory.get(arn("i-4")).instanceType()).isEqualTo("p4d.24xlarge");
        assertThat(inventory.get(arn("i-4")).gpuCount()).isEqualTo(8);
    }
}
