package io.costwarden.streams;

import io.costwarden.model.ResourceChange;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.decisions.DecisionTopology;
import io.costwarden.streams.idle.IdleTopology;
import io.costwarden.streams.inventory.InventoryTopology;
import io.costwarden.streams.launch.LaunchPolicyTopology;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;

/** The streams role's whole topology: inventory, then each detector on its changes, then decisions. */
public final class CostwardenTopology {
    private CostwardenTopology() {
    }

    public static Topology build(Supplier<PolicySet> policies, MeterRegistry meters) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, ResourceChange> changes = InventoryTopology.build(builder);
        LaunchPolicyTopology.build(changes, policies, meters);
        IdleTopology.build(builder, changes, policies, meters);
        DecisionTopology.build(builder);
        return builder.build();
    }
}
