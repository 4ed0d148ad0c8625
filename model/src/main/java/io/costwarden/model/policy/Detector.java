package io.costwarden.model.policy;

/** What decides whether a resource (or a group) breaks a policy; one per policy, named by its word under {@code detect}. */
public sealed interface Detector permits LaunchRule, IdleRule, GpuQuotaRule, LifetimeRule, GroupSpendRule {
    DetectorType type();

    /** The word a policy file uses, e.g. {@code launch}. */
    default String word() {
        return type().word();
    }
}
