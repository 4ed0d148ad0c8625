package io.costwarden.app.api;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.live.SpendTicker;
import io.costwarden.app.roles.ActivePolicies;
import io.costwarden.streams.GroupRef;
import io.costwarden.streams.spend.GroupSpend;
import io.costwarden.streams.spend.SpendTopology;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Comparator;
import java.util.List;

/**
 * The live spend rate per group. Groups are {@code <dimension>=<value>} ({@code team=ml-research},
 * {@code team=(untagged)}, {@code account=123456789012}); URL-encode them in the path or not.
 */
@Path("/api/spend")
@Produces(MediaType.APPLICATION_JSON)
public class SpendApi {
    private final SpendTicker ticker;
    private final SpendQuery spend;
    private final CostwardenConfig config;
    private final ActivePolicies policies;

    public SpendApi(SpendQuery spend, CostwardenConfig config, ActivePolicies policies, SpendTicker ticker) {
        this.ticker = ticker;
        this.spend = spend;
        this.config = config;
        this.policies = policies;
    }

    /** The groups of one dimension, highest rate first, with the dimension's totals. */
    @GET
    public SpendView.Listing list(@QueryParam("groupBy") String groupBy, @QueryParam("offset") String offset,
            @QueryParam("limit") String limit) {
        Page.Paging paging = Page.parse(offset, limit);
        String dimension = dimension(groupBy);
        List<SpendView.Summary> all = spend.dimension(dimension, false).stream().map(SpendView.Summary::of)
                .sorted(Comparator.comparingDouble((SpendView.Summary s) -> s.all().rateUsdPerHour()).reversed()
                        .thenComparing(SpendView.Summary::group))
                .toList();
        Page<SpendView.Summary> page = Page.of(all, paging);
        return new SpendView.Listing(dimension, page.items(), page.total(), page.offset(), page.limit(),
                SpendView.Figures.sum(all.stream().map(SpendView.Summary::all).toList()),
                SpendView.Figures.sum(all.stream().map(SpendView.Summary::gpu).toList()));
    }

    /** One point of the spend history: the dimension's total, its GPU part, and each group's rate. */
    public record HistoryPoint(java.time.Instant at, double totalUsdPerHour, double gpuUsdPerHour,
            java.util.Map<String, Double> groups, java.util.Map<String, Double> gpuGroups) {
    }

    /** The spend chart's history: at most {@code points} samples of one dimension, evenly spaced, oldest first. */
    public record History(String groupBy, List<String> dimensions, List<HistoryPoint> points,
            java.util.Map<String, List<SpendTicker.Limit>> limits) {
    }

    @GET
    @Path("/history")
    public History history(@QueryParam("groupBy") String groupBy, @QueryParam("points") String points) {
        String dimension = dimension(groupBy);
        int wanted;
        try {
            wanted = points == null ? 360 : Integer.parseInt(points);
        } catch (NumberFormatException e) {
            throw ApiProblem.badRequest("points must be a whole number, was '" + points + "'");
        }
        if (wanted < 1 || wanted > 5000) {
            throw ApiProblem.badRequest("points must be between 1 and 5000, was " + wanted);
        }
        List<SpendTicker.Tick> ticks = ticker.history();
        int step = Math.max(1, (int) Math.ceil(ticks.size() / (double) wanted));
        List<HistoryPoint> out = new java.util.ArrayList<>();
        java.util.Map<String, List<SpendTicker.Limit>> limits = new java.util.TreeMap<>();
        // Always the newest sample, then every step-th back from it: the chart ends at now.
        for (int i = ticks.size() - 1; i >= 0; i -= step) {
            SpendTicker.Tick t = ticks.get(i);
            t.dimensions().stream().filter(d -> d.dimension().equals(dimension)).findFirst().ifPresent(d -> {
                java.util.Map<String, Double> all = new java.util.TreeMap<>();
                java.util.Map<String, Double> gpu = new java.util.TreeMap<>();
                d.groups().forEach(g -> {
                    all.put(g.group(), g.usdPerHour());
                    gpu.put(g.group(), g.gpuUsdPerHour());
                    if (!g.limits().isEmpty()) {
                        limits.putIfAbsent(g.group(), g.limits());
                    }
                });
                out.add(0, new HistoryPoint(t.at(), d.totalUsdPerHour(), d.gpuUsdPerHour(), all, gpu));
            });
        }
        return new History(dimension, dimensions(), out, limits);
    }

    /** This instance's part, unpaged and raw: what other instances ask for. One of the two parameters. */
    @GET
    @Path("/local-part")
    public List<GroupSpend> localPart(@QueryParam("groupBy") String groupBy, @QueryParam("group") String group) {
        if (group != null) {
            return spend.group(group, true).stream().toList();
        }
        return spend.dimension(dimension(groupBy), true);
    }

    @GET
    @Path("/{group: .+}")
    public Response get(@PathParam("group") String group, @QueryParam("local") @DefaultValue("false") boolean local) {
        List<String> dimensions = dimensions();
        GroupRef ref = GroupRef.parse(group, dimensions).orElseThrow(() -> ApiProblem.badRequest("'" + group
                + "' is not a group: expected <dimension>=<value> with a dimension of " + String.join(", ", dimensions)
                + ", e.g. team=ml-research"));
        return spend.group(ref.key(), local).map(g -> Response.ok(SpendView.Detail.of(g)).build())
                .orElseGet(() -> ApiError.response(Response.Status.NOT_FOUND, "no spend for " + ref.key()
                        + ": nothing of that group has run or been billed in the last " + GroupSpend.RECONCILED_DAYS + " days"));
    }

    /** The configured dimensions and every spend policy's group-by, as the streams role aggregates them. */
    private List<String> dimensions() {
        return SpendTopology.dimensions(config.spend().groupBy(), policies.get());
    }

    private String dimension(String groupBy) {
        List<String> dimensions = dimensions();
        if (dimensions.isEmpty()) {
            throw ApiProblem.badRequest("no dimension is aggregated: costwarden.spend.group-by is empty and no spend policy names one");
        }
        if (groupBy == null || groupBy.isBlank()) {
            return dimensions.get(0);
        }
        if (!dimensions.contains(groupBy)) {
            throw ApiProblem.badRequest("groupBy '" + groupBy + "' is not aggregated; one of " + String.join(", ", dimensions)
                    + " (costwarden.spend.group-by and the group-by of every spend policy)");
        }
        return groupBy;
    }
}
