package io.costwarden.ingest;

import io.costwarden.model.ResourceEvent;
import java.util.List;
import java.util.Map;

/**
 * What one input yielded.
 *
 * @param records     how many source records were looked at
 * @param skipped     records that are valid but not for us, counted by reason: {@code unsupported:CreateKeyPair},
 *                    {@code failed-call}, {@code not-an-api-call}
 * @param errors      records (or the whole input) that are broken; the rest of the input is still used
 */
public record ParseResult(int records, List<ResourceEvent> events, Map<String, Integer> skipped,
        List<RecordError> errors) {

    public ParseResult {
        events = List.copyOf(events);
        skipped = Map.copyOf(skipped);
        errors = List.copyOf(errors);
    }

    public static ParseResult unreadable(String message, String raw) {
        return new ParseResult(0, List.of(), Map.of(), List.of(new RecordError("", message, raw)));
    }
}
