package io.costwarden.ingest.cloudtrail;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.costwarden.ingest.InputDecoder;
import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.LineDelimited;
import io.costwarden.ingest.ParseResult;
import io.costwarden.ingest.RecordError;
import io.costwarden.ingest.eventbridge.EventBridgeEvent;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.ResourceEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads CloudTrail in every form it reaches us: one record, a JSON array of records, an S3 log file
 * ({@code {"Records":[...]}}), newline-delimited records, an EventBridge "AWS API Call via CloudTrail"
 * envelope, and any of these gzipped. EventBridge's own EC2 and Auto Scaling events are read too
 * ({@link EventBridgeEvent}). A broken record is reported with its location and the rest of
 * the input is still used.
 */
public final class CloudTrailParser {
    static final String API_CALL_DETAIL_TYPE = "AWS API Call via CloudTrail";

    private final ObjectMapper mapper;
    private final InputLimits limits;
    private final CloudTrailRecord records;
    private final EventBridgeEvent eventBridge;

    public CloudTrailParser(InstanceCatalog catalog, InputLimits limits, Clock clock) {
        this.limits = limits;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(limits.maxNestingDepth()).build())
                .build();
        this.mapper = new ObjectMapper(factory);
        this.records = new CloudTrailRecord(catalog, clock);
        this.eventBridge = new EventBridgeEvent(clock);
    }

    public ParseResult parse(byte[] input) {
        byte[] plain;
        try {
            plain = InputDecoder.decode(input, limits);
        } catch (InputDecoder.UnreadableInput e) {
            return ParseResult.unreadable(e.getMessage(), "");
        }
        Collector out = new Collector();
        if (LineDelimited.looksLike(plain)) {
            String text = new String(plain, StandardCharsets.UTF_8);
            String[] lines = text.split("\r?\n");
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) {
                    continue;
                }
                String where = "line " + (i + 1);
                try {
                    root(mapper.readTree(lines[i]), where + ":", out);
                } catch (JsonProcessingException e) {
                    out.error(where, "not JSON: " + e.getOriginalMessage(), lines[i]);
                }
            }
        } else {
            try (JsonParser parser = mapper.createParser(plain)) {
                JsonNode root = mapper.readTree(parser);
                if (root == null || root.isMissingNode()) {
                    return ParseResult.unreadable("empty input: expected CloudTrail JSON", "");
                }
                if (trailingContent(parser)) {
                    return ParseResult.unreadable("unexpected content after the JSON value at line "
                            + parser.currentLocation().getLineNr() + ", column " + parser.currentLocation().getColumnNr(),
                            text(plain));
                }
                root(root, "", out);
            } catch (JsonProcessingException e) {
                String where = e.getLocation() == null ? ""
                        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
                return ParseResult.unreadable("not JSON: " + e.getOriginalMessage() + where, text(plain));
            } catch (IOException e) {
                return ParseResult.unreadable("cannot read input: " + e.getMessage(), text(plain));
            }
        }
        return out.result();
    }

    private void root(JsonNode root, String prefix, Collector out) {
        if (root.isArray()) {
            for (int i = 0; i < root.size(); i++) {
                record(root.get(i), join(prefix, "[" + i + "]"), out);
            }
        } else if (root.isObject() && root.has("Records")) {
            JsonNode list = root.get("Records");
            if (!list.isArray()) {
                out.error(join(prefix, "Records"), "expected a list of CloudTrail records", root.toString());
                return;
            }
            for (int i = 0; i < list.size(); i++) {
                record(list.get(i), join(prefix, "Records[" + i + "]"), out);
            }
        } else if (root.isObject() && root.has("detail-type")) {
            envelope(root, prefix, out);
        } else {
            record(root, prefix, out);
        }
    }

    /** An EventBridge event: a CloudTrail record in an envelope, or one of EventBridge's own events. */
    private void envelope(JsonNode event, String prefix, Collector out) {
        String type = event.path("detail-type").asText("");
        if (!API_CALL_DETAIL_TYPE.equals(type)) {
            out.records++;
            try {
                EventBridgeEvent.Outcome outcome = eventBridge.read(event);
                if (outcome.skipReason().isEmpty()) {
                    out.events.addAll(outcome.events());
                } else {
                    out.skip(outcome.skipReason());
                }
            } catch (EventBridgeEvent.Invalid e) {
                out.error(join(prefix, e.field()), e.getMessage(), event.toString());
            }
            return;
        }
        JsonNode detail = event.get("detail");
        if (detail == null || !detail.isObject()) {
            out.records++;
            out.error(join(prefix, "detail"), "missing: an \"" + API_CALL_DETAIL_TYPE + "\" event carries the record in 'detail'",
                    event.toString());
            return;
        }
        record(detail, join(prefix, "detail"), out);
    }

    private void record(JsonNode node, String location, Collector out) {
        out.records++;
        try {
            CloudTrailRecord.Outcome outcome = records.read(node);
            if (outcome.skipReason().isEmpty()) {
                out.events.addAll(outcome.events());
            } else {
                out.skip(outcome.skipReason());
            }
        } catch (InvalidRecordException e) {
            out.error(join(location, e.field()), e.getMessage(), node.toString());
        }
    }

    private static String join(String prefix, String part) {
        if (prefix.isEmpty()) {
            return part;
        }
        if (part.isEmpty()) {
            return prefix.endsWith(":") ? prefix.substring(0, prefix.length() - 1) : prefix;
        }
        if (prefix.endsWith(":")) {
            return prefix + " " + part;
        }
        return part.startsWith("[") ? prefix + part : prefix + "." + part;
    }

    /** Anything but whitespace after the document, including what is not even a JSON token. */
    private static boolean trailingContent(JsonParser parser) {
        try {
            return parser.nextToken() != null;
        } catch (IOException e) {
            return true;
        }
    }

    /** Enough of the input for a dead letter; the rest would be cut anyway. */
    private static String text(byte[] plain) {
        return new String(plain, 0, Math.min(plain.length, 4 * io.costwarden.model.DeadLetter.RAW_LIMIT), StandardCharsets.UTF_8);
    }

    private static final class Collector {
        int records;
        final List<ResourceEvent> events = new ArrayList<>();
        final Map<String, Integer> skipped = new TreeMap<>();
        final List<RecordError> errors = new ArrayList<>();

        void skip(String reason) {
            skipped.merge(reason, 1, Integer::sum);
        }

        void error(String location, String message, String raw) {
            errors.add(new RecordError(location, message, raw));
        }

        ParseResult result() {
            return new ParseResult(records, events, skipped, errors);
        }
    }
}
