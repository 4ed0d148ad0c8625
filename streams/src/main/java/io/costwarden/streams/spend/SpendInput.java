package io.costwarden.streams.spend;

import io.costwarden.streams.GroupRef;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.time.LocalDate;

/**
 * What a group hears, on the repartition topic keyed by group key: a resource joins or changes, a
 * resource leaves, or billing changes what it says about one day.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({@JsonSubTypes.Type(value = SpendInput.Joins.class, name = "joins"),
        @JsonSubTypes.Type(value = SpendInput.Leaves.class, name = "leaves"),
        @JsonSubTypes.Type(value = SpendInput.Billed.class, name = "billed")})
public sealed interface SpendInput permits SpendInput.Joins, SpendInput.Leaves, SpendInput.Billed {
    /** For news that carries no data time: a policy reload moving resources to a new dimension. */
    Instant UNTIMED = Instant.EPOCH;

    GroupRef group();

    /** Something a group can act on; anything else on the topic is skipped and counted. */
    boolean readable();

    /**
     * A resource runs in the group, adding {@code contribution}; sent again when that changes.
     *
     * @param at      event time of the change, or {@link #UNTIMED}
     * @param eventId the event behind it, empty when none
     */
    record Joins(GroupRef group, Contribution contribution, Instant at, String eventId) implements SpendInput {
        public Joins {
            at = at == null ? UNTIMED : at;
            eventId = eventId == null ? "" : eventId;
        }

        @Override
        public boolean readable() {
            return SpendInput.readable(group) && contribution != null && contribution.resourceId() != null
                    && contribution.kind() != null && Double.isFinite(contribution.usdPerHour())
                    && contribution.usdPerHour() >= 0;
        }
    }

    /** A resource stopped, ended, or moved to another group of the dimension. */
    record Leaves(GroupRef group, String resourceId, Instant at, String eventId) implements SpendInput {
        public Leaves {
            at = at == null ? UNTIMED : at;
            eventId = eventId == null ? "" : eventId;
        }

        @Override
        public boolean readable() {
            return SpendInput.readable(group) && resourceId != null;
        }
    }

    /**
     * A change in billed instance usage for one UTC day: a new line item adds its amounts and one item, a
     * restated one the difference to what it said before.
     */
    record Billed(GroupRef group, LocalDate day, double billedUsd, double effectiveUsd, int items) implements SpendInput {
        @Override
        public boolean readable() {
            return SpendInput.readable(group) && day != null && Double.isFinite(billedUsd) && Double.isFinite(effectiveUsd);
        }
    }

    private static boolean readable(GroupRef g) {
        return g != null && g.dimension() != null && g.value() != null;
    }
}
