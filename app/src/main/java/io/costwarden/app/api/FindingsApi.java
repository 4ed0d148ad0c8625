package io.costwarden.app.api;

import io.costwarden.app.roles.RecentActivity;
import io.costwarden.model.Finding;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Recent findings, newest first. */
@Path("/api/findings")
@Produces(MediaType.APPLICATION_JSON)
public class FindingsApi {
    private final RecentActivity recent;

    public FindingsApi(RecentActivity recent) {
        this.recent = recent;
    }

    @GET
    public Page<Finding> list(@QueryParam("policy") String policy, @QueryParam("resource") String resource,
            @QueryParam("detector") String detector, @QueryParam("offset") String offset,
            @QueryParam("limit") String limit) {
        Page.Paging paging = Page.parse(offset, limit);
        List<Finding> all = recent.findings().stream()
                .filter(f -> policy == null || f.policy().equals(policy))
                .filter(f -> resource == null || f.resourceId().equals(resource))
                .filter(f -> detector == null || f.detector().equals(detector))
                .toList();
        return Page.of(all, paging);
    }
}
