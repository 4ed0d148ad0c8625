package io.costwarden.model;

import java.util.List;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic Costwarden reads or writes. Keys are canonical resource ARNs, so that all facts about one
 * resource meet in one partition; names carry a version so a breaking schema change gets a new topic.
 */
public final class Topics {
    private Topics() {
    }

    public static final Topic<String, ResourceEvent> EVENTS =
            new Topic<>("costwarden.events.v1", Serdes.String(), JsonSerde.of(ResourceEvent.class), false);
    public static final Topic<String, MetricSample> METRICS =
            new Topic<>("costwarden.metrics.v1", Serdes.String(), JsonSerde.of(MetricSample.class), false);
    /** Keyed by resource ARN; an item's id is stable across restatements of the same bill. */
    public static final Topic<String, CostLineItem> COSTS =
            new Topic<>("costwarden.costs.v1", Serdes.String(), JsonSerde.of(CostLineItem.class), false);
    public static final Topic<String, Finding> FINDINGS =
            new Topic<>("costwarden.findings.v1", Serdes.String(), JsonSerde.of(Finding.class), false);
    public static final Topic<String, ActionRequest> ACTIONS =
            new Topic<>("costwarden.actions.v1", Serdes.String(), JsonSerde.of(ActionRequest.class), false);
    /** The audit trail: never compacted. */
    public static final Topic<String, ActionResult> ACTION_RESULTS =
            new Topic<>("costwarden.action-results.v1", Serdes.String(), JsonSerde.of(ActionResult.class), false);
    /** Keyed by where the input came from. */
    public static final Topic<String, DeadLetter> DLQ =
            new Topic<>("costwarden.dlq.v1", Serdes.String(), JsonSerde.of(DeadLetter.class), false);

    /**
     * The policy file every instance follows when policies are distributed through Kafka: compacted, one
     * partition, one key, so the latest version is the whole truth and every instance reads it in order.
     */
    public static final Topic<String, PolicyDocument> POLICIES =
            new Topic<>("costwarden.policies.v1", Serdes.String(), JsonSerde.of(PolicyDocument.class), true);

    /** Operator switches every executor follows (the actions kill switch): compacted, one partition. */
    public static final Topic<String, ActionsControl> CONTROL =
            new Topic<>("costwarden.control.v1", Serdes.String(), JsonSerde.of(ActionsControl.class), true);

    public static final List<Topic<?, ?>> ALL = List.of(EVENTS, METRICS, COSTS, FINDINGS, ACTIONS, ACTION_RESULTS, DLQ,
            POLICIES, CONTROL);
}
