package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionOptions;
import io.costwarden.model.Mode;
import io.costwarden.model.ResourceKind;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One policy from a policy file.
 *
 * @param resources the kinds it watches (one, except for group policies that may sum several)
 * @param detect    what decides, e.g. a {@link LaunchRule} or an {@link IdleRule}
 * @param options   the parameters given under the action word (defaults for a plain word)
 * @param grace     time between the warning finding and the action; the condition must still hold then
 * @param channels  alert channels (names configured in the actions role) that hear about its findings
 * @param origin    where it was declared, {@code file:line}, so a finding can point back to its source
 */
public record Policy(String name, Set<ResourceKind> resources, Detector detect, Scope scope, ActionKind action,
        ActionOptions options, Mode mode, Duration grace, Exemption exempt, List<String> channels, String origin) {

    public Policy {
        resources = Set.copyOf(resources);
        channels = List.copyOf(channels);
        options = options == null ? ActionOptions.NONE : options;
    }

    /** A policy whose action takes its default options. */
    public Policy(String name, Set<ResourceKind> resources, Detector detect, Scope scope, ActionKind action, Mode mode,
            Duration grace, Exemption exempt, List<String> channels, String origin) {
        this(name, resources, detect, scope, action, ActionOptions.NONE, mode, grace, exempt, channels, origin);
    }

    /** A policy with everything but its core left at the defaults a policy file would give. */
    public Policy(String name, ResourceKind resource, Detector detect, ActionKind action, Mode mode, String origin) {
        this(name, Set.of(resource), detect, Scope.EVERYTHING, action, mode, Duration.ZERO, Exemption.NONE, List.of(),
                origin);
    }

    public boolean watches(ResourceKind kind) {
        return resources.contains(kind);
    }

    /** Whether findings of this policy lead to an action request (rather than only a finding and its alerts). */
    public boolean acts() {
        return action != ActionKind.NOTIFY && mode != Mode.NOTIFY;
    }
}
