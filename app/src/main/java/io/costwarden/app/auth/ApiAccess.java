package io.costwarden.app.auth;

import io.costwarden.app.CostwardenConfig;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;

/**
 * Checks every HTTP request before any route: the API, the stream, OpenAPI and (unless left open) metrics
 * need a viewer credential when {@link ApiAuth#required()}; the operator endpoints always need an operator.
 * The ingest endpoints (their own credentials), health probes, the login endpoint and the dashboard's
 * static files (which hold no data) pass. The caller is put on the request for the endpoints to read.
 */
@ApplicationScoped
public class ApiAccess {
    public static final String CALLER = "costwarden.caller";

    private final ApiAuth auth;
    private final boolean metricsOpen;

    public ApiAccess(ApiAuth auth, CostwardenConfig config) {
        this.auth = auth;
        this.metricsOpen = config.api().auth().metricsOpen();
    }

    void register(@Observes Filters filters) {
        // Before Quarkus's own handlers (a higher priority runs first).
        filters.register(this::check, 1000);
    }

    /** What a path needs. */
    enum Need { NOTHING, VIEWER, OPERATOR }

    static Need need(HttpMethod method, String rawPath, boolean metricsOpen) {
        // Routes match with or without a trailing slash; so must the rules.
        String path = rawPath.length() > 1 && rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
        if (path.startsWith("/ingest/") || path.startsWith("/q/health") || path.equals("/api/session")) {
            return Need.NOTHING;
        }
        if (path.startsWith("/q/metrics")) {
            return metricsOpen ? Need.NOTHING : Need.VIEWER;
        }
        if (path.startsWith("/api/") || path.startsWith("/q/")) {
            if (method == HttpMethod.POST && (path.equals("/api/actions/pause") || path.equals("/api/actions/resume")
                    || (path.startsWith("/api/actions/") && path.endsWith("/undo")))) {
                return Need.OPERATOR;
            }
            return Need.VIEWER;
        }
        // The dashboard's page, scripts and styles: no data until the API answers.
        return Need.NOTHING;
    }

    /** The header the dashboard sends with every change it asks for; another site's form cannot set it. */
    public static final String CSRF_HEADER = "X-Costwarden-Request";

    private void check(RoutingContext rc) {
        String path = rc.normalizedPath();
        Need need = need(rc.request().method(), path, metricsOpen);
        Cookie cookie = rc.request().getCookie(ApiAuth.COOKIE);
        String authorization = rc.request().getHeader("Authorization");
        String apiKey = rc.request().getHeader("x-api-key");
        Optional<Caller> caller = auth.authenticate(authorization, cookie == null ? null : cookie.getValue(), apiKey);
        if (caller.isPresent() && need == Need.OPERATOR && authorization == null && apiKey == null
                && rc.request().getHeader(CSRF_HEADER) == null) {
            // Signed in by cookie alone: SameSite keeps other sites out, but not a sibling on the same domain,
            // whose form could post here. A custom header needs the page's own script.
            refuse(rc, 403, "a change made with the dashboard's sign-in needs the " + CSRF_HEADER + " header");
            return;
        }
        // HTTP/2 has no Host header but an :authority; Vert.x gives either as the authority.
        var authority = rc.request().authority();
        String host = authority != null ? authority.host() : rc.request().getHeader("Host");
        if (!auth.required() && need != Need.NOTHING && !ApiAuth.loopback(host)) {
            // Open on loopback only for the machine's own user: a page on another name resolving to 127.0.0.1
            // (DNS rebinding) or a proxy forwarding here must not read the API without a token.
            refuse(rc, 403, "without tokens the API answers only requests to localhost; set costwarden.api.auth");
            return;
        }
        caller.ifPresent(c -> rc.put(CALLER, c));
        switch (need) {
            case NOTHING -> rc.next();
            case VIEWER -> {
                if (caller.isPresent() || !auth.required()) {
                    rc.next();
                } else {
                    refuse(rc, 401, "this API needs a token: Authorization: Bearer <token> (costwarden.api.auth.tokens)");
                }
            }
            case OPERATOR -> {
                if (caller.isEmpty()) {
                    refuse(rc, auth.operatorsConfigured() ? 401 : 403, auth.operatorsConfigured()
                            ? "missing or wrong credential for the operator endpoints (an operator token, or x-api-key)"
                            : "operator endpoints are off: configure an operator token (costwarden.api.auth.tokens."
                                    + "<name>.role=operator) or costwarden.api.admin-key");
                } else if (!caller.get().role().allows(Caller.Role.OPERATOR)) {
                    refuse(rc, 403, "'" + caller.get().name() + "' is a viewer; pause, resume and undo need an operator");
                } else {
                    rc.next();
                }
            }
            default -> throw new IllegalStateException(need.name());
        }
    }

    private static void refuse(RoutingContext rc, int status, String error) {
        var response = rc.response().setStatusCode(status).putHeader("Content-Type", "application/json");
        if (status == 401) {
            response.putHeader("WWW-Authenticate", "Bearer realm=\"costwarden\"");
        }
        response.end(new JsonObject().put("status", status).put("error", error).put("details", new JsonArray()).encode());
    }
}
