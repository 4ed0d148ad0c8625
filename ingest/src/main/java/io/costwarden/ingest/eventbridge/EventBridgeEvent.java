package io.costwarden.ingest.eventbridge;

import com.fasterxml.jackson.databind.JsonNode;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Verb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * EventBridge's own events (not CloudTrail API calls) to ResourceEvents: EC2 state changes, spot
 * interruption warnings and rebalance recommendations, Auto Scaling launches and terminations. Other
 * detail types are skipped and counted. The envelope's {@code id} is the event id (EventBridge
 * delivers at least once, with the same id).
 */
public final class EventBridgeEvent {
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{1,12}");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,32}");
    private static final Instant EARLIEST = Instant.parse("2006-01-01T00:00:00Z");

    private final Clock clock;

    /** A usable event, or the reason it was skipped. */
    public record Outcome(List<ResourceEvent> events, String skipReason) {
        static Outcome skip(String reason) {
            return new Outcome(List.of(), reason);
        }
    }

    /** An envelope field that makes the event unusable; {@code field} is its path. */
    public static final class Invalid extends Exception {
        private final String field;

        Invalid(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    public EventBridgeEvent(Clock clock) {
        this.clock = clock;
    }

    private static final java.util.Set<String> SUPPORTED = java.util.Set.of("EC2 Instance State-change Notification",
            "EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation",
            "EC2 Instance Launch Successful", "EC2 Instance Terminate Successful", "EC2 Spot Instance Request Fulfillment",
            "SageMaker Training Job State Change", "SageMaker Endpoint State Change");

    public Outcome read(JsonNode e) throws Invalid {
        String type = text(e, "detail-type");
        if (!SUPPORTED.contains(type)) {
            // Not ours: skipped before validation, so an odd envelope of another service is not an error.
            return Outcome.skip("unsupported-detail-type:" + type);
        }
        String id = text(e, "id");
        String account = text(e, "account");
        if (!ACCOUNT.matcher(account).matches()) {
            throw new Invalid("account", "not an AWS account id (up to 12 digits): '" + account + "'");
        }
        String region = text(e, "region");
        if (!REGION.matcher(region).matches()) {
            throw new Invalid("region", "not a region name: '" + region + "'");
        }
        Instant time = time(e);
        JsonNode detail = e.path("detail");
        return switch (type) {
            case "EC2 Instance State-change Notification" -> stateChange(id, type, time, account, region, detail);
            case "EC2 Spot Instance Interruption Warning" ->
                    ec2(id, type, time, account, region, Verb.SPOT_INTERRUPTION, detail, "instance-id", Map.of());
            case "EC2 Instance Rebalance Recommendation" ->
                    ec2(id, type, time, account, region, Verb.REBALANCE_RECOMMENDATION, detail, "instance-id", Map.of());
            // The instances of RequestSpotInstances show up here, not in CloudTrail.
            case "EC2 Spot Instance Request Fulfillment" ->
                    ec2(id, type, time, account, region, Verb.START, detail, "instance-id", Map.of());
            case "EC2 Instance Launch Successful" -> ec2(id, type, time, account, region, Verb.START, detail,
                    "EC2InstanceId", asgTag(detail));
            case "EC2 Instance Terminate Successful" -> ec2(id, type, time, account, region, Verb.TERMINATE, detail,
                    "EC2InstanceId", asgTag(detail));
            case "SageMaker Training Job State Change" -> trainingJob(id, type, time, account, region, detail);
            case "SageMaker Endpoint State Change" -> endpoint(id, type, time, account, region, detail);
            default -> Outcome.skip("unsupported-detail-type:" + type);
        };
    }

    /** A job runs while InProgress; once Completed, Failed or Stopped it is over for good and costs nothing. */
    private Outcome trainingJob(String id, String type, Instant time, String account, String region, JsonNode detail)
            throws Invalid {
        String name = detailText(detail, "TrainingJobName");
        String status = detailText(detail, "TrainingJobStatus");
        Verb verb = switch (status) {
            case "InProgress" -> Verb.START;
            case "Completed", "Failed", "Stopped" -> Verb.TERMINATE;
            default -> null;
        };
        if (verb == null) {
            return Outcome.skip("transitional-state:" + status);
        }
        JsonNode rc = detail.path("ResourceConfig");
        String instanceType = rc.path("InstanceType").asText("");
        int count = rc.path("InstanceCount").asInt(0);
        ResourceKind kind = ResourceKind.SAGEMAKER_TRAINING_JOB;
        return new Outcome(List.of(new ResourceEvent(ResourceEvent.SCHEMA_VERSION, id, type, time, account, region, "", verb,
                kind, kind.arn(region, account, name), name, instanceType.startsWith("ml.") ? instanceType : "", 0,
                PurchaseOption.UNKNOWN, Map.of(), count)), "");
    }

    private Outcome endpoint(String id, String type, Instant time, String account, String region, JsonNode detail)
            throws Invalid {
        String name = detailText(detail, "EndpointName");
        String status = detailText(detail, "EndpointStatus");
        Verb verb = switch (status) {
            case "IN_SERVICE" -> Verb.START;
            case "FAILED", "OUT_OF_SERVICE" -> Verb.STOP;
            case "DELETING" -> Verb.TERMINATE;
            default -> null;
        };
        if (verb == null) {
            return Outcome.skip("transitional-state:" + status);
        }
        ResourceKind kind = ResourceKind.SAGEMAKER_ENDPOINT;
        return new Outcome(List.of(new ResourceEvent(ResourceEvent.SCHEMA_VERSION, id, type, time, account, region, "", verb,
                kind, kind.arn(region, account, name), name, "", 0, PurchaseOption.UNKNOWN, Map.of(), 0)), "");
    }

    /** Running, stopped and terminated change the inventory; pending, stopping, shutting-down are transitions. */
    private static Outcome stateChange(String id, String type, Instant time, String account, String region, JsonNode detail)
            throws Invalid {
        String state = detailText(detail, "state");
        Verb verb = switch (state) {
            case "running" -> Verb.START;
            case "stopped" -> Verb.STOP;
            case "terminated" -> Verb.TERMINATE;
            default -> null;
        };
        if (verb == null) {
            return Outcome.skip("transitional-state:" + state);
        }
        return ec2(id, type, time, account, region, verb, detail, "instance-id", Map.of());
    }

    private static Outcome ec2(String id, String type, Instant time, String account, String region, Verb verb,
            JsonNode detail, String idField, Map<String, String> tags) throws Invalid {
        String instanceId = detailText(detail, idField);
        if (!instanceId.startsWith("i-")) {
            throw new Invalid("detail." + idField, "not an instance id: '" + instanceId + "'");
        }
        ResourceKind kind = ResourceKind.EC2_INSTANCE;
        PurchaseOption purchase = verb == Verb.SPOT_INTERRUPTION || verb == Verb.REBALANCE_RECOMMENDATION
                || type.startsWith("EC2 Spot") ? PurchaseOption.SPOT : PurchaseOption.UNKNOWN;
        return new Outcome(List.of(new ResourceEvent(ResourceEvent.SCHEMA_VERSION, id, type, time, account, region, "",
                verb, kind, kind.arn(region, account, instanceId), instanceId, "", 0, purchase, tags, 1)), "");
    }

    private static Map<String, String> asgTag(JsonNode detail) {
        String group = detail.path("AutoScalingGroupName").asText("");
        return group.isEmpty() ? Map.of() : Map.of("aws:autoscaling:groupName", group);
    }

    private Instant time(JsonNode e) throws Invalid {
        String text = text(e, "time");
        Instant t;
        try {
            t = OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException ex) {
            throw new Invalid("time", "not an ISO-8601 time: '" + (text.length() > 64 ? text.substring(0, 64) + "..." : text) + "'");
        }
        // An hour, as for CloudTrail records: the broker refuses record timestamps further ahead.
        if (t.isBefore(EARLIEST) || t.isAfter(clock.instant().plus(Duration.ofHours(1)))) {
            throw new Invalid("time", "implausible time " + t + " (before 2006 or more than an hour ahead of this clock)");
        }
        return t;
    }

    private static String text(JsonNode e, String field) throws Invalid {
        JsonNode v = e.get(field);
        if (v == null || v.isNull()) {
            throw new Invalid(field, "missing");
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new Invalid(field, "expected a non-empty string, found " + v);
        }
        return v.asText();
    }

    private static String detailText(JsonNode detail, String field) throws Invalid {
        JsonNode v = detail.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new Invalid("detail." + field, v == null ? "missing" : "expected a non-empty string, found " + v);
        }
        return v.asText().trim();
    }
}
