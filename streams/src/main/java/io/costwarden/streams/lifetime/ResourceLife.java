package io.costwarden.streams.lifetime;

import io.costwarden.model.Resource;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the lifetime detector remembers about one resource until it is terminated.
 *
 * @param resource    the inventory's view after the newest change, for scope and for the finding
 * @param firstSeen   the earliest event time seen for it: its start of life when the launch itself was
 *                    never seen (it predates Costwarden, or its RunInstances has not arrived yet)
 * @param running     false while it is stopped; running, pending and a state not yet known count as running
 * @param restartedAt the start that ended its latest stop; empty while it runs in its first running period
 * @param reported    per policy, the episode already reported, so that an occurrence is reported once
 *
 * <p>The map is a mutable copy: the detector updates it in place and then writes the record back.
 */
public record ResourceLife(Resource resource, Instant firstSeen, boolean running, Optional<Instant> restartedAt,
        Map<String, String> reported) {

    public ResourceLife {
        restartedAt = restartedAt == null ? Optional.empty() : restartedAt;
        reported = reported == null ? new HashMap<>() : new HashMap<>(reported);
    }

    /** Its launch when the inventory saw it, else the first event seen. */
    public Instant start() {
        return resource.launchedAt().orElse(firstSeen);
    }

    /**
     * This occurrence: the start of life, and for a later running period the start that began it. A
     * restart after a stop must be a new finding id: the decision step ended the old finding at the stop,
     * and the actions ledger would drop a second stop under the old id as a duplicate.
     */
    public String episode() {
        return "lifetime:" + start().toEpochMilli() + restartedAt.map(t -> ":restarted:" + t.toEpochMilli()).orElse("");
    }
}
