package io.costwarden.app.auth;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.api.IngestCredentials;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The API's credentials: named bearer tokens with a role, the legacy admin key (an operator), and the
 * rule for when they are required at all. Comparisons are constant-time.
 *
 * <p>A browser sends the token as the {@value #COOKIE} cookie (set by POST /api/session), because an
 * EventSource cannot send an Authorization header; other clients send {@code Authorization: Bearer}.
 */
@ApplicationScoped
public class ApiAuth {
    public static final String COOKIE = "costwarden_token";
    private static final Logger LOG = Logger.getLogger(ApiAuth.class);

    private record Token(String name, String secret, Caller.Role role) {
    }

    public static final String INTERNAL = "internal";

    private final List<Token> tokens;
    private final Optional<String> internalToken;
    private final Optional<String> adminKey;
    private final boolean required;

    public ApiAuth(CostwardenConfig config) {
        List<Token> configured = new java.util.ArrayList<>(config.api().auth().tokens().entrySet().stream()
                .map(e -> new Token(e.getKey(), e.getValue().secret(), role(e.getKey(), e.getValue().role()))).toList());
        this.internalToken = config.api().auth().internalToken().filter(t -> !t.isBlank());
        internalToken.ifPresent(t -> configured.add(new Token(INTERNAL, t, Caller.Role.VIEWER)));
        this.tokens = List.copyOf(configured);
        this.adminKey = config.api().adminKey().filter(k -> !k.isBlank());
        String mode = config.api().auth().mode().trim().toLowerCase(Locale.ROOT);
        String host = ConfigProvider.getConfig().getOptionalValue("quarkus.http.host", String.class).orElse("0.0.0.0");
        this.required = switch (mode) {
            case "required" -> true;
            case "auto" -> !loopback(host);
            default -> throw new IllegalArgumentException("costwarden.api.auth.mode must be auto or required, was '"
                    + mode + "'");
        };
        if (required && tokens.isEmpty() && adminKey.isEmpty()) {
            LOG.warnf("the API listens on %s and requires a token, but none is configured "
                    + "(costwarden.api.auth.tokens.<name>.secret): every API request will be refused", host);
        }
    }

    private static Caller.Role role(String name, String role) {
        return switch (role.trim().toLowerCase(Locale.ROOT)) {
            case "viewer" -> Caller.Role.VIEWER;
            case "operator" -> Caller.Role.OPERATOR;
            default -> throw new IllegalArgumentException("costwarden.api.auth.tokens." + name
                    + ".role must be viewer or operator, was '" + role + "'");
        };
    }

    /** Whether reading the API needs a credential: beyond loopback, or when configured so. */
    public boolean required() {
        return required;
    }

    /**
     * The caller a request's credentials name, if any is valid: a bearer token (header or cookie) or the
     * admin key.
     */
    public Optional<Caller> authenticate(String authorization, String cookieToken, String apiKey) {
        String bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        for (String presented : new String[] {bearer, cookieToken}) {
            if (presented == null || presented.isEmpty()) {
                continue;
            }
            for (Token t : tokens) {
                if (IngestCredentials.same(t.secret(), presented)) {
                    return Optional.of(new Caller(t.name(), t.role()));
                }
            }
        }
        if (apiKey != null && adminKey.isPresent() && IngestCredentials.same(adminKey.get(), apiKey)) {
            return Optional.of(new Caller("admin-key", Caller.Role.OPERATOR));
        }
        return Optional.empty();
    }

    /** The header an instance sends another for an interactive query, when there is an internal token. */
    public Optional<String> internalAuthorization() {
        return internalToken.map(t -> "Bearer " + t);
    }

    /** Whether any credential could open the operator endpoints at all. */
    public boolean operatorsConfigured() {
        return adminKey.isPresent() || tokens.stream().anyMatch(t -> t.role() == Caller.Role.OPERATOR);
    }

    public Map<String, Caller.Role> tokenRoles() {
        return tokens.stream().collect(java.util.stream.Collectors.toMap(Token::name, Token::role));
    }

    /**
     * Whether a host (a configured one, or a request's Host or authority, with or without a port) names this
     * machine's loopback: {@code localhost}, {@code 127.x.y.z} or {@code ::1}. Literal only, never resolved:
     * a name that merely resolves to 127.0.0.1 is how DNS rebinding gets in.
     */
    public static boolean loopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.trim();
        if (h.startsWith("[")) {
            h = h.substring(1, h.indexOf(']') < 0 ? h.length() : h.indexOf(']'));
        } else if (h.indexOf(':') >= 0 && h.indexOf(':') == h.lastIndexOf(':')) {
            h = h.substring(0, h.indexOf(':'));
        }
        return h.equalsIgnoreCase("localhost") || h.equals("::1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
}
