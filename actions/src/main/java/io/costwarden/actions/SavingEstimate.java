package io.costwarden.actions;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.ResourceKind;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/**
 * What an action saves per hour while its effect lasts, from the catalog's on-demand prices: a stop saves the
 * instance's price, a type change the difference between the two types. Empty where the catalog has no price
 * (a type or region it does not price) or the action's effect is not a price difference it can name (a group's
 * or endpoint's capacity, whose instance type the request does not carry; a migration, whose spot price
 * varies). The dashboard's "saved so far" multiplies this by the hours since the action.
 */
final class SavingEstimate {
    private final InstanceCatalog catalog;

    SavingEstimate(InstanceCatalog catalog) {
        this.catalog = catalog;
    }

    Optional<BigDecimal> perHour(ActionRequest r, Map<String, String> previous) {
        String from = previous.getOrDefault(TypeChange.TYPE, r.instanceType());
        if (from == null || from.isEmpty()) {
            return Optional.empty();
        }
        if (r.action() == ActionKind.STOP && priced(r.kind())) {
            return price(from, r.region());
        }
        if (r.action() == ActionKind.DOWNSCALE && r.options().toType() != null && priced(r.kind())) {
            Optional<BigDecimal> before = price(from, r.region());
            Optional<BigDecimal> after = price(r.options().toType(), r.region());
            if (before.isPresent() && after.isPresent()) {
                return Optional.of(before.get().subtract(after.get()));
            }
        }
        return Optional.empty();
    }

    private static boolean priced(ResourceKind kind) {
        return kind == ResourceKind.EC2_INSTANCE || kind == ResourceKind.SAGEMAKER_NOTEBOOK
                || kind == ResourceKind.SAGEMAKER_APP;
    }

    private Optional<BigDecimal> price(String type, String region) {
        return catalog.hourlyPrice(type, region, PurchaseOption.ON_DEMAND).map(InstanceCatalog.HourlyPrice::usdPerHour);
    }
}
