package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.Mode;
import io.costwarden.model.ResourceKind;

/**
 * One policy from a policy file.
 *
 * @param detect what decides, e.g. a {@link LaunchRule} or an {@link IdleRule}
 * @param origin where it was declared, {@code file:line}, so a finding can point back to its source
 */
public record Policy(String name, ResourceKind resource, Detector detect, ActionKind action, Mode mode, String origin) {
}
