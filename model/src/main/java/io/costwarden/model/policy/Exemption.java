package io.costwarden.model.policy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a resource is exempt from a policy: the {@code costwarden:exempt} tag, which every policy
 * honours, or one of the policy's own {@code exempt} tag filters.
 *
 * <p>The tag's value may carry an expiry: {@code 2026-12-31} exempts to the end of that day (UTC),
 * an ISO instant to that instant, an empty value or {@code true} for good. A value that is none of
 * these ({@code until friday}) exempts nothing and the finding says why: an exemption nobody can read
 * must not silently protect a machine forever.
 *
 * @param tags the policy's own filters: a resource with any of these tags (value matching a glob) is exempt
 */
public record Exemption(Map<String, List<String>> tags) {
    public static final String TAG = "costwarden:exempt";
    public static final Exemption NONE = new Exemption(Map.of());

    public Exemption {
        tags = Map.copyOf(tags);
    }

    /** Why the resource is exempt at {@code now}, or empty if it is not. */
    public Optional<String> reason(Map<String, String> resourceTags, Instant now) {
        String value = resourceTags.get(TAG);
        if (value != null) {
            Optional<Instant> until = expiry(value);
            if (until.isPresent() && until.get().isAfter(now)) {
                return Optional.of("exempt by tag " + TAG + (value.isBlank() ? "" : "=" + value));
            }
            if (until.isEmpty() && isForever(value)) {
                return Optional.of("exempt by tag " + TAG + (value.isBlank() ? "" : "=" + value));
            }
        }
        for (Map.Entry<String, List<String>> filter : tags.entrySet()) {
            String v = resourceTags.get(filter.getKey());
            if (v != null && Glob.matchesAny(filter.getValue(), v)) {
                return Optional.of("exempt by the policy's exempt tag " + filter.getKey() + "=" + v);
            }
        }
        return Optional.empty();
    }

    /** A note for the finding when the tag is present but does not exempt: expired, or unreadable. */
    public static Optional<String> ignoredTag(Map<String, String> resourceTags, Instant now) {
        String value = resourceTags.get(TAG);
        if (value == null || isForever(value)) {
            return Optional.empty();
        }
        Optional<Instant> until = expiry(value);
        if (until.isEmpty()) {
            return Optional.of(TAG + "=" + value + " ignored: not a date (write 2026-12-31), an instant, true or empty");
        }
        return until.get().isAfter(now) ? Optional.empty() : Optional.of(TAG + "=" + value + " has expired");
    }

    private static boolean isForever(String value) {
        return value.isBlank() || value.equalsIgnoreCase("true");
    }

    private static Optional<Instant> expiry(String value) {
        String v = value.trim();
        try {
            return Optional.of(LocalDate.parse(v).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        } catch (DateTimeParseException notADate) {
            try {
                return Optional.of(Instant.parse(v));
            } catch (DateTimeParseException notAnInstant) {
                return Optional.empty();
            }
        }
    }
}
