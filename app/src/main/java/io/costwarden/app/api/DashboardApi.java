package io.costwarden.app.api;

import io.costwarden.app.roles.ActivePolicies;
import io.costwarden.app.roles.CatalogInUse;
import io.costwarden.app.roles.RecentActivity;
import io.costwarden.model.ActionKind;
import io.costwarden.model.Finding;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.policy.Policy;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What the dashboard's findings table shows: each finding with its owner, hourly cost and the saving its
 * action would bring, priced from the instance catalog (on demand; empty where the catalog has no price).
 */
@Path("/api/dashboard")
@Produces(MediaType.APPLICATION_JSON)
public class DashboardApi {
    /** Tags that name who owns a resource, in the order they are looked for; else who launched it. */
    static final List<String> OWNER_TAGS = List.of("owner", "Owner", "created-by", "user");

    /**
     * One row.
     *
     * @param hourlyCostUsd    the resource's on-demand price per hour (times its count for groups of instances)
     * @param savingUsdPerHour what the policy's action would save per hour: all of it for a stop, the price
     *                         difference for a type change; 0 for notify; empty when unknown
     */
    public record FindingRow(String id, String policy, String detector, String state, String stateReason,
            String resourceId, String kind, String nativeId, String account, String region, String instanceType,
            String owner, String group, Map<String, String> tags, List<String> violations, Map<String, Double> figures, String action, String mode,
            Instant detectedAt, Instant actAfter, Instant changedAt, Double hourlyCostUsd, Double savingUsdPerHour) {
    }

    private final RecentActivity recent;
    private final CatalogInUse catalog;
    private final ActivePolicies policies;

    public DashboardApi(RecentActivity recent, CatalogInUse catalog, ActivePolicies policies) {
        this.recent = recent;
        this.catalog = catalog;
        this.policies = policies;
    }

    /** Same filters as {@code GET /api/findings}, plus {@code account}; {@code state} defaults to {@code current}. */
    @GET
    @Path("/findings")
    public Page<FindingRow> findings(@QueryParam("state") String state, @QueryParam("policy") String policy,
            @QueryParam("group") String group, @QueryParam("account") String account, @QueryParam("offset") String offset,
            @QueryParam("limit") String limit) {
        Page.Paging paging = Page.parse(offset, limit);
        Predicate<Finding> inState = FindingsApi.state(state == null ? "current" : state);
        Predicate<Finding> inGroup = FindingsApi.group(group);
        InstanceCatalog prices = catalog.get();
        List<FindingRow> rows = recent.findings().stream().filter(inState).filter(inGroup)
                .filter(f -> policy == null || f.policy().equals(policy))
                .filter(f -> account == null || account.equals(f.account()))
                .map(f -> row(f, prices)).toList();
        return Page.of(rows, paging);
    }

    private FindingRow row(Finding f, InstanceCatalog prices) {
        Optional<Double> cost = price(prices, f.instanceType(), f.region());
        Double saving = null;
        if (f.action() == ActionKind.NOTIFY) {
            saving = 0.0;
        } else if (f.action() == ActionKind.STOP) {
            saving = cost.orElse(null);
        } else if (f.action() == ActionKind.DOWNSCALE) {
            Optional<String> to = policies.get().named(f.policy()).map(Policy::options).map(o -> o.toType());
            Optional<Double> after = to.flatMap(t -> price(prices, t, f.region()));
            saving = cost.isPresent() && after.isPresent() ? round(cost.get() - after.get()) : null;
        }
        String launcher = f.launchedBy() == null ? "" : f.launchedBy();
        // arn:aws:iam::123456789012:user/ana or .../assumed-role/Role/ana: the last part names the person.
        String owner = OWNER_TAGS.stream().map(t -> f.tags().get(t)).filter(v -> v != null && !v.isBlank()).findFirst()
                .orElse(launcher.startsWith("arn:") ? launcher.substring(launcher.lastIndexOf('/') + 1) : launcher);
        Double hourly = f.resourceId().isEmpty() ? f.figures().get("rateUsdPerHour") : cost.orElse(null);
        return new FindingRow(f.id(), f.policy(), f.detector(), f.state().word(), f.stateReason(), f.resourceId(),
                f.kind() == null ? "" : f.kind().word(), f.nativeId(), f.account(), f.region(), f.instanceType(), owner,
                f.group(), f.tags(), f.violations(), f.figures(), f.action() == null ? "" : f.action().word(),
                f.mode() == null ? "" : f.mode().word(), f.detectedAt(), f.actAfter(), f.changedAt(), hourly, saving);
    }

    private static Optional<Double> price(InstanceCatalog prices, String type, String region) {
        if (type == null || type.isEmpty() || region == null) {
            return Optional.empty();
        }
        return prices.hourlyPrice(type, region, PurchaseOption.ON_DEMAND).map(p -> round(p.usdPerHour().doubleValue()));
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
