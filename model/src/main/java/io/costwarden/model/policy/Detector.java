package io.costwarden.model.policy;

/** What decides whether a resource breaks a policy; one per policy, named by its word under {@code detect}. */
public sealed interface Detector permits LaunchRule, IdleRule {
    /** The word a policy file uses, e.g. {@code launch}. */
    String word();
}
