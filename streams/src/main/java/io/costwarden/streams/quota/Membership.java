package io.costwarden.streams.quota;

import io.costwarden.model.Resource;
import java.time.Instant;
import java.util.Map;

/**
 * A running resource with GPUs and the groups it was last counted in, kept by resource ARN on the
 * inventory's side of the repartition: when a tag change moves it, the old group must hear that it left.
 *
 * @param since  when its current running period began (its launch or the start after a stop)
 * @param groups per {@code group-by} dimension ({@code team}, {@code account}), its group key there
 */
public record Membership(Resource resource, Instant since, Map<String, String> groups) {
    public Membership {
        groups = Map.copyOf(groups);
    }
}
