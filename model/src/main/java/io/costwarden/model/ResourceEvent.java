package io.costwarden.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One fact about one resource, normalised from a CloudTrail record or an EventBridge event.
 *
 * @param eventId      the source's event id (CloudTrail {@code eventID}), or a content hash when the source has none;
 *                     stable across replays, so a replay produces the same findings
 * @param eventName    the AWS API call or event name it came from, e.g. {@code RunInstances}
 * @param resourceId   canonical ARN, also the Kafka key
 * @param nativeId     the id AWS APIs take: an instance id, a notebook instance name
 * @param instanceType empty when the event does not say
 * @param gpuCount     GPUs (or ML accelerators) of the whole resource (per instance times {@code count}),
 *                     0 when none or unknown
 * @param tags         on LAUNCH the tags the resource was created with; on TAG the tags added; on UNTAG
 *                     the keys removed
 * @param count        instances the resource runs: 1 for an instance or notebook, a training job's
 *                     instance count, an Auto Scaling group's desired capacity; 0 when the event does not say
 */
public record ResourceEvent(
        int schemaVersion,
        String eventId,
        String eventName,
        Instant time,
        String account,
        String region,
        String principal,
        Verb verb,
        ResourceKind kind,
        String resourceId,
        String nativeId,
        String instanceType,
        int gpuCount,
        PurchaseOption purchase,
        Map<String, String> tags,
        int count) {

    public static final int SCHEMA_VERSION = 1;

    public ResourceEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(eventName, "eventName");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(verb, "verb");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(resourceId, "resourceId");
        Objects.requireNonNull(nativeId, "nativeId");
        principal = principal == null ? "" : principal;
        instanceType = instanceType == null ? "" : instanceType;
        purchase = purchase == null ? PurchaseOption.UNKNOWN : purchase;
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }
}
