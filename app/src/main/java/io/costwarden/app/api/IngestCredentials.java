package io.costwarden.app.api;

import io.costwarden.app.CostwardenConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.jboss.logging.Logger;

/**
 * The credentials of the ingest endpoints, separate from any API credentials: what an EventBridge API
 * destination's connection sends, an API key header or HTTP basic auth. Compared in constant time, so
 * a key cannot be found a byte at a time from response timings.
 */
@ApplicationScoped
public class IngestCredentials {
    private static final Logger LOG = Logger.getLogger(IngestCredentials.class);

    private final CostwardenConfig.Ingest config;

    public IngestCredentials(CostwardenConfig config) {
        this.config = config.ingest();
        if (this.config.apiKey().isEmpty() && this.config.basicAuth().isEmpty()) {
            LOG.info("costwarden.ingest.api-key and basic-auth are unset: /ingest/events and /ingest/cloudtrail are open");
        }
    }

    /** Throws a 401 unless the request carries a configured credential (or none is configured). */
    public void check(HttpHeaders headers) {
        if (config.apiKey().isEmpty() && config.basicAuth().isEmpty()) {
            return;
        }
        if (config.apiKey().isPresent() && same(config.apiKey().get(), headers.getHeaderString(config.apiKeyHeader()))) {
            return;
        }
        String auth = headers.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (config.basicAuth().isPresent() && auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            String expected = Base64.getEncoder().encodeToString(config.basicAuth().get().getBytes(StandardCharsets.UTF_8));
            if (same(expected, auth.substring(6).trim())) {
                return;
            }
        }
        throw ApiProblem.unauthorized("missing or wrong ingest credentials (" + config.apiKeyHeader() + " or basic auth)");
    }

    public static boolean same(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }
}
