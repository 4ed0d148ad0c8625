package io.costwarden.app.api;

import io.costwarden.app.roles.RecentActivity;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Findings in their latest state, newest detection first. */
@Path("/api/findings")
@Produces(MediaType.APPLICATION_JSON)
public class FindingsApi {
    private final RecentActivity recent;

    public FindingsApi(RecentActivity recent) {
        this.recent = recent;
    }

    /**
     * @param state  {@code open}, {@code acted}, {@code cancelled}, {@code resolved}, or {@code current}
     *               (open and acted)
     * @param group  {@code key=value}: a group finding about that group, or a resource finding whose resource
     *               is in it ({@code team=ml-research} by its tag, {@code account=123456789012} by its account)
     */
    @GET
    public Page<Finding> list(@QueryParam("state") String state, @QueryParam("policy") String policy,
            @QueryParam("group") String group, @QueryParam("resource") String resource,
            @QueryParam("detector") String detector, @QueryParam("offset") String offset,
            @QueryParam("limit") String limit) {
        Page.Paging paging = Page.parse(offset, limit);
        Predicate<Finding> inState = state(state);
        Predicate<Finding> inGroup = group(group);
        List<Finding> all = recent.findings().stream()
                .filter(inState)
                .filter(inGroup)
                .filter(f -> policy == null || f.policy().equals(policy))
                .filter(f -> resource == null || f.resourceId().equals(resource))
                .filter(f -> detector == null || f.detector().equals(detector))
                .toList();
        return Page.of(all, paging);
    }

    static Predicate<Finding> state(String state) {
        if (state == null) {
            return f -> true;
        }
        if (state.equals("current")) {
            return f -> f.state().current();
        }
        FindingState wanted = FindingState.byWord(state).orElseThrow(() -> ApiProblem.badRequest("state '" + state
                + "' is not one of current, " + Arrays.stream(FindingState.values()).map(FindingState::word)
                .collect(Collectors.joining(", "))));
        return f -> f.state() == wanted;
    }

    static Predicate<Finding> group(String group) {
        if (group == null) {
            return f -> true;
        }
        int eq = group.indexOf('=');
        if (eq <= 0 || eq == group.length() - 1) {
            throw ApiProblem.badRequest("group '" + group + "' must be key=value, e.g. team=ml-research or account=123456789012");
        }
        String key = group.substring(0, eq);
        String value = group.substring(eq + 1);
        return f -> f.group().equals(group)
                || (f.group().isEmpty() && (key.equals("account") ? f.account().equals(value) : value.equals(f.tags().get(key))));
    }
}
