package io.costwarden.ingest.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The manifest AWS writes beside each billing export: it names the data files of the export's latest
 * run for one billing period. Data Exports (CUR 2.0, FOCUS) list {@code dataFiles} as {@code s3://}
 * URIs; the legacy CUR lists {@code reportKeys} in {@code bucket}.
 */
public record ExportManifest(String billingPeriod, String executionId, List<String> bucketsAndKeys) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The manifest cannot be used; the message says why. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** Manifests end in {@code Manifest.json} ({@code <export>-Manifest.json}); data files do not. */
    public static boolean isManifest(String key) {
        return key.endsWith("Manifest.json");
    }

    public static ExportManifest parse(byte[] body, String defaultBucket) throws Invalid {
        JsonNode m;
        try {
            m = JSON.readTree(body);
        } catch (IOException e) {
            throw new Invalid("not JSON: " + e.getMessage());
        }
        if (m == null || !m.isObject()) {
            throw new Invalid("not a manifest: expected a JSON object");
        }
        List<String> files = new ArrayList<>();
        if (m.path("dataFiles").isArray()) {
            for (JsonNode f : m.get("dataFiles")) {
                URI uri;
                try {
                    uri = URI.create(f.asText());
                } catch (IllegalArgumentException e) {
                    throw new Invalid("dataFiles: not a URI: " + f.asText());
                }
                if (!"s3".equals(uri.getScheme()) || uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
                    throw new Invalid("dataFiles: not an s3://bucket/key URI: " + f.asText());
                }
                files.add(uri.getHost() + "/" + uri.getPath().substring(1));
            }
        } else if (m.path("reportKeys").isArray()) {
            String bucket = m.path("bucket").asText(defaultBucket);
            for (JsonNode k : m.get("reportKeys")) {
                files.add(bucket + "/" + k.asText());
            }
        } else {
            throw new Invalid("neither dataFiles (Data Exports) nor reportKeys (legacy CUR)");
        }
        String period = m.path("billingPeriod").isTextual() ? m.get("billingPeriod").asText()
                : m.path("billingPeriod").path("start").asText("");
        String execution = m.path("executionId").asText(m.path("assemblyId").asText(""));
        return new ExportManifest(period, execution, files);
    }
}
