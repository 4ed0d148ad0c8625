package io.costwarden.streams.spend;

import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.InstanceCatalog.HourlyPrice;
import io.costwarden.model.PurchaseOption;
import java.util.Optional;

/**
 * The hourly price of one instance, as the spend rate reads it. A function rather than the catalog
 * itself so that topology tests can fix prices; empty means unknown, which the spend rate counts as an
 * unpriced resource instead of a free one.
 */
@FunctionalInterface
public interface PriceBook {
    Optional<HourlyPrice> hourlyPrice(String instanceType, String region, PurchaseOption purchase);

    /**
     * Prices from an instance catalog: on-demand for on-demand and for launches whose purchase option is
     * unknown, the catalog's spot price for spot (none bundled, so spot is unpriced until
     * {@code refresh-prices} fetches spot prices).
     */
    static PriceBook of(InstanceCatalog catalog) {
        return (type, region, purchase) -> type.isEmpty() || region.isEmpty() ? Optional.empty()
                : catalog.hourlyPrice(type, region, purchase);
    }
}
