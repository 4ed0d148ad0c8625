package io.costwarden.streams.idle;

import io.costwarden.model.Resource;
import io.costwarden.model.ResourceKind;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * What the idle detector remembers about one resource.
 *
 * @param resource       the inventory's view, when the resource has been seen in CloudTrail; null when
 *                       only its metrics are known (it was launched before Costwarden watched)
 * @param observedSince  start of the current running period as far as Costwarden can tell: its launch or
 *                       start, else its first datapoint. Quiet time is never counted from before this.
 * @param lastSeen       per signal ({@code cpu}, {@code gpu}), the newest datapoint's time
 * @param lastActive     per {@code policy|signal}, the newest datapoint at or above that policy's threshold
 * @param reported       per policy, the start of the quiet run already reported, so it is reported once
 *
 * <p>The maps are mutable copies: the detector updates them in place and then writes the state back.
 */
public record IdleState(
        String resourceId,
        ResourceKind kind,
        String nativeId,
        String account,
        String region,
        Resource resource,
        boolean running,
        Instant observedSince,
        Map<String, Instant> lastSeen,
        Map<String, Instant> lastActive,
        Map<String, Instant> reported) {

    public IdleState {
        lastSeen = lastSeen == null ? new HashMap<>() : new HashMap<>(lastSeen);
        lastActive = lastActive == null ? new HashMap<>() : new HashMap<>(lastActive);
        reported = reported == null ? new HashMap<>() : new HashMap<>(reported);
    }
}
