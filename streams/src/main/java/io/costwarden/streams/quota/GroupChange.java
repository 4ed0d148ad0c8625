package io.costwarden.streams.quota;

import io.costwarden.model.Resource;
import java.time.Instant;

/**
 * What a group hears about one of its resources, on the repartition topic keyed by group key: the
 * resource runs with GPUs in it (its latest state), or it left the group.
 *
 * @param dimension the {@code group-by} the group belongs to; carried because a tag key may itself contain {@code =}
 * @param since     when the resource's current running period began: the newest starts are the first over quota
 * @param leaves    true when the resource stopped, lost its GPUs or moved to another group
 * @param why       for a resource that leaves, the reason its finding ends
 * @param at        event time of the inventory change behind this
 * @param eventId   that change's event id, or empty for a change made by a policy reload
 */
public record GroupChange(String group, String dimension, Resource resource, Instant since, boolean leaves, String why,
        Instant at, String eventId) {
    public GroupChange {
        why = why == null ? "" : why;
        eventId = eventId == null ? "" : eventId;
    }
}
