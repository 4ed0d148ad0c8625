package io.costwarden.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one resource cost in one hour, from a billing export (CUR or FOCUS), summed over its line items.
 *
 * @param id             deterministic: hash of billing period, resource and hour, so a restated bill
 *                       replaces the amounts under the same id instead of adding to them
 * @param billedCost     what the invoice charges (FOCUS BilledCost, CUR unblended cost)
 * @param effectiveCost  after commitments are amortised (FOCUS EffectiveCost; CUR Savings Plan or
 *                       reservation effective cost where they apply, else unblended)
 * @param usageTypes     the usage types of the summed lines, sorted
 * @param pricingCategory {@code on-demand}, {@code spot}, {@code commitment} or {@code other}, of the costliest line
 * @param source         the export's schema: {@code focus}, {@code cur2} or {@code cur1}
 */
public record CostLineItem(
        int schemaVersion,
        String id,
        String resourceId,
        String account,
        String region,
        String billingPeriod,
        Instant hourStart,
        double billedCost,
        double effectiveCost,
        String currency,
        List<String> usageTypes,
        String instanceType,
        String pricingCategory,
        String service,
        Map<String, String> tags,
        String source) {

    public static final int SCHEMA_VERSION = 1;

    public CostLineItem {
        usageTypes = usageTypes == null ? List.of() : List.copyOf(usageTypes);
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }
}
