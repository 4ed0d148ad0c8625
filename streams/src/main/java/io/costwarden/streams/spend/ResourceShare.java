package io.costwarden.streams.spend;

import io.costwarden.streams.GroupRef;
import io.costwarden.model.Resource;
import java.util.List;

/**
 * A running priced resource, kept by ARN on the inventory's side of the repartition: what it last told
 * its groups, so that a tag change or a stop tells the groups it leaves.
 */
public record ResourceShare(Resource resource, Contribution contribution, List<GroupRef> groups) {
    public ResourceShare {
        groups = List.copyOf(groups);
    }
}
