package io.costwarden.app;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/** Each test run gets its own data dir, so no broker log or Streams state leaks between runs. */
public class FreshDataDir implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        Path dir = Path.of("target", "costwarden-test-" + UUID.randomUUID());
        return Map.of("costwarden.data-dir", dir.toString());
    }

    @Override
    public void stop() {
    }
}
