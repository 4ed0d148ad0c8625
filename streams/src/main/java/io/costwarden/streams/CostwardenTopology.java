package io.costwarden.streams;

import io.costwarden.model.ResourceChange;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.decisions.DecisionTopology;
import io.costwarden.streams.decisions.Verdict;
import io.costwarden.streams.idle.IdleStateSerde;
import io.costwarden.streams.idle.IdleTopology;
import io.costwarden.streams.inventory.InventoryTopology;
import io.costwarden.streams.launch.LaunchPolicyTopology;
import io.costwarden.streams.lifetime.LifetimeTopology;
import io.costwarden.streams.quota.GpuQuotaTopology;
import io.costwarden.streams.spend.SpendTopology;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;

/**
 * The streams role's whole topology: the inventory, each detector on its changes (and metrics), and
 * the decision steps that turn the detectors' verdicts into findings and action requests.
 */
public final class CostwardenTopology {
    private CostwardenTopology() {
    }

    /**
     * With the spend detector's prices and dimensions (the app's catalog and configuration) and the form the
     * idle detector's store writes in ({@code costwarden.streams.idle-state-format}).
     */
    public static Topology build(Supplier<PolicySet> policies, MeterRegistry meters, SpendTopology.Settings spend,
            IdleStateSerde.Format idleStateFormat) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, ResourceChange> changes = InventoryTopology.build(builder);

        // Verdicts keyed by resource ARN: decided next to the inventory, which tells of stops and tags.
        List<KStream<String, Verdict>> byResource = new ArrayList<>();
        byResource.add(LaunchPolicyTopology.build(builder, changes, policies));
        byResource.add(IdleTopology.build(builder, changes, policies, meters, idleStateFormat));
        byResource.add(LifetimeTopology.build(builder, changes, policies));

        // Verdicts keyed by group ("team=ml-research", "account=123456789012"), from detectors that
        // repartition by group; decided in their own store.
        List<KStream<String, Verdict>> byGroup = new ArrayList<>();
        byGroup.add(GpuQuotaTopology.build(builder, changes, policies));
        byGroup.add(SpendTopology.build(builder, changes, policies, meters, spend));

        DecisionTopology.forResources(builder, merge(byResource, "resource-verdicts"), changes, policies, meters);
        if (!byGroup.isEmpty()) {
            DecisionTopology.forGroups(builder, merge(byGroup, "group-verdicts"), policies, meters);
        }
        return builder.build();
    }

    private static KStream<String, Verdict> merge(List<KStream<String, Verdict>> streams, String name) {
        KStream<String, Verdict> all = streams.get(0);
        for (int i = 1; i < streams.size(); i++) {
            all = all.merge(streams.get(i), Named.as(name + "-" + i));
        }
        return all;
    }
}
