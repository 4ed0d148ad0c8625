package io.costwarden.streams.spend;

import java.time.Instant;

/**
 * The spend clock of one task: data time {@code dataTime} was reached at wall-clock {@code wallMillis}
 * and has run on with the wall clock since. See {@link SpendTopology} for why.
 */
public record SpendClock(Instant dataTime, long wallMillis) {
    /** Data time at wall-clock {@code wall}: the anchor plus the wall time since (never backwards). */
    Instant at(long wall) {
        return dataTime.plusMillis(Math.max(0, wall - wallMillis));
    }
}
