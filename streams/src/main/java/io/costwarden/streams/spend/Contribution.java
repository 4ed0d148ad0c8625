package io.costwarden.streams.spend;

import io.costwarden.model.PurchaseOption;
import io.costwarden.model.ResourceKind;
import java.time.Instant;

/**
 * What one running resource adds to its groups' spend rate.
 *
 * @param instances   instances it runs (a training job's instance count; 1 when the events do not say)
 * @param gpus        GPUs of all its instances
 * @param usdPerHour  hourly price times instances; 0 when the price is unknown ({@code priced} false)
 * @param priceSource where the price came from and its date, or why there is none
 * @param since       event time it began to count: its launch or start as far as Costwarden saw
 */
public record Contribution(String resourceId, ResourceKind kind, String instanceType, String region,
        PurchaseOption purchase, int instances, int gpus, double usdPerHour, boolean priced, String priceSource,
        Instant since) {

    public String slice() {
        return SpendFilter.slice(kind, gpus > 0);
    }
}
