package io.costwarden.ingest.cloudtrail;

import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.ParseResult;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Verb;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

public class CloudTrailParserTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T00:00:00Z"), ZoneOffset.UTC);
    private final CloudTrailParser parser = new CloudTrailParser(InstanceCatalog.bundled(), InputLimits.DEFAULT, CLOCK);

    static Stream<Path> cloudTrailSamples() throws IOException, URISyntaxException {
        Path dir = Path.of(CloudTrailParserTest.class.getResource("/samples/cloudtrail").toURI());
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("cloudTrailSamples")
    void readsEveryPublishedSampleWithoutErrors(Path sample) throws IOException {
        ParseResult r = parser.parse(Files.readAllBytes(sample));
        assertThat(r.errors()).as(sample.getFileName().toString()).isEmpty();
        assertThat(r.records()).isPositive();
        assertThat(r.events().size() + r.skipped().values().stream().mapToInt(Integer::intValue).sum())
                .as("every record is either an event or a counted skip").isGreaterThanOrEqualTo(r.records());
    }

    @Test
    void runInstancesBecomesALaunchWithTypeTagsGpusAndPrincipal() {
        ParseResult r = parse("panther/panther__aws_ec2_launch_unusual_ec2_instances__Successful-Unusual-EC2.json");
        assertThat(r.events()).hasSize(1);
        ResourceEvent e = r.events().get(0);
        assertThat(e.verb()).isEqualTo(Verb.LAUNCH);
        assertThat(e.kind()).isEqualTo(ResourceKind.EC2_INSTANCE);
        assertThat(e.resourceId()).isEqualTo("arn:aws:ec2:us-west-2:111122223333:instance/i-07d06021b0da55115");
        assertThat(e.nativeId()).isEqualTo("i-07d06021b0da55115");
        assertThat(e.instanceType()).isEqualTo("p2.xlarge");
        assertThat(e.gpuCount()).isEqualTo(1);
        assertThat(e.purchase()).isEqualTo(PurchaseOption.ON_DEMAND);
        assertThat(e.account()).isEqualTo("111122223333");
        assertThat(e.principal()).isEqualTo("arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling");
        assertThat(e.time()).isEqualTo(Instant.parse("2024-12-16T18:41:07Z"));
        assertThat(e.eventId()).isEqualTo("41fab871-150b-43ad-b42a-39fff3f2ca4e");
        assertThat(e.tags()).containsEntry("eks:cluster-name", "k8s-goat-cluster").hasSize(12);
    }

    @Test
    void resourceAccountIsTheRecipientNotTheCaller() {
        ParseResult r = parse("cloud-custodian/event-cloud-trail-run-instance-creator-assumed.json");
        assertThat(r.events()).singleElement().satisfies(e -> {
            assertThat(e.account()).isEqualTo("644160558196");
            assertThat(e.resourceId()).isEqualTo("arn:aws:ec2:us-east-1:644160558196:instance/i-0f7c711dc84bedda0");
            assertThat(e.instanceType()).isEqualTo("m3.medium");
            assertThat(e.gpuCount()).isZero();
        });
    }

    @Test
    void aFailedCallIsNeverALaunch() {
        ParseResult r = parse("panther/panther__aws_ec2_launch_unusual_ec2_instances__Failed-Unusual-EC2.json");
        assertThat(r.events()).isEmpty();
        assertThat(r.errors()).isEmpty();
        assertThat(r.skipped()).containsEntry("failed-call", 1);
        assertThat(parse("panther/panther__aws_ec2_monitoring__RunInstance-Dry-Run.json").events()).isEmpty();
    }

    @Test
    void logFileStartInstancesWithoutEventIdGetsAStableContentId() {
        ParseResult first = parse("awsdocs/cloudtrail-user-guide__cloudtrail-log-file-examples__block3.json");
        ParseResult again = parse("awsdocs/cloudtrail-user-guide__cloudtrail-log-file-examples__block3.json");
        assertThat(first.events()).singleElement().satisfies(e -> {
            assertThat(e.verb()).isEqualTo(Verb.START);
            assertThat(e.resourceId()).isEqualTo("arn:aws:ec2:us-east-2:123456789012:instance/i-ebeaf9e2");
            assertThat(e.eventId()).startsWith("sha:");
        });
        assertThat(again.events().get(0).eventId()).isEqualTo(first.events().get(0).eventId());
    }

    @Test
    void stopAndTerminateNameEveryInstance() {
        assertThat(parse("awsdocs/cloudtrail-user-guide__cloudtrail-log-file-examples__block4.json").events())
                .extracting(ResourceEvent::verb).containsOnly(Verb.STOP);
        assertThat(parse("awsdocs/ec2-user-guide__monitor-with-cloudtrail__block1.json").events())
                .isNotEmpty().extracting(ResourceEvent::verb).containsOnly(Verb.TERMINATE);
    }

    @Test
    void unknownEventNamesAndInsightsAreCountedNotErrors() {
        assertThat(parse("awsdocs/cloudtrail-user-guide__cloudtrail-log-file-examples__block5.json").skipped())
                .containsEntry("unsupported:CreateKeyPair", 1);
        assertThat(parse("awsdocs/cloudtrail-user-guide__cloudtrail-event-reference__block2.json").skipped())
                .containsEntry("not-an-api-call:AwsCloudTrailInsight", 1);
        assertThat(parse("awsdocs/sagemaker-developer-guide__logging-using-cloudtrail__block2.json").skipped())
                .containsEntry("unsupported:CreateModel", 1);
        assertThat(parse("awsdocs/sagemaker-developer-guide__logging-using-cloudtrail__block1.json").events())
                .singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(ResourceKind.SAGEMAKER_ENDPOINT));
    }

    @Test
    void modifyInstanceAttributeWithoutATypeChangeIsAModifyWithoutType() {
        ParseResult r = parse("panther/panther__aws_ec2_startup_script_change__ModifyInstanceAttributeUserdata.json");
        assertThat(r.events()).singleElement().satisfies(e -> {
            assertThat(e.verb()).isEqualTo(Verb.MODIFY);
            assertThat(e.instanceType()).isEmpty();
        });
    }

    @Test
    void aBrokenRecordIsReportedPreciselyAndTheRestOfTheFileIsKept() {
        String good = sample("awsdocs/cloudtrail-user-guide__cloudtrail-log-file-examples__block3.json");
        String record = good.substring(good.indexOf('[') + 1, good.lastIndexOf(']'));
        String broken = record.replace("2014-03-06T21:22:54Z", "yesterday");
        String other = record.replace("i-ebeaf9e2", "i-0000000000000000b");
        String file = "{\"Records\":[" + record + "," + broken + "," + other + "]}";
        ParseResult r = parser.parse(file.getBytes(StandardCharsets.UTF_8));
        assertThat(r.records()).isEqualTo(3);
        assertThat(r.events()).hasSize(2);
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.describe()).isEqualTo("Records[1].eventTime: not an ISO-8601 time: 'yesterday'");
            assertThat(e.raw()).contains("yesterday");
        });
    }

    @Test
    void readsGzippedLogFiles() {
        byte[] zipped = gzip(sample("awsdocs/cloudtrail-user-guide__cloudtrail-log-file-examples__block4.json"));
        assertThat(parser.parse(zipped).events()).hasSize(1);
    }

    @Test
    void readsNewlineDelimitedRecordsAndNamesTheBrokenLine() {
        String a = oneLine("cloud-custodian/event-cloud-trail-run-instance-creator.json");
        String b = oneLine("cloud-custodian/event-cloud-trail-run-instance-creator-assumed.json");
        ParseResult r = parser.parse((a + "\n{\"eventName\": tru\n" + b + "\n").getBytes(StandardCharsets.UTF_8));
        assertThat(r.events()).hasSize(2);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.location()).isEqualTo("line 2"));
    }

    @Test
    void readsAJsonArrayOfRecords() {
        String a = oneLine("cloud-custodian/event-cloud-trail-run-instance-creator.json");
        ParseResult r = parser.parse(("[" + a + ", {\"eventName\": 3}]").getBytes(StandardCharsets.UTF_8));
        assertThat(r.events()).hasSize(1);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.describe())
                .isEqualTo("[1].eventName: expected a string, found number"));
    }

    @Test
    void readsAnEventBridgeApiCallEnvelope() {
        // Synthetic: the documented "AWS API Call via CloudTrail" envelope around a real record.
        String record = oneLine("panther/panther__aws_ec2_launch_unusual_ec2_instances__Successful-Unusual-EC2.json");
        String envelope = "{\"version\":\"0\",\"id\":\"4c9f1a2e-0000-0000-0000-000000000001\","
                + "\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.ec2\",\"account\":\"111122223333\","
                + "\"time\":\"2024-12-16T18:41:07Z\",\"region\":\"us-west-2\",\"resources\":[],\"detail\":" + record + "}";
        ParseResult r = parser.parse(envelope.getBytes(StandardCharsets.UTF_8));
        assertThat(r.events()).singleElement().satisfies(e -> assertThat(e.verb()).isEqualTo(Verb.LAUNCH));
    }

    @Test
    void eventBridgeEventsWithoutACloudTrailRecordAreSkippedAndCounted() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/samples/eventbridge/cloudwatch-user-guide__cloudwatch-and-eventbridge__block1.json")) {
            ParseResult r = parser.parse(in.readAllBytes());
            assertThat(r.errors()).isEmpty();
            assertThat(r.skipped()).containsEntry("unsupported-detail-type:CloudWatch Alarm State Change", 1);
        }
    }

    @Test
    void readsSageMakerNotebookLifecycle() {
        // Synthetic: the shared samples have no notebook records; fields follow the CloudTrail form of the API.
        String create = "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::123456789012:user/ana\","
                + "\"accountId\":\"123456789012\"},\"eventTime\":\"2026-11-20T09:00:00Z\",\"eventSource\":\"sagemaker.amazonaws.com\","
                + "\"eventName\":\"CreateNotebookInstance\",\"awsRegion\":\"eu-west-1\",\"requestParameters\":{\"notebookInstanceName\":"
                + "\"Ana-GPU\",\"instanceType\":\"ml.g5.xlarge\",\"tags\":[{\"key\":\"team\",\"value\":\"vision\"}]},"
                + "\"responseElements\":{\"notebookInstanceArn\":\"arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/ana-gpu\"},"
                + "\"eventID\":\"e1\",\"eventType\":\"AwsApiCall\",\"recipientAccountId\":\"123456789012\"}";
        String stop = create.replace("CreateNotebookInstance", "StopNotebookInstance").replace("\"e1\"", "\"e2\"");
        ParseResult r = parser.parse((create + "\n" + stop + "\n").getBytes(StandardCharsets.UTF_8));
        assertThat(r.errors()).isEmpty();
        assertThat(r.events()).extracting(ResourceEvent::verb).containsExactly(Verb.LAUNCH, Verb.STOP);
        ResourceEvent launch = r.events().get(0);
        assertThat(launch.resourceId()).isEqualTo("arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/ana-gpu");
        assertThat(launch.nativeId()).isEqualTo("Ana-GPU");
        assertThat(launch.gpuCount()).isEqualTo(1);
        assertThat(launch.tags()).containsEntry("team", "vision");
        assertThat(r.events().get(1).resourceId()).isEqualTo(launch.resourceId());
    }

    @Test
    void createTagsReachesOnlyInstances() {
        // Synthetic: CreateTags in its CloudTrail form.
        String tags = "{\"eventTime\":\"2026-11-20T09:05:00Z\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"CreateTags\","
                + "\"awsRegion\":\"us-east-1\",\"recipientAccountId\":\"123456789012\",\"eventID\":\"t1\","
                + "\"requestParameters\":{\"resourcesSet\":{\"items\":[{\"resourceId\":\"i-0123456789abcdef0\"},{\"resourceId\":\"vol-1\"}]},"
                + "\"tagSet\":{\"items\":[{\"key\":\"team\",\"value\":\"ml\"}]}}}";
        ParseResult r = parser.parse(tags.getBytes(StandardCharsets.UTF_8));
        assertThat(r.events()).singleElement().satisfies(e -> {
            assertThat(e.verb()).isEqualTo(Verb.TAG);
            assertThat(e.tags()).containsEntry("team", "ml");
        });
    }

    /** Synthetic records in the CloudTrail form of each API (the shared samples have none of these). */
    static String record(String source, String name, String requestParameters, String responseElements) {
        return "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::123456789012:user/ana\","
                + "\"accountId\":\"123456789012\"},\"eventTime\":\"2026-11-20T09:00:00Z\",\"eventSource\":\"" + source
                + "\",\"eventName\":\"" + name + "\",\"awsRegion\":\"us-east-1\",\"requestParameters\":" + requestParameters
                + ",\"responseElements\":" + responseElements + ",\"eventID\":\"" + name + "-1\",\"eventType\":\"AwsApiCall\","
                + "\"recipientAccountId\":\"123456789012\"}";
    }

    private ParseResult parseOne(String record) {
        ParseResult r = parser.parse(record.getBytes(StandardCharsets.UTF_8));
        assertThat(r.errors()).isEmpty();
        return r;
    }

    @Test
    void createFleetLaunchesEachInstanceWhetherItemsAreListsOrSingleObjects() {
        ParseResult r = parseOne(record("ec2.amazonaws.com", "CreateFleet", "{\"CreateFleetRequest\":{\"Type\":\"instant\"}}",
                "{\"CreateFleetResponse\":{\"fleetId\":\"fleet-1\",\"fleetInstanceSet\":{\"item\":["
                        + "{\"lifecycle\":\"spot\",\"instanceType\":\"g5.xlarge\",\"instanceIds\":{\"item\":[\"i-01\",\"i-02\"]}},"
                        + "{\"lifecycle\":\"on-demand\",\"instanceType\":\"p4d.24xlarge\",\"instanceIds\":{\"item\":\"i-03\"}}]}}}"));
        assertThat(r.events()).extracting(ResourceEvent::nativeId).containsExactly("i-01", "i-02", "i-03");
        assertThat(r.events()).extracting(ResourceEvent::purchase)
                .containsExactly(PurchaseOption.SPOT, PurchaseOption.SPOT, PurchaseOption.ON_DEMAND);
        assertThat(r.events().get(2).gpuCount()).isEqualTo(8);
    }

    @Test
    void deleteTagsRemovesKeysAndSpotRequestsWaitForFulfillment() {
        ParseResult untag = parseOne(record("ec2.amazonaws.com", "DeleteTags",
                "{\"resourcesSet\":{\"items\":[{\"resourceId\":\"i-01\"}]},\"tagSet\":{\"items\":[{\"key\":\"owner\"}]}}", "null"));
        assertThat(untag.events()).singleElement().satisfies(e -> {
            assertThat(e.verb()).isEqualTo(Verb.UNTAG);
            assertThat(e.tags()).containsOnlyKeys("owner");
        });
        assertThat(parseOne(record("ec2.amazonaws.com", "RequestSpotInstances", "{\"instanceCount\":2}", "{}")).skipped())
                .containsEntry("spot-request", 1);
    }

    @Test
    void studioAppsTrainingJobsEndpointsAndAutoScalingGroupsAreTracked() {
        ResourceEvent app = parseOne(record("sagemaker.amazonaws.com", "CreateApp", "{\"domainId\":\"d-abc\","
                + "\"userProfileName\":\"Ana\",\"appType\":\"JupyterLab\",\"appName\":\"default\","
                + "\"resourceSpec\":{\"instanceType\":\"ml.g5.2xlarge\"}}", "{}")).events().get(0);
        assertThat(app.kind()).isEqualTo(ResourceKind.SAGEMAKER_APP);
        assertThat(app.resourceId()).isEqualTo("arn:aws:sagemaker:us-east-1:123456789012:app/d-abc/ana/jupyterlab/default");
        assertThat(app.gpuCount()).isEqualTo(1);

        ResourceEvent job = parseOne(record("sagemaker.amazonaws.com", "CreateTrainingJob", "{\"trainingJobName\":\"LLM-ft\","
                + "\"resourceConfig\":{\"instanceType\":\"ml.p4d.24xlarge\",\"instanceCount\":2}}", "{}")).events().get(0);
        assertThat(job.kind()).isEqualTo(ResourceKind.SAGEMAKER_TRAINING_JOB);
        assertThat(job.count()).isEqualTo(2);
        assertThat(job.gpuCount()).isEqualTo(16);

        assertThat(parseOne(record("sagemaker.amazonaws.com", "DeleteEndpoint", "{\"endpointName\":\"chat\"}", "null"))
                .events().get(0).verb()).isEqualTo(Verb.TERMINATE);

        ResourceEvent asg = parseOne(record("autoscaling.amazonaws.com", "SetDesiredCapacity",
                "{\"autoScalingGroupName\":\"gpu-workers\",\"desiredCapacity\":6,\"honorCooldown\":false}", "null")).events().get(0);
        assertThat(asg.kind()).isEqualTo(ResourceKind.AUTOSCALING_GROUP);
        assertThat(asg.resourceId()).isEqualTo("arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/gpu-workers");
        assertThat(asg.count()).isEqualTo(6);
    }

    @Test
    void unreadableInputsSayWhy() {
        assertThat(parser.parse("not json".getBytes(StandardCharsets.UTF_8)).errors())
                .singleElement().satisfies(e -> assertThat(e.message()).startsWith("not JSON"));
        byte[] zipped = gzip(sample("awsdocs/cloudtrail-user-guide__cloudtrail-log-file-examples__block4.json"));
        assertThat(parser.parse(Arrays.copyOf(zipped, zipped.length / 2)).errors())
                .singleElement().satisfies(e -> assertThat(e.message()).isEqualTo("gzip input is truncated"));
        String deep = "[".repeat(500) + "]".repeat(500);
        assertThat(parser.parse(deep.getBytes(StandardCharsets.UTF_8)).errors())
                .singleElement().satisfies(e -> assertThat(e.message()).contains("nesting depth"));
        assertThat(parser.parse(new byte[0]).errors()).singleElement()
                .satisfies(e -> assertThat(e.message()).startsWith("empty input"));
    }

    @Test
    void implausibleTimesAreRejected() {
        String r = oneLine("cloud-custodian/event-cloud-trail-run-instance-creator.json");
        String future = r.replaceAll("\"eventTime\":\\s*\"[^\"]+\"", "\"eventTime\":\"2099-01-01T00:00:00Z\"");
        assertThat(parser.parse(future.getBytes(StandardCharsets.UTF_8)).errors()).singleElement()
                .satisfies(e -> assertThat(e.location()).isEqualTo("eventTime"));
        // Two hours ahead: further than Kafka brokers accept as a record timestamp (1 h by default).
        String ahead = r.replaceAll("\"eventTime\":\\s*\"[^\"]+\"", "\"eventTime\":\""
                + java.time.Instant.now().plus(java.time.Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"");
        assertThat(parser.parse(ahead.getBytes(StandardCharsets.UTF_8)).errors()).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("more than an hour ahead"));
    }

    private ParseResult parse(String sample) {
        return parser.parse(sample(sample).getBytes(StandardCharsets.UTF_8));
    }

    public static String sample(String name) {
        try (InputStream in = CloudTrailParserTest.class.getResourceAsStream("/samples/cloudtrail/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record re-serialised on one line, for newline-delimited and array inputs. */
    static String oneLine(String name) {
        try {
            return io.costwarden.model.Json.mapper().readTree(sample(name)).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

}
