package io.costwarden.actions.alerts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who hears an alert:
 * <ol>
 *   <li>the channels the policy names in {@code notify};</li>
 *   <li>the owner's channel: the values of the owner tags, in their configured order, and a group
 *       finding's group ({@code team=ml}), each looked up in {@code owner-routes}; else, when it reads
 *       {@code #channel} or {@code @user} and {@code owner-slack} is set, that Slack channel or user
 *       through the {@code owner-slack} webhook. The first owner tag value that routes wins.
 *       A tag value is never taken as a channel name by itself: whoever may tag a resource must not be
 *       able to page an on-call rotation, so which values reach which channel is configuration;</li>
 *   <li>the default channel, only when neither gave a target, so no alert goes nowhere.</li>
 * </ol>
 * A channel name that is not configured is skipped (and logged once per name); a target named twice
 * gets the message once.
 */
public final class AlertRouting {
    private static final Logger LOG = LoggerFactory.getLogger(AlertRouting.class);
    /** A Slack channel or user as people write it; anything else in the tag routes nowhere. */
    static final Pattern SLACK_TARGET = Pattern.compile("[#@][A-Za-z0-9._-]{1,80}");

    private final Map<String, AlertChannel> channels;
    private final Optional<String> defaultChannel;
    private final Map<String, String> ownerRoutes;
    private final Optional<String> ownerSlack;
    private final List<String> ownerTags;
    private final Set<String> warnedUnknown = ConcurrentHashMap.newKeySet();

    /**
     * @param ownerTags   tag keys whose values may route to the owner, tried in order; the first value that
     *                    routes wins
     * @param ownerRoutes owner tag value (or group key) to channel name
     * @param ownerSlack  the Slack channel through which {@code #channel} and {@code @user} owner values are sent
     * @throws IllegalArgumentException when the default channel, an owner route or owner-slack names a
     *                                  channel that is not configured (or, for owner-slack, is not Slack)
     */
    public AlertRouting(Map<String, AlertChannel> channels, Optional<String> defaultChannel, List<String> ownerTags,
            Map<String, String> ownerRoutes, Optional<String> ownerSlack) {
        this.channels = Map.copyOf(channels);
        this.ownerTags = List.copyOf(ownerTags);
        this.defaultChannel = defaultChannel.filter(s -> !s.isBlank()).map(String::trim);
        this.ownerRoutes = Map.copyOf(ownerRoutes);
        this.ownerSlack = ownerSlack.filter(s -> !s.isBlank()).map(String::trim);
        this.defaultChannel.ifPresent(d -> require("costwarden.alerts.default-channel", d));
        this.ownerRoutes.forEach((owner, ch) -> require("costwarden.alerts.owner-routes.\"" + owner + "\"", ch));
        this.ownerSlack.ifPresent(s -> {
            require("costwarden.alerts.owner-slack", s);
            if (!(this.channels.get(s) instanceof SlackChannel)) {
                throw new IllegalArgumentException("costwarden.alerts.owner-slack: channel " + s + " is not a slack channel");
            }
        });
    }

    private void require(String key, String name) {
        if (!channels.containsKey(name)) {
            throw new IllegalArgumentException(key + ": no channel named '" + name + "' is configured (costwarden.alerts.channels)");
        }
    }

    public Map<String, AlertChannel> channels() {
        return channels;
    }

    public List<AlertTarget> targets(AlertEvent e) {
        Map<String, AlertTarget> out = new LinkedHashMap<>();
        for (String name : e.policyChannels()) {
            AlertChannel c = channels.get(name);
            if (c != null) {
                add(out, new AlertTarget(c, ""));
            } else if (warnedUnknown.add(name)) {
                LOG.warn("policy {} names alert channel '{}', which is not configured (costwarden.alerts.channels); "
                        + "its alerts go to the other targets", e.policy(), name);
            }
        }
        for (String key : ownerTags) {
            Optional<AlertTarget> t = owner(e.tags().getOrDefault(key, "").trim());
            if (t.isPresent()) {
                add(out, t.get());
                break;
            }
        }
        if (!e.group().isEmpty()) {
            owner(e.group()).ifPresent(t -> add(out, t));
        }
        if (out.isEmpty()) {
            defaultChannel.map(channels::get).ifPresent(c -> add(out, new AlertTarget(c, "")));
        }
        return new ArrayList<>(out.values());
    }

    private Optional<AlertTarget> owner(String value) {
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String routed = ownerRoutes.get(value);
        if (routed != null) {
            return Optional.of(new AlertTarget(channels.get(routed), ""));
        }
        if (ownerSlack.isPresent() && SLACK_TARGET.matcher(value).matches()) {
            return Optional.of(new AlertTarget(channels.get(ownerSlack.get()), value));
        }
        return Optional.empty();
    }

    private static void add(Map<String, AlertTarget> out, AlertTarget t) {
        out.putIfAbsent(t.key(), t);
    }
}
