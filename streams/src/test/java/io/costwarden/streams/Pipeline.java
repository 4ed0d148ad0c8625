package io.costwarden.streams;

import io.costwarden.model.ActionRequest;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.MetricSample;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.Topics;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.decisions.DecisionTopology;
import io.costwarden.streams.decisions.Verdict;
import io.costwarden.streams.inventory.InventoryTopology;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.KStream;

/**
 * One detector between the real inventory and the real decision step, on a TopologyTestDriver: what a
 * detector test needs to see the findings its verdicts become. Time is the test's: record times for
 * event time, {@link #advance} for the wall clock.
 */
public final class Pipeline implements AutoCloseable {
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, ResourceEvent> events;
    private final TestInputTopic<String, MetricSample> metrics;
    private final TestOutputTopic<String, Finding> findings;
    private final TestOutputTopic<String, ActionRequest> actions;
    private final List<Finding> seen = new ArrayList<>();

    public Pipeline(Supplier<PolicySet> policies, MeterRegistry meters, Instant wallClockStart,
            BiFunction<StreamsBuilder, KStream<String, ResourceChange>, KStream<String, Verdict>> detector) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, ResourceChange> changes = InventoryTopology.build(builder);
        DecisionTopology.forResources(builder, detector.apply(builder, changes), changes, policies, meters);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "pipeline-test");
        driver = new TopologyTestDriver(builder.build(), props, wallClockStart);
        events = driver.createInputTopic(Topics.EVENTS.name(), Topics.EVENTS.keySerde().serializer(),
                Topics.EVENTS.valueSerde().serializer());
        metrics = driver.createInputTopic(Topics.METRICS.name(), Topics.METRICS.keySerde().serializer(),
                Topics.METRICS.valueSerde().serializer());
        findings = driver.createOutputTopic(Topics.FINDINGS.name(), Topics.FINDINGS.keySerde().deserializer(),
                Topics.FINDINGS.valueSerde().deserializer());
        actions = driver.createOutputTopic(Topics.ACTIONS.name(), Topics.ACTIONS.keySerde().deserializer(),
                Topics.ACTIONS.valueSerde().deserializer());
    }

    public void send(ResourceEvent e) {
        events.pipeInput(e.resourceId(), e);
    }

    public void send(MetricSample m) {
        metrics.pipeInput(m.resourceId(), m, m.time());
    }

    public void advance(Duration d) {
        driver.advanceWallClockTime(d);
    }

    /** Every finding record since the last call, every state. */
    public List<Finding> transitions() {
        List<Finding> out = findings.readValuesToList();
        seen.addAll(out);
        return out;
    }

    /** The findings opened since the last call. */
    public List<Finding> opened() {
        return transitions().stream().filter(f -> f.state() == FindingState.OPEN).toList();
    }

    public List<ActionRequest> actions() {
        return actions.readValuesToList();
    }

    public TopologyTestDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        driver.close();
    }
}
