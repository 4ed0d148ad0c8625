package io.costwarden.app.api;

import io.costwarden.app.roles.RecentActivity;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Outcome;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Recent action results (the audit trail), newest first. */
@Path("/api/actions")
@Produces(MediaType.APPLICATION_JSON)
public class ActionsApi {
    private final RecentActivity recent;

    public ActionsApi(RecentActivity recent) {
        this.recent = recent;
    }

    @GET
    public Page<ActionResult> list(@QueryParam("outcome") String outcome, @QueryParam("resource") String resource,
            @QueryParam("finding") String finding, @QueryParam("offset") String offset,
            @QueryParam("limit") String limit) {
        Page.Paging paging = Page.parse(offset, limit);
        Outcome wanted = outcome == null ? null : parse(outcome);
        List<ActionResult> all = recent.results().stream()
                .filter(a -> wanted == null || a.outcome() == wanted)
                .filter(a -> resource == null || a.resourceId().equals(resource))
                .filter(a -> finding == null || a.findingId().equals(finding))
                .toList();
        return Page.of(all, paging);
    }

    /** One action's result by its id (an undo's id included), from the results this instance holds. */
    @GET
    @Path("{id}")
    public ActionResult one(@PathParam("id") String actionId) {
        return recent.results().stream().filter(a -> a.actionId().equals(actionId)).findFirst()
                .orElseThrow(() -> ApiProblem.notFound("no action " + actionId + " among the results this instance holds"));
    }

    private static Outcome parse(String outcome) {
        try {
            return Outcome.valueOf(outcome.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest("outcome must be one of " + Arrays.toString(Outcome.values()).toLowerCase(Locale.ROOT)
                    + ", was '" + outcome + "'");
        }
    }
}
