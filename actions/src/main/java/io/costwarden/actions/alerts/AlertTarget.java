package io.costwarden.actions.alerts;

/**
 * One place a message goes: a configured channel, and for Slack optionally another Slack channel or
 * user named by the owner tag.
 *
 * @param override {@code #channel} or {@code @user} sent as Slack's {@code channel} field; empty for none
 */
public record AlertTarget(AlertChannel channel, String override) {
    public AlertTarget {
        override = override == null ? "" : override;
    }

    /** {@code slack-ml} or {@code slack-ml#team-a}: what deduplication is keyed by. */
    public String key() {
        return override.isEmpty() ? channel.name() : channel.name() + override;
    }
}
