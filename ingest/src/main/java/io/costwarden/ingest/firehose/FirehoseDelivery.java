package io.costwarden.ingest.firehose;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.costwarden.ingest.InputLimits;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A Kinesis Data Firehose HTTP endpoint delivery request:
 * {@code {"requestId": "...", "timestamp": <epoch ms>, "records": [{"data": "<base64>"}, ...]}}.
 */
public record FirehoseDelivery(String requestId, long timestamp, List<byte[]> records) {

    /** The body is not a delivery request; the message says what is wrong and where. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

    public static FirehoseDelivery parse(byte[] body, InputLimits limits) throws Invalid {
        ObjectMapper mapper = new ObjectMapper(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(limits.maxNestingDepth()).build())
                .build());
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new Invalid("not JSON: " + e.getOriginalMessage() + where);
        } catch (IOException e) {
            throw new Invalid("cannot read the body: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new Invalid("not a Firehose delivery request: expected a JSON object with requestId and records");
        }
        JsonNode id = root.get("requestId");
        if (id == null || !id.isTextual() || id.asText().isBlank()) {
            throw new Invalid("requestId: missing or not a string");
        }
        JsonNode ts = root.get("timestamp");
        if (ts == null || !ts.isIntegralNumber()) {
            throw new Invalid("timestamp: missing or not epoch milliseconds");
        }
        JsonNode records = root.get("records");
        if (records == null || !records.isArray()) {
            throw new Invalid("records: missing or not a list");
        }
        List<byte[]> out = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            JsonNode data = records.get(i).get("data");
            if (data == null || !data.isTextual()) {
                throw new Invalid("records[" + i + "].data: missing or not a base64 string");
            }
            try {
                out.add(Base64.getDecoder().decode(data.asText()));
            } catch (IllegalArgumentException e) {
                throw new Invalid("records[" + i + "].data: not base64: " + e.getMessage());
            }
        }
        return new FirehoseDelivery(id.asText(), ts.asLong(), out);
    }
}
