package io.costwarden.model.policy;

import io.costwarden.model.ResourceKind;
import java.util.List;
import java.util.Optional;

/**
 * The policies of one file, with the content hash that every decision names.
 *
 * @param version first 32 hex digits of the SHA-256 of the file's bytes
 */
public record PolicySet(String source, String version, List<Policy> policies) {

    public PolicySet {
        policies = List.copyOf(policies);
    }

    public static PolicySet empty(String source) {
        return new PolicySet(source, "none", List.of());
    }

    public List<Policy> forResource(ResourceKind kind) {
        return policies.stream().filter(p -> p.watches(kind)).toList();
    }

    /** The policies for a kind whose detector is of the given type. */
    public List<Policy> forResource(ResourceKind kind, Class<? extends Detector> detector) {
        return policies.stream().filter(p -> p.watches(kind) && detector.isInstance(p.detect())).toList();
    }

    public List<Policy> withDetector(Class<? extends Detector> detector) {
        return policies.stream().filter(p -> detector.isInstance(p.detect())).toList();
    }

    public Optional<Policy> named(String name) {
        return policies.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
