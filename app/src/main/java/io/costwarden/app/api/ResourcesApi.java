package io.costwarden.app.api;

import io.costwarden.model.Resource;
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

/** The live inventory. Ids are canonical ARNs; URL-encode them in the path. */
@Path("/api/resources")
@Produces(MediaType.APPLICATION_JSON)
public class ResourcesApi {
    private final InventoryQuery inventory;

    public ResourcesApi(InventoryQuery inventory) {
        this.inventory = inventory;
    }

    @GET
    public Page<Resource> list(@QueryParam("kind") String kind, @QueryParam("state") String state,
            @QueryParam("account") String account, @QueryParam("offset") String offset,
            @QueryParam("limit") String limit) {
        Page.Paging paging = Page.parse(offset, limit);
        List<Resource> all = inventory.all(false).stream()
                .filter(r -> kind == null || r.kind().word().equals(kind))
                .filter(r -> state == null || r.state().equals(state))
                .filter(r -> account == null || r.account().equals(account))
                .sorted(Comparator.comparing(Resource::id))
                .toList();
        return Page.of(all, paging);
    }

    /** Resources by kind and state: {@code {"ec2-instance": {"running": 3, "stopped": 1}, ...}}, with the total. */
    public record Counts(int total, java.util.Map<String, java.util.Map<String, Integer>> byKind) {
    }

    @GET
    @Path("/counts")
    public Counts counts(@QueryParam("account") String account) {
        java.util.Map<String, java.util.Map<String, Integer>> byKind = new java.util.TreeMap<>();
        int total = 0;
        for (Resource r : inventory.all(false)) {
            if (account != null && !r.account().equals(account)) {
                continue;
            }
            byKind.computeIfAbsent(r.kind().word(), k -> new java.util.TreeMap<>()).merge(r.state(), 1, Integer::sum);
            total++;
        }
        return new Counts(total, byKind);
    }

    /** This instance's part of the inventory, unpaged: what other instances ask for when they list. */
    @GET
    @Path("/local-part")
    public List<Resource> localPart() {
        return inventory.all(true);
    }

    @GET
    @Path("/{id: .+}")
    public Response get(@PathParam("id") String id, @QueryParam("local") @DefaultValue("false") boolean local) {
        return inventory.get(id, local).map(r -> Response.ok(r).build())
                .orElseGet(() -> ApiError.response(Response.Status.NOT_FOUND, "no resource " + id + " in the inventory"));
    }
}
