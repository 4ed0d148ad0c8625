package io.costwarden.ingest;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Metric label values that come from input (event names, detail types). Each distinct value becomes a
 * time series for the life of the process, so values are checked and their number capped: anything
 * odd-looking becomes {@code invalid}, anything past the cap {@code other}.
 */
public final class LabelValues {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9 ._:/-]{1,64}");

    private final int cap;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    public LabelValues(int cap) {
        this.cap = cap;
    }

    public String of(String value) {
        if (!PLAIN.matcher(value).matches()) {
            return "invalid";
        }
        if (seen.contains(value)) {
            return value;
        }
        synchronized (seen) {
            if (seen.size() < cap) {
                seen.add(value);
                return value;
            }
        }
        return "other";
    }
}
