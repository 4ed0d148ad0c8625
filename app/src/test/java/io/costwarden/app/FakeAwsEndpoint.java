package io.costwarden.app;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * An app whose actions role sends its AWS calls to a WireMock server, with static test credentials (read
 * by the SDK's default provider from system properties), waiters polling every 10 ms, and a fresh data dir.
 * Tests reach the server through {@link #server}.
 */
public class FakeAwsEndpoint implements QuarkusTestResourceLifecycleManager {
    static WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().dynamicPort());
        server.start();
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "secret");
        return Map.of("costwarden.data-dir", Path.of("target", "costwarden-test-" + UUID.randomUUID()).toString(),
                "costwarden.actions.aws-endpoint-override", "http://localhost:" + server.port(),
                "costwarden.actions.waiter-poll", "PT0.01S");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }
}
