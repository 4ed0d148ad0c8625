package io.costwarden.app;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The app as deployed beyond loopback: tokens required (a viewer {@code ada} and an operator {@code ops}),
 * its AWS calls going to WireMock ({@link FakeAwsEndpoint}), a spend tick every second and small stream
 * queues so that limits show within a test. Test classes with this profile share one running app.
 */
public class SecuredApp implements QuarkusTestProfile {
    static final String VIEWER_TOKEN = "viewer-token-0123456789";
    static final String OPERATOR_TOKEN = "operator-token-0123456789";
    static final String INTERNAL_TOKEN = "internal-token-0123456789";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("costwarden.api.auth.internal-token", INTERNAL_TOKEN),
                Map.entry("costwarden.api.auth.mode", "required"),
                Map.entry("costwarden.api.auth.tokens.ada.secret", VIEWER_TOKEN),
                Map.entry("costwarden.api.auth.tokens.ada.role", "viewer"),
                Map.entry("costwarden.api.auth.tokens.ops.secret", OPERATOR_TOKEN),
                Map.entry("costwarden.api.auth.tokens.ops.role", "operator"),
                Map.entry("costwarden.api.stream.spend-tick", "PT1S"),
                Map.entry("costwarden.api.stream.client-queue", "50"),
                Map.entry("costwarden.api.stream.replay-buffer", "300"));
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeAwsEndpoint.class));
    }
}
