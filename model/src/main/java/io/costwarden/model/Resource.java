package io.costwarden.model;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The inventory's view of one resource: every ResourceEvent for it folded in event order.
 *
 * @param state       {@code pending}, {@code running}, {@code stopped} or {@code terminated}
 * @param gpuCount    GPUs of the whole resource (all its instances)
 * @param count       instances it runs (see {@link ResourceEvent#count()}); 0 when unknown
 * @param launchedBy  principal of the launch, empty when the launch predates what Costwarden has seen
 * @param launchedAt  present only when the launch itself was seen
 */
public record Resource(
        int schemaVersion,
        String id,
        ResourceKind kind,
        String nativeId,
        String account,
        String region,
        String state,
        String instanceType,
        int gpuCount,
        int count,
        PurchaseOption purchase,
        Map<String, String> tags,
        String launchedBy,
        Optional<Instant> launchedAt,
        Instant lastEventAt,
        String lastEventName,
        String lastEventId) {

    public static final int SCHEMA_VERSION = 1;

    public Resource {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        launchedAt = launchedAt == null ? Optional.empty() : launchedAt;
        instanceType = instanceType == null ? "" : instanceType;
        launchedBy = launchedBy == null ? "" : launchedBy;
    }

    /** The resource as first seen through this event. */
    public static Resource from(ResourceEvent e) {
        Resource blank = new Resource(SCHEMA_VERSION, e.resourceId(), e.kind(), e.nativeId(), e.account(), e.region(),
                "unknown", "", 0, 0, PurchaseOption.UNKNOWN, Map.of(), "", Optional.empty(), e.time(), "", "");
        return blank.apply(e);
    }

    /**
     * Folds one event in. An event older than the last one applied still contributes tags and type
     * but does not move the state backwards: CloudTrail delivers out of order across log files.
     */
    public Resource apply(ResourceEvent e) {
        boolean newer = !e.time().isBefore(lastEventAt);
        String nextState = state;
        String nextType = instanceType;
        int nextGpus = gpuCount;
        int nextCount = count;
        PurchaseOption nextPurchase = purchase;
        Map<String, String> nextTags = tags;
        String nextLaunchedBy = launchedBy;
        Optional<Instant> nextLaunchedAt = launchedAt;
        switch (e.verb()) {
            case LAUNCH -> {
                nextLaunchedBy = e.principal();
                nextLaunchedAt = Optional.of(e.time());
                nextTags = merge(e.tags(), tags);
                if (newer || "unknown".equals(state)) {
                    nextState = "pending";
                }
            }
            case START -> nextState = newer ? "running" : state;
            case STOP -> nextState = newer ? "stopped" : state;
            case TERMINATE -> nextState = "terminated";
            case TAG -> nextTags = merge(tags, e.tags());
            case UNTAG -> nextTags = without(tags, e.tags().keySet());
            case MODIFY -> { }
            // Only spot instances get these, whatever the launch said.
            case SPOT_INTERRUPTION, REBALANCE_RECOMMENDATION -> nextPurchase = PurchaseOption.SPOT;
        }
        if (!e.instanceType().isEmpty() && (newer || instanceType.isEmpty())) {
            nextType = e.instanceType();
            nextGpus = e.gpuCount();
        }
        if (e.count() > 0 && (newer || count == 0)) {
            nextCount = e.count();
        }
        if (e.purchase() != PurchaseOption.UNKNOWN && nextPurchase == purchase) {
            nextPurchase = e.purchase();
        }
        if ("terminated".equals(state)) {
            nextState = "terminated";
        }
        return new Resource(SCHEMA_VERSION, id, kind, nativeId, account, region, nextState, nextType, nextGpus, nextCount,
                nextPurchase, nextTags, nextLaunchedBy, nextLaunchedAt,
                newer ? e.time() : lastEventAt, newer ? e.eventName() : lastEventName, newer ? e.eventId() : lastEventId);
    }

    private static Map<String, String> without(Map<String, String> base, java.util.Set<String> keys) {
        Map<String, String> m = new HashMap<>(base);
        m.keySet().removeAll(keys);
        return m;
    }

    private static Map<String, String> merge(Map<String, String> base, Map<String, String> overriding) {
        Map<String, String> m = new HashMap<>(base);
        m.putAll(overriding);
        return m;
    }
}
