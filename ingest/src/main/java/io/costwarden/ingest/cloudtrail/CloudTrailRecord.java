package io.costwarden.ingest.cloudtrail;

import com.fasterxml.jackson.databind.JsonNode;
import io.costwarden.model.Ids;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Verb;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One CloudTrail record to ResourceEvents. Validates the envelope fields every record must have, then
 * maps the event names Costwarden understands; other names are skipped and counted, not errors.
 */
final class CloudTrailRecord {
    /** Real ids have 12 digits; published, anonymised samples shorten them, and those are still usable. */
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{1,12}");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,32}");
    /** CloudTrail began in 2013; anything earlier is a broken clock or a broken record. */
    private static final Instant EARLIEST = Instant.parse("2006-01-01T00:00:00Z");
    /**
     * Kafka brokers refuse record timestamps more than an hour ahead (log.message.timestamp.after.max.ms,
     * default 1 h since Kafka 4.0); the detectors stamp their records with the event's time, so an event
     * further ahead would stop a stream thread. Refused here instead, with the reason.
     */
    private static final Duration MAX_FUTURE = Duration.ofHours(1);
    /** Exports and some tools write {@code 2024-12-16 18:41:07.000000000} (UTC, no zone); accepted alongside ISO-8601. */
    private static final DateTimeFormatter SPACED = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter();

    record Outcome(List<ResourceEvent> events, String skipReason) {
        static Outcome skip(String reason) {
            return new Outcome(List.of(), reason);
        }

        static Outcome of(List<ResourceEvent> events) {
            return new Outcome(events, "");
        }
    }

    private final InstanceCatalog catalog;
    private final Clock clock;

    CloudTrailRecord(InstanceCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    Outcome read(JsonNode r) throws InvalidRecordException {
        if (r == null || !r.isObject()) {
            throw new InvalidRecordException("", "not a CloudTrail record: expected a JSON object");
        }
        if (r.hasNonNull("eventType") && !r.get("eventType").isTextual()) {
            throw new InvalidRecordException("eventType", "expected a string, found " + r.get("eventType"));
        }
        String eventType = optionalText(r, "eventType");
        if (!eventType.isEmpty() && !"AwsApiCall".equals(eventType)) {
            return Outcome.skip("not-an-api-call:" + eventType);
        }
        String name = requiredText(r, "eventName");
        String source = requiredText(r, "eventSource");
        Instant time = time(r);
        String region = requiredText(r, "awsRegion");
        if (!REGION.matcher(region).matches()) {
            throw new InvalidRecordException("awsRegion", "not a region name: '" + bounded(region) + "'");
        }
        String account = account(r);
        if (!optionalText(r, "errorCode").isEmpty()) {
            // A refused or dry-run call changed nothing: it is never a launch.
            return Outcome.skip("failed-call");
        }
        String eventId = optionalText(r, "eventID");
        if (eventId.isEmpty()) {
            // Old and hand-written records lack eventID; a content hash keeps ids stable across replays.
            eventId = "sha:" + Ids.hash(r.toString().getBytes(StandardCharsets.UTF_8));
        }
        Context c = new Context(eventId, name, time, account, region, principal(r));
        JsonNode req = r.path("requestParameters");
        JsonNode resp = r.path("responseElements");
        return switch (source + " " + name) {
            case "ec2.amazonaws.com RunInstances" -> Outcome.of(runInstances(c, req, resp));
            case "ec2.amazonaws.com StartInstances" -> Outcome.of(instanceStates(c, Verb.START, req, resp));
            case "ec2.amazonaws.com StopInstances" -> Outcome.of(instanceStates(c, Verb.STOP, req, resp));
            case "ec2.amazonaws.com TerminateInstances" -> Outcome.of(instanceStates(c, Verb.TERMINATE, req, resp));
            case "ec2.amazonaws.com CreateTags" -> tags(c, req, Verb.TAG);
            case "ec2.amazonaws.com DeleteTags" -> tags(c, req, Verb.UNTAG);
            case "ec2.amazonaws.com CreateFleet" -> createFleet(c, resp);
            // Spot requests name no instances; they arrive with EventBridge's fulfillment event.
            case "ec2.amazonaws.com RequestSpotInstances" -> Outcome.skip("spot-request");
            case "sagemaker.amazonaws.com CreateApp" -> Outcome.of(studioApp(c, Verb.LAUNCH, req));
            case "sagemaker.amazonaws.com DeleteApp" -> Outcome.of(studioApp(c, Verb.TERMINATE, req));
            case "sagemaker.amazonaws.com CreateTrainingJob" -> Outcome.of(trainingJob(c, Verb.LAUNCH, req));
            case "sagemaker.amazonaws.com StopTrainingJob" -> Outcome.of(trainingJob(c, Verb.STOP, req));
            case "sagemaker.amazonaws.com CreateEndpoint" -> Outcome.of(endpoint(c, Verb.LAUNCH, req));
            case "sagemaker.amazonaws.com UpdateEndpoint" -> Outcome.of(endpoint(c, Verb.MODIFY, req));
            case "sagemaker.amazonaws.com DeleteEndpoint" -> Outcome.of(endpoint(c, Verb.TERMINATE, req));
            case "autoscaling.amazonaws.com CreateAutoScalingGroup" -> Outcome.of(autoScalingGroup(c, Verb.LAUNCH, req));
            case "autoscaling.amazonaws.com UpdateAutoScalingGroup",
                 "autoscaling.amazonaws.com SetDesiredCapacity" -> Outcome.of(autoScalingGroup(c, Verb.MODIFY, req));
            case "autoscaling.amazonaws.com DeleteAutoScalingGroup" -> Outcome.of(autoScalingGroup(c, Verb.TERMINATE, req));
            case "ec2.amazonaws.com ModifyInstanceAttribute" -> Outcome.of(modifyInstance(c, req));
            case "sagemaker.amazonaws.com CreateNotebookInstance" -> Outcome.of(notebook(c, Verb.LAUNCH, req));
            case "sagemaker.amazonaws.com StartNotebookInstance" -> Outcome.of(notebook(c, Verb.START, req));
            case "sagemaker.amazonaws.com StopNotebookInstance" -> Outcome.of(notebook(c, Verb.STOP, req));
            case "sagemaker.amazonaws.com UpdateNotebookInstance" -> Outcome.of(notebook(c, Verb.MODIFY, req));
            case "sagemaker.amazonaws.com DeleteNotebookInstance" -> Outcome.of(notebook(c, Verb.TERMINATE, req));
            default -> Outcome.skip("unsupported:" + name);
        };
    }

    private record Context(String eventId, String name, Instant time, String account, String region, String principal) {
        ResourceEvent event(Verb verb, ResourceKind kind, String nativeId, String instanceType, int gpus,
                PurchaseOption purchase, Map<String, String> tags) {
            return event(verb, kind, nativeId, instanceType, gpus, purchase, tags, 1);
        }

        ResourceEvent event(Verb verb, ResourceKind kind, String nativeId, String instanceType, int gpus,
                PurchaseOption purchase, Map<String, String> tags, int count) {
            // One call can touch several resources: they share the event id and differ by resource id.
            return new ResourceEvent(ResourceEvent.SCHEMA_VERSION, eventId, name, time, account, region, principal, verb,
                    kind, kind.arn(region, account, nativeId), nativeId, instanceType, gpus, purchase, tags, count);
        }
    }

    private List<ResourceEvent> runInstances(Context c, JsonNode req, JsonNode resp) throws InvalidRecordException {
        JsonNode items = resp.path("instancesSet").path("items");
        if (!items.isArray() || items.isEmpty()) {
            throw new InvalidRecordException("responseElements.instancesSet.items",
                    "missing: a successful RunInstances lists the instances it launched");
        }
        Map<String, String> requestTags = tagSpecificationTags(req);
        boolean spotRequested = "spot".equals(req.path("instanceMarketOptions").path("marketType").asText(""));
        List<ResourceEvent> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String id = item.path("instanceId").asText("");
            if (id.isEmpty()) {
                throw new InvalidRecordException("responseElements.instancesSet.items[" + i + "].instanceId", "missing");
            }
            String type = item.path("instanceType").asText(req.path("instanceType").asText(""));
            Map<String, String> tags = new LinkedHashMap<>(requestTags);
            tags.putAll(keyValues(item.path("tagSet").path("items")));
            boolean spot = spotRequested || "spot".equals(item.path("instanceLifecycle").asText(""));
            out.add(c.event(Verb.LAUNCH, ResourceKind.EC2_INSTANCE, id, type, catalog.gpuCount(type),
                    spot ? PurchaseOption.SPOT : PurchaseOption.ON_DEMAND, tags));
        }
        return out;
    }

    private List<ResourceEvent> instanceStates(Context c, Verb verb, JsonNode req, JsonNode resp)
            throws InvalidRecordException {
        JsonNode items = resp.path("instancesSet").path("items");
        String where = "responseElements.instancesSet.items";
        if (!items.isArray() || items.isEmpty()) {
            items = req.path("instancesSet").path("items");
            where = "requestParameters.instancesSet.items";
        }
        if (!items.isArray() || items.isEmpty()) {
            throw new InvalidRecordException("requestParameters.instancesSet.items", "missing: " + c.name()
                    + " names the instances it acts on");
        }
        List<ResourceEvent> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String id = items.get(i).path("instanceId").asText("");
            if (id.isEmpty()) {
                throw new InvalidRecordException(where + "[" + i + "].instanceId", "missing");
            }
            out.add(c.event(verb, ResourceKind.EC2_INSTANCE, id, "", 0, PurchaseOption.UNKNOWN, Map.of()));
        }
        return out;
    }

    /** CreateTags and DeleteTags; DeleteTags may name keys only, which is all UNTAG needs. */
    private Outcome tags(Context c, JsonNode req, Verb verb) throws InvalidRecordException {
        JsonNode resources = req.path("resourcesSet").path("items");
        if (!resources.isArray()) {
            throw new InvalidRecordException("requestParameters.resourcesSet.items", "missing: " + c.name() + " names its resources");
        }
        Map<String, String> tags = keyValues(req.path("tagSet").path("items"));
        List<ResourceEvent> out = new ArrayList<>();
        for (JsonNode r : resources) {
            String id = r.path("resourceId").asText("");
            // Volumes, images and the like are not resources Costwarden tracks.
            if (id.startsWith("i-")) {
                out.add(c.event(verb, ResourceKind.EC2_INSTANCE, id, "", 0, PurchaseOption.UNKNOWN, tags));
            }
        }
        return out.isEmpty() ? Outcome.skip("untracked-resource:" + c.name()) : Outcome.of(out);
    }

    /**
     * CreateFleet's response as CloudTrail renders the XML: a lone {@code item} is an object, several are
     * a list, at both levels (instance sets and instance ids).
     */
    private Outcome createFleet(Context c, JsonNode resp) throws InvalidRecordException {
        JsonNode set = resp.path("CreateFleetResponse").path("fleetInstanceSet");
        if (set.isMissingNode()) {
            return Outcome.skip("fleet-without-instances");
        }
        List<ResourceEvent> out = new ArrayList<>();
        int i = 0;
        for (JsonNode item : items(set.path("item"))) {
            String type = item.path("instanceType").asText("");
            boolean spot = "spot".equalsIgnoreCase(item.path("lifecycle").asText(""));
            for (JsonNode id : items(item.path("instanceIds").path("item"))) {
                if (!id.isTextual() || !id.asText().startsWith("i-")) {
                    throw new InvalidRecordException("responseElements.CreateFleetResponse.fleetInstanceSet.item[" + i
                            + "].instanceIds", "not an instance id: " + id);
                }
                out.add(c.event(Verb.LAUNCH, ResourceKind.EC2_INSTANCE, id.asText(), type, catalog.gpuCount(type),
                        spot ? PurchaseOption.SPOT : PurchaseOption.ON_DEMAND, Map.of()));
            }
            i++;
        }
        return out.isEmpty() ? Outcome.skip("fleet-without-instances") : Outcome.of(out);
    }

    private static List<JsonNode> items(JsonNode node) {
        if (node.isArray()) {
            List<JsonNode> out = new ArrayList<>();
            node.forEach(out::add);
            return out;
        }
        return node.isMissingNode() || node.isNull() ? List.of() : List.of(node);
    }

    /** Studio apps (JupyterLab, KernelGateway, ...): identified by domain, owner (user profile or space), type and name. */
    private List<ResourceEvent> studioApp(Context c, Verb verb, JsonNode req) throws InvalidRecordException {
        String domain = required(req, "domainId");
        String owner = req.path("userProfileName").asText(req.path("spaceName").asText(""));
        if (owner.isEmpty()) {
            throw new InvalidRecordException("requestParameters.userProfileName", "missing (and no spaceName)");
        }
        String appType = required(req, "appType");
        String appName = required(req, "appName");
        String type = req.path("resourceSpec").path("instanceType").asText("");
        return List.of(c.event(verb, ResourceKind.SAGEMAKER_APP, domain + "/" + owner + "/" + appType.toLowerCase() + "/" + appName,
                type, type.isEmpty() ? 0 : catalog.gpuCount(type), PurchaseOption.ON_DEMAND, keyValues(req.path("tags"))));
    }

    private List<ResourceEvent> trainingJob(Context c, Verb verb, JsonNode req) throws InvalidRecordException {
        String name = required(req, "trainingJobName");
        JsonNode rc = req.path("resourceConfig");
        String type = rc.path("instanceType").asText("");
        int count = rc.path("instanceCount").asInt(0);
        boolean spot = req.path("enableManagedSpotTraining").asBoolean(false);
        return List.of(c.event(verb, ResourceKind.SAGEMAKER_TRAINING_JOB, name, type,
                type.isEmpty() ? 0 : catalog.gpuCount(type) * Math.max(count, 1),
                verb == Verb.LAUNCH ? (spot ? PurchaseOption.SPOT : PurchaseOption.ON_DEMAND) : PurchaseOption.UNKNOWN,
                keyValues(req.path("tags")), verb == Verb.LAUNCH ? count : 0));
    }

    /** Endpoint events name the endpoint config, not its instance types; those come from elsewhere. */
    private List<ResourceEvent> endpoint(Context c, Verb verb, JsonNode req) throws InvalidRecordException {
        String name = required(req, "endpointName");
        return List.of(c.event(verb, ResourceKind.SAGEMAKER_ENDPOINT, name, "", 0, PurchaseOption.UNKNOWN,
                keyValues(req.path("tags")), 0));
    }

    /** Groups carry their capacity; the instance types are in a launch template the event does not show. */
    private List<ResourceEvent> autoScalingGroup(Context c, Verb verb, JsonNode req) throws InvalidRecordException {
        String name = required(req, "autoScalingGroupName");
        int desired = req.path("desiredCapacity").asInt(verb == Verb.LAUNCH ? req.path("minSize").asInt(0) : 0);
        return List.of(c.event(verb, ResourceKind.AUTOSCALING_GROUP, name, "", 0, PurchaseOption.UNKNOWN,
                keyValues(req.path("tags")), desired));
    }

    private static String required(JsonNode req, String field) throws InvalidRecordException {
        String v = req.path(field).asText("");
        if (v.isEmpty()) {
            throw new InvalidRecordException("requestParameters." + field, "missing");
        }
        return v;
    }

    private List<ResourceEvent> modifyInstance(Context c, JsonNode req) throws InvalidRecordException {
        String id = req.path("instanceId").asText("");
        if (id.isEmpty()) {
            throw new InvalidRecordException("requestParameters.instanceId", "missing");
        }
        String type = req.path("instanceType").path("value").asText("");
        if (type.isEmpty() && "instanceType".equals(req.path("attribute").asText(""))) {
            type = req.path("value").asText("");
        }
        return List.of(c.event(Verb.MODIFY, ResourceKind.EC2_INSTANCE, id, type, type.isEmpty() ? 0 : catalog.gpuCount(type),
                PurchaseOption.UNKNOWN, Map.of()));
    }

    private List<ResourceEvent> notebook(Context c, Verb verb, JsonNode req) throws InvalidRecordException {
        String name = req.path("notebookInstanceName").asText("");
        if (name.isEmpty()) {
            throw new InvalidRecordException("requestParameters.notebookInstanceName", "missing");
        }
        String type = req.path("instanceType").asText("");
        Map<String, String> tags = keyValues(req.path("tags"));
        return List.of(c.event(verb, ResourceKind.SAGEMAKER_NOTEBOOK, name, type, type.isEmpty() ? 0 : catalog.gpuCount(type),
                verb == Verb.LAUNCH ? PurchaseOption.ON_DEMAND : PurchaseOption.UNKNOWN, tags));
    }

    /** Tags requested for the instances themselves (not their volumes or network interfaces). */
    private static Map<String, String> tagSpecificationTags(JsonNode req) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (JsonNode spec : req.path("tagSpecificationSet").path("items")) {
            if ("instance".equals(spec.path("resourceType").asText(""))) {
                tags.putAll(keyValues(spec.path("tags")));
            }
        }
        return tags;
    }

    /** CloudTrail writes tags as {@code [{"key":..,"value":..}]}; SageMaker's mirror the API's {@code Key/Value}. */
    private static Map<String, String> keyValues(JsonNode list) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (JsonNode t : list) {
            String k = t.has("key") ? t.path("key").asText("") : t.path("Key").asText("");
            String v = t.has("value") ? t.path("value").asText("") : t.path("Value").asText("");
            if (!k.isEmpty()) {
                tags.put(k, v);
            }
        }
        return tags;
    }

    private Instant time(JsonNode r) throws InvalidRecordException {
        String text = requiredText(r, "eventTime");
        Instant t;
        try {
            t = OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException iso) {
            try {
                t = LocalDateTime.parse(text, SPACED).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException spaced) {
                throw new InvalidRecordException("eventTime", "not an ISO-8601 time: '" + bounded(text) + "'");
            }
        }
        if (t.isBefore(EARLIEST) || t.isAfter(clock.instant().plus(MAX_FUTURE))) {
            throw new InvalidRecordException("eventTime", "implausible time " + t
                    + " (before 2006 or more than an hour ahead of this clock)");
        }
        return t;
    }

    /** The account the event happened in; the caller may be from another account. */
    private static String account(JsonNode r) throws InvalidRecordException {
        String field = r.hasNonNull("recipientAccountId") ? "recipientAccountId" : "userIdentity.accountId";
        String account = r.hasNonNull("recipientAccountId") ? r.get("recipientAccountId").asText()
                : r.path("userIdentity").path("accountId").asText("");
        if (account.isEmpty()) {
            throw new InvalidRecordException("recipientAccountId", "missing (and no userIdentity.accountId)");
        }
        if (!ACCOUNT.matcher(account).matches()) {
            throw new InvalidRecordException(field, "not an AWS account id (up to 12 digits): '" + bounded(account) + "'");
        }
        return account;
    }

    private static String principal(JsonNode r) {
        JsonNode id = r.path("userIdentity");
        for (String f : List.of("arn", "invokedBy", "principalId", "type")) {
            String v = id.path(f).asText("");
            if (!v.isEmpty()) {
                return v;
            }
        }
        return "";
    }

    private static String requiredText(JsonNode r, String field) throws InvalidRecordException {
        JsonNode v = r.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidRecordException(field, "missing");
        }
        if (!v.isTextual()) {
            throw new InvalidRecordException(field, "expected a string, found " + v.getNodeType().name().toLowerCase());
        }
        if (v.asText().isBlank()) {
            throw new InvalidRecordException(field, "empty");
        }
        return v.asText();
    }

    private static String optionalText(JsonNode r, String field) {
        JsonNode v = r.get(field);
        return v == null || v.isNull() ? "" : v.asText("");
    }

    private static String bounded(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
