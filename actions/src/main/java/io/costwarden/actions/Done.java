package io.costwarden.actions;

import io.costwarden.model.Outcome;
import java.math.BigDecimal;
import java.util.Map;

/**
 * How an adapter's sequence ended, before the executor records it.
 *
 * @param previous what was changed, as it was before (an undo restores it); empty when nothing changed
 */
public record Done(Outcome outcome, String message, Map<String, String> previous, BigDecimal hourlySaving) {

    public Done {
        previous = Map.copyOf(previous);
    }

    /** AWS state was changed; {@code previous} is what an undo restores. */
    public static Done changed(String message, Map<String, String> previous) {
        return new Done(Outcome.SUCCEEDED, message, previous, null);
    }

    /** Nothing needed changing (already stopped, already that size): nothing to undo. */
    public static Done unchanged(String message) {
        return new Done(Outcome.SUCCEEDED, message, Map.of(), null);
    }

    public static Done recommended(String message, BigDecimal hourlySaving) {
        return new Done(Outcome.RECOMMENDED, message, Map.of(), hourlySaving);
    }
}
