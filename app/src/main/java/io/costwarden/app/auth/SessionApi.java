package io.costwarden.app.auth;

import io.costwarden.app.api.ApiProblem;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * The dashboard's login: a token posted once becomes an HttpOnly, SameSite=Strict cookie, which the page's
 * API calls and its EventSource (which cannot send headers) then carry. SameSite=Strict keeps other sites'
 * pages from making a logged-in browser undo or pause anything; a sibling on the same domain is kept out by
 * the header ApiAccess requires of cookie-authenticated changes. Secure over https.
 */
@Path("/api/session")
@Produces(MediaType.APPLICATION_JSON)
public class SessionApi {
    private final ApiAuth auth;

    public SessionApi(ApiAuth auth) {
        this.auth = auth;
    }

    /** Who the browser is: its caller and role, and whether the API needs a login at all. */
    @GET
    public Map<String, Object> who(@Context HttpHeaders headers) {
        var cookie = headers.getCookies().get(ApiAuth.COOKIE);
        var caller = auth.authenticate(headers.getHeaderString("Authorization"), cookie == null ? null : cookie.getValue(),
                headers.getHeaderString("x-api-key"));
        return Map.of("required", auth.required(), "caller", caller.map(Caller::name).orElse(""),
                "role", caller.map(c -> c.role().name().toLowerCase(java.util.Locale.ROOT)).orElse(auth.required() ? "" : "viewer"));
    }

    @POST
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response login(@FormParam("token") String token, @Context jakarta.ws.rs.core.UriInfo uri,
            @Context HttpHeaders headers) {
        Caller caller = auth.authenticate(null, token, null)
                .orElseThrow(() -> ApiProblem.unauthorized("unknown token"));
        boolean https = "https".equalsIgnoreCase(uri.getRequestUri().getScheme())
                || "https".equalsIgnoreCase(headers.getHeaderString("X-Forwarded-Proto"));
        NewCookie cookie = new NewCookie.Builder(ApiAuth.COOKIE).value(token).path("/").httpOnly(true).secure(https)
                .sameSite(NewCookie.SameSite.STRICT).build();
        return Response.ok(Map.of("caller", caller.name(), "role", caller.role().name().toLowerCase(java.util.Locale.ROOT)))
                .cookie(cookie).build();
    }

    @DELETE
    public Response logout() {
        NewCookie gone = new NewCookie.Builder(ApiAuth.COOKIE).value("").path("/").httpOnly(true)
                .sameSite(NewCookie.SameSite.STRICT).maxAge(0).build();
        return Response.noContent().cookie(gone).build();
    }
}
