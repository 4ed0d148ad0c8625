package io.costwarden.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Accelerators per instance type, from the bundled {@code instance-accelerators.csv}. SageMaker
 * {@code ml.<type>} names resolve to {@code <type>}.
 */
public final class InstanceCatalog {
    public record Accelerators(int count, String model) {
    }

    private static final InstanceCatalog BUNDLED = load("instance-accelerators.csv");

    private final Map<String, Accelerators> byType;

    private InstanceCatalog(Map<String, Accelerators> byType) {
        this.byType = Map.copyOf(byType);
    }

    public static InstanceCatalog bundled() {
        return BUNDLED;
    }

    public Optional<Accelerators> accelerators(String instanceType) {
        String type = instanceType.startsWith("ml.") ? instanceType.substring(3) : instanceType;
        return Optional.ofNullable(byType.get(type));
    }

    /** 0 for instance types without accelerators and for types the catalog does not know. */
    public int gpuCount(String instanceType) {
        return accelerators(instanceType).map(Accelerators::count).orElse(0);
    }

    private static InstanceCatalog load(String resource) {
        try (InputStream in = InstanceCatalog.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("bundled " + resource + " is missing from the classpath");
            }
            Map<String, Accelerators> map = new HashMap<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int n = 0;
            while ((line = reader.readLine()) != null) {
                n++;
                if (line.isBlank() || line.startsWith("#") || line.startsWith("instance_type,")) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 3) {
                    throw new IllegalStateException(resource + ":" + n + ": expected 3 columns");
                }
                map.put(f[0], new Accelerators(Integer.parseInt(f[1]), f[2]));
            }
            return new InstanceCatalog(map);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
