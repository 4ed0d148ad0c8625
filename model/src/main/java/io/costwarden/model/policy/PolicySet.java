package io.costwarden.model.policy;

import io.costwarden.model.ResourceKind;
import java.util.List;

/**
 * The policies of one file, with the content hash that every decision names.
 *
 * @param version first 32 hex digits of the SHA-256 of the file's bytes
 */
public record PolicySet(String source, String version, List<Policy> policies) {

    public PolicySet {
        policies = List.copyOf(policies);
    }

    public List<Policy> forResource(ResourceKind kind) {
        return policies.stream().filter(p -> p.resource() == kind).toList();
    }

    /** The policies for a kind whose detector is of the given type. */
    public List<Policy> forResource(ResourceKind kind, Class<? extends Detector> detector) {
        return policies.stream().filter(p -> p.resource() == kind && detector.isInstance(p.detect())).toList();
    }
}
