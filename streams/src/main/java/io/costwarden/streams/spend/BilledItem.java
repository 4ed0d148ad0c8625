package io.costwarden.streams.spend;

import io.costwarden.streams.GroupRef;
import java.util.List;

/**
 * What one billed resource-hour (a {@code CostLineItem}, by its restatement-stable id) last added to
 * which groups, so that a restated item replaces its amounts instead of adding to them.
 */
public record BilledItem(double billedUsd, double effectiveUsd, List<GroupRef> groups) {
    public BilledItem {
        groups = List.copyOf(groups);
    }
}
