package io.costwarden.ingest.s3sqs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The S3 objects one SQS message announces, in each form AWS delivers: an S3 event notification sent
 * straight to SQS, the same wrapped in an SNS notification, an EventBridge "Object Created" event, and
 * CloudTrail's own SNS notification ({@code s3Bucket}, {@code s3ObjectKey}). S3's test event announces
 * nothing.
 */
public final class QueueMessage {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private QueueMessage() {
    }

    /** The body is none of the known forms; the message says what was found. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

    public static List<ObjectRef> objects(String body) throws Invalid {
        JsonNode root = json(body);
        if ("Notification".equals(root.path("Type").asText()) && root.path("Message").isTextual()) {
            return objects(root.path("Message").asText());
        }
        if (root.has("Records")) {
            return s3Notification(root.get("Records"));
        }
        if ("Object Created".equals(root.path("detail-type").asText()) && "aws.s3".equals(root.path("source").asText())) {
            return List.of(ref(root.path("detail").path("bucket").path("name"), root.path("detail").path("object").path("key"),
                    "detail", false));
        }
        if (root.has("s3Bucket") && root.path("s3ObjectKey").isArray()) {
            List<ObjectRef> out = new ArrayList<>();
            for (JsonNode key : root.get("s3ObjectKey")) {
                out.add(ref(root.get("s3Bucket"), key, "s3ObjectKey", false));
            }
            return out;
        }
        if ("s3:TestEvent".equals(root.path("Event").asText())) {
            return List.of();
        }
        throw new Invalid("not an S3 notification, SNS notification, EventBridge Object Created event or CloudTrail "
                + "notification (top-level fields: " + fieldNames(root) + ")");
    }

    private static List<ObjectRef> s3Notification(JsonNode records) throws Invalid {
        if (!records.isArray()) {
            throw new Invalid("Records: expected a list of S3 event records");
        }
        List<ObjectRef> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            JsonNode r = records.get(i);
            if (!r.path("eventName").asText().startsWith("ObjectCreated:")) {
                continue;
            }
            // S3 event notifications URL-encode object keys; EventBridge and CloudTrail do not.
            out.add(ref(r.path("s3").path("bucket").path("name"), r.path("s3").path("object").path("key"),
                    "Records[" + i + "].s3", true));
        }
        return out;
    }

    private static ObjectRef ref(JsonNode bucket, JsonNode key, String where, boolean urlEncoded) throws Invalid {
        if (!bucket.isTextual() || bucket.asText().isBlank()) {
            throw new Invalid(where + ": missing bucket name");
        }
        if (!key.isTextual() || key.asText().isBlank()) {
            throw new Invalid(where + ": missing object key");
        }
        try {
            String k = urlEncoded ? URLDecoder.decode(key.asText(), StandardCharsets.UTF_8) : key.asText();
            return new ObjectRef(bucket.asText(), k);
        } catch (IllegalArgumentException e) {
            throw new Invalid(where + ": object key is not URL-encoded as S3 notifications are: " + e.getMessage());
        }
    }

    private static JsonNode json(String body) throws Invalid {
        try {
            JsonNode root = MAPPER.readTree(body);
            if (root == null || !root.isObject()) {
                throw new Invalid("expected a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new Invalid("not JSON: " + e.getOriginalMessage());
        }
    }

    private static String fieldNames(JsonNode root) {
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(names::add);
        return names.size() > 10 ? String.join(", ", names.subList(0, 10)) + ", ..." : String.join(", ", names);
    }
}
