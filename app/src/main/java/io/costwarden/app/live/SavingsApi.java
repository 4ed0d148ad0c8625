package io.costwarden.app.live;

import io.costwarden.app.api.ApiProblem;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.regex.Pattern;

/** {@code GET /api/savings?groupBy=team}: what actions saved so far, per group (see {@link Savings}). */
@Path("/api/savings")
@Produces(MediaType.APPLICATION_JSON)
public class SavingsApi {
    /** A tag key as AWS allows it, or {@code account}. */
    private static final Pattern GROUP_BY = Pattern.compile("[\\p{L}\\p{N} _.:/=+@-]{1,128}");

    private final Savings savings;

    public SavingsApi(Savings savings) {
        this.savings = savings;
    }

    @GET
    public Savings.Report report(@QueryParam("groupBy") String groupBy) {
        String by = groupBy == null || groupBy.isBlank() ? "team" : groupBy;
        if (!GROUP_BY.matcher(by).matches()) {
            throw ApiProblem.badRequest("groupBy must be account or a tag key, was '" + by + "'");
        }
        return savings.report(by);
    }
}
