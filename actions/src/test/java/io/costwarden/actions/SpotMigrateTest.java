package io.costwarden.actions;

import static io.costwarden.actions.FakeAws.autoScaling;
import static io.costwarden.actions.FakeAws.autoScalingError;
import static io.costwarden.actions.FakeAws.ec2;
import static io.costwarden.actions.FakeAws.ec2InstanceFull;
import static io.costwarden.actions.FakeAws.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionOptions;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.WireRequest;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spot-migrate} over HTTP against WireMock: an Auto Scaling group's mixed instances policy and instance
 * refresh, and its undo; a standalone instance's recommendation, and with the opt-in its full replacement
 * with the waiters polling the image, the new instance and its status checks before the old one goes.
 */
class SpotMigrateTest {
    static final String GROUP = "gpu-workers";
    static final String OLD = "i-0abc1234def567890";
    static final String NEW = "i-0fedcba9876543210";

    private FakeAws aws;
    private AwsClients clients;
    private Executor executor;

    @BeforeEach
    void start() {
        aws = new FakeAws();
        clients = aws.clients();
        executor = Requests.fastExecutor(clients);
    }

    @AfterEach
    void stop() {
        clients.close();
        aws.close();
    }

    private ActionResult migrate(ResourceKind kind, String id, Mode mode, ActionOptions options, String type) {
        return executor.execute(Requests.request(ActionKind.SPOT_MIGRATE, kind, id, mode, options, type));
    }

    private static String decoded(String body) {
        return URLDecoder.decode(body, StandardCharsets.UTF_8);
    }

    @Test
    void aGroupOnALaunchTemplateGetsAMixedInstancesPolicyAndAnInstanceRefresh() {
        aws.stub(query("DescribeAutoScalingGroups"), DownscaleTest.group(1, 8, 6));
        aws.stub(query("UpdateAutoScalingGroup"), autoScaling("UpdateAutoScalingGroup", "upd-1", ""));
        aws.stub(query("StartInstanceRefresh"), autoScaling("StartInstanceRefresh", "ref-1",
                "<InstanceRefreshId>08b91cf7-8fa6-48af-b6a6-d227f40f1b9b</InstanceRefreshId>"));

        ActionResult r = migrate(ResourceKind.AUTOSCALING_GROUP, GROUP, Mode.ENFORCE,
                Requests.spot(List.of("g5.xlarge", "g6.xlarge"), 1, false), "");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).containsExactly("DescribeAutoScalingGroups", "UpdateAutoScalingGroup", "StartInstanceRefresh");
        assertThat(decoded(aws.only("UpdateAutoScalingGroup").getBodyAsString())).isEqualTo("Action=UpdateAutoScalingGroup"
                + "&Version=2011-01-01&AutoScalingGroupName=" + GROUP
                + "&MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId=lt-0abc123"
                + "&MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.Version=$Default"
                + "&MixedInstancesPolicy.LaunchTemplate.Overrides.member.1.InstanceType=g5.xlarge"
                + "&MixedInstancesPolicy.LaunchTemplate.Overrides.member.2.InstanceType=g6.xlarge"
                + "&MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity=1"
                + "&MixedInstancesPolicy.InstancesDistribution.OnDemandPercentageAboveBaseCapacity=0"
                + "&MixedInstancesPolicy.InstancesDistribution.SpotAllocationStrategy=price-capacity-optimized");
        assertThat(aws.only("StartInstanceRefresh").getBodyAsString()).isEqualTo("Action=StartInstanceRefresh"
                + "&Version=2011-01-01&AutoScalingGroupName=" + GROUP + "&Strategy=Rolling"
                + "&Preferences.MinHealthyPercentage=90&Preferences.SkipMatching=false");
        assertThat(r.message()).contains("instance refresh 08b91cf7-8fa6-48af-b6a6-d227f40f1b9b started");
        assertThat(r.previous()).containsEntry("launchTemplateId", "lt-0abc123").containsEntry("launchTemplateVersion", "$Default")
                .doesNotContainKey("mixed").doesNotContainKey("launchTemplateName");
    }

    @Test
    void undoPutsTheLaunchTemplateBackAndRefreshesAgain() {
        aws.stub(query("DescribeAutoScalingGroups"), DownscaleTest.group(1, 8, 6));
        aws.stub(query("UpdateAutoScalingGroup"), autoScaling("UpdateAutoScalingGroup", "upd-1", ""));
        aws.stub(query("StartInstanceRefresh"), autoScaling("StartInstanceRefresh", "ref-1",
                "<InstanceRefreshId>r-1</InstanceRefreshId>"));
        ActionResult done = migrate(ResourceKind.AUTOSCALING_GROUP, GROUP, Mode.ENFORCE, Requests.spot(List.of(), 0, false), "");
        aws.server.resetRequests();

        ActionResult undone = executor.execute(ActionRequest.undo(done, "ops", Instant.now()), done);

        assertThat(undone.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).containsExactly("UpdateAutoScalingGroup", "StartInstanceRefresh");
        assertThat(decoded(aws.only("UpdateAutoScalingGroup").getBodyAsString())).isEqualTo("Action=UpdateAutoScalingGroup"
                + "&Version=2011-01-01&AutoScalingGroupName=" + GROUP + "&LaunchTemplate.LaunchTemplateId=lt-0abc123"
                + "&LaunchTemplate.Version=$Default");
    }

    @Test
    void aGroupAlreadyOnSpotIsNotRefreshedAgain() {
        aws.stub(query("DescribeAutoScalingGroups"), autoScaling("DescribeAutoScalingGroups", "dasg-2", """
                <AutoScalingGroups><member><AutoScalingGroupName>%s</AutoScalingGroupName>
                  <MinSize>1</MinSize><MaxSize>8</MaxSize><DesiredCapacity>6</DesiredCapacity>
                  <MixedInstancesPolicy><LaunchTemplate><LaunchTemplateSpecification><LaunchTemplateId>lt-0abc123</LaunchTemplateId>
                    <Version>$Default</Version></LaunchTemplateSpecification><Overrides/></LaunchTemplate>
                    <InstancesDistribution><OnDemandBaseCapacity>0</OnDemandBaseCapacity>
                    <OnDemandPercentageAboveBaseCapacity>0</OnDemandPercentageAboveBaseCapacity>
                    <SpotAllocationStrategy>price-capacity-optimized</SpotAllocationStrategy></InstancesDistribution>
                  </MixedInstancesPolicy><Tags/></member></AutoScalingGroups>""".formatted(GROUP)));

        ActionResult r = migrate(ResourceKind.AUTOSCALING_GROUP, GROUP, Mode.ENFORCE, Requests.spot(List.of(), 0, false), "");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.message()).isEqualTo("already spot above 0 on demand; nothing sent");
        assertThat(r.previous()).isEmpty();
        assertThat(aws.calls()).as("a refresh would replace every instance again").containsExactly("DescribeAutoScalingGroups");
    }

    @Test
    void aRefreshAlreadyRunningIsNotAFailure() {
        aws.stub(query("DescribeAutoScalingGroups"), DownscaleTest.group(1, 8, 6));
        aws.stub(query("UpdateAutoScalingGroup"), autoScaling("UpdateAutoScalingGroup", "upd-1", ""));
        aws.stub(query("StartInstanceRefresh"), autoScalingError(400, "InstanceRefreshInProgress",
                "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.", "ref-2"));

        ActionResult r = migrate(ResourceKind.AUTOSCALING_GROUP, GROUP, Mode.ENFORCE, Requests.spot(List.of(), 0, false), "");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.message()).endsWith("an instance refresh was already in progress");
        assertThat(r.previous()).containsEntry("launchTemplateId", "lt-0abc123");
    }

    @Test
    void aGroupOnALaunchConfigurationIsRefused() {
        aws.stub(query("DescribeAutoScalingGroups"), autoScaling("DescribeAutoScalingGroups", "dasg-3", """
                <AutoScalingGroups><member><AutoScalingGroupName>%s</AutoScalingGroupName>
                  <LaunchConfigurationName>old-lc</LaunchConfigurationName>
                  <MinSize>1</MinSize><MaxSize>2</MaxSize><DesiredCapacity>1</DesiredCapacity><Tags/>
                </member></AutoScalingGroups>""".formatted(GROUP)));

        ActionResult r = migrate(ResourceKind.AUTOSCALING_GROUP, GROUP, Mode.ENFORCE, Requests.spot(List.of(), 0, false), "");

        assertThat(r.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(r.errorCode()).isEqualTo(Refusal.UNSUPPORTED);
        assertThat(r.message()).contains("launch configuration old-lc");
        assertThat(aws.calls()).containsExactly("DescribeAutoScalingGroups");
    }

    @Test
    void aDryRunOfAGroupRecordsBothChangesNamingWhatEnforceReads() {
        ActionResult r = migrate(ResourceKind.AUTOSCALING_GROUP, GROUP, Mode.DRY_RUN, Requests.spot(List.of("g5.xlarge"), 0,
                false), "");

        assertThat(r.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(r.requests()).extracting(WireRequest::operation).containsExactly("UpdateAutoScalingGroup",
                "StartInstanceRefresh");
        assertThat(decoded(r.requests().get(0).body())).contains(
                "LaunchTemplateSpecification.LaunchTemplateName={from DescribeAutoScalingGroups}");
        assertThat(aws.received()).isEmpty();
    }

    /**
     * Without the opt-in: a recommendation. Spot price: us-east-1a from a published DescribeSpotPriceHistory
     * answer for m5.large (aws/amazon-ec2-instance-selector, test/static/DescribeSpotPriceHistory/m5_large.json,
     * Apache-2.0); on-demand price: the bundled catalog's $0.096/h.
     */
    @Test
    void withoutTheOptInAStandaloneInstanceGetsARecommendationWithTheSaving() {
        aws.stub(query("DescribeInstances"), ec2InstanceFull(OLD, "running", "m5.large", "d-1", ""));
        aws.stub(query("DescribeSpotPriceHistory"), ec2("DescribeSpotPriceHistory", "sph-1", """
                <spotPriceHistorySet><item><instanceType>m5.large</instanceType><productDescription>Linux/UNIX</productDescription>
                  <spotPrice>0.042300</spotPrice><timestamp>2021-02-08T23:58:38.000Z</timestamp>
                  <availabilityZone>us-east-1a</availabilityZone></item></spotPriceHistorySet>"""));

        ActionResult r = migrate(ResourceKind.EC2_INSTANCE, OLD, Mode.ENFORCE, Requests.spot(List.of(), 0, false), "m5.large");

        assertThat(r.outcome()).isEqualTo(Outcome.RECOMMENDED);
        assertThat(r.hourlySaving()).isEqualByComparingTo(new BigDecimal("0.0537"));
        assertThat(r.message()).contains("on demand $0.096/h, spot $0.0423/h in us-east-1a: saving about $0.0537/h ($39/month)")
                .contains("replace-standalone: true");
        assertThat(aws.calls()).containsExactly("DescribeInstances", "DescribeSpotPriceHistory");
        assertThat(aws.only("DescribeSpotPriceHistory").getBodyAsString()).startsWith("Action=DescribeSpotPriceHistory"
                + "&Version=2016-11-15&StartTime=").endsWith("&InstanceType.1=m5.large&ProductDescription.1=Linux%2FUNIX"
                + "&AvailabilityZone=us-east-1a");
        assertThat(r.previous()).as("nothing changed").isEmpty();
    }

    private void replacementStubs(String oldLifecycle, String newLifecycle) {
        String tags = "<tagSet><item><key>team</key><value>ml</value></item>"
                + "<item><key>aws:cloudformation:stack-name</key><value>nb</value></item></tagSet>"
                + "<metadataOptions><httpTokens>required</httpTokens><httpEndpoint>enabled</httpEndpoint>"
                + "<httpPutResponseHopLimit>2</httpPutResponseHopLimit></metadataOptions>";
        aws.stubSequence(() -> query("DescribeInstances").withRequestBody(
                        com.github.tomakehurst.wiremock.client.WireMock.containing("InstanceId.1=" + OLD)),
                ec2InstanceFull(OLD, "running", "g5.xlarge", "d-old", tags + oldLifecycle));
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "Filter.1.Name=tag%3Acostwarden%3Areplaces")), ec2("DescribeInstances", "d-none", "<reservationSet/>"));
        aws.stub(query("DescribeImages").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("Filter")),
                ec2("DescribeImages", "img-none", "<imagesSet/>"));
        aws.stub(query("CreateImage"), ec2("CreateImage", "ci-1", "<imageId>ami-0123456789abcdef0</imageId>"));
        aws.stubSequence(() -> query("DescribeImages").withRequestBody(
                        com.github.tomakehurst.wiremock.client.WireMock.containing("ImageId.1=")),
                image("pending"), image("available"));
        aws.stub(query("RunInstances"), ec2("RunInstances", "run-1", "<reservationId>r-2</reservationId><ownerId>123456789012"
                + "</ownerId><instancesSet><item><instanceId>" + NEW + "</instanceId><instanceType>g5.xlarge</instanceType>"
                + "<instanceState><code>0</code><name>pending</name></instanceState></item></instancesSet>"));
        aws.stubSequence(() -> query("DescribeInstances").withRequestBody(
                        com.github.tomakehurst.wiremock.client.WireMock.containing("InstanceId.1=" + NEW)),
                ec2InstanceFull(NEW, "pending", "g5.xlarge", "d-new-1", newLifecycle),
                ec2InstanceFull(NEW, "running", "g5.xlarge", "d-new-2", newLifecycle));
        aws.stubSequence(() -> query("DescribeInstanceStatus"), status("initializing"), status("ok"));
        aws.stub(query("TerminateInstances"), ec2("TerminateInstances", "term-1", "<instancesSet/>"));
    }

    @Test
    void withTheOptInTheInstanceIsReplacedAndTheOldOneTerminatedOnlyAfterStatusChecksPass() {
        replacementStubs("", "<instanceLifecycle>spot</instanceLifecycle>");

        ActionResult r = migrate(ResourceKind.EC2_INSTANCE, OLD, Mode.ENFORCE, Requests.spot(List.of(), 0, true), "g5.xlarge");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).containsExactly("DescribeInstances", "DescribeInstances", "DescribeImages", "CreateImage",
                "DescribeImages", "DescribeImages", "RunInstances", "DescribeInstances", "DescribeInstances",
                "DescribeInstanceStatus", "DescribeInstanceStatus", "TerminateInstances");
        assertThat(URLDecoder.decode(aws.received().get(1).getBodyAsString(), StandardCharsets.UTF_8)).as("the look for an"
                + " earlier replacement").contains("Filter.1.Name=tag:costwarden:replaces&Filter.1.Value.1=" + OLD,
                "Filter.2.Name=instance-state-name&Filter.2.Value.1=pending&Filter.2.Value.2=running");
        assertThat(decoded(aws.only("CreateImage").getBodyAsString())).startsWith("Action=CreateImage&Version=2016-11-15"
                + "&InstanceId=" + OLD + "&Name=costwarden-");
        String run = decoded(aws.only("RunInstances").getBodyAsString());
        assertThat(run).contains("ImageId=ami-0123456789abcdef0", "InstanceType=g5.xlarge", "MinCount=1", "MaxCount=1",
                "KeyName=ml-team", "SecurityGroupId.1=sg-0aa11bb22", "SubnetId=subnet-0a1b2c3d",
                "IamInstanceProfile.Arn=arn:aws:iam::123456789012:instance-profile/notebook",
                "InstanceMarketOptions.MarketType=spot", "InstanceMarketOptions.SpotOptions.SpotInstanceType=persistent",
                "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior=stop",
                "TagSpecification.1.Tag.1.Key=team", "TagSpecification.1.Tag.2.Key=costwarden:replaces",
                "TagSpecification.1.Tag.2.Value=" + OLD, "ClientToken=" + r.actionId(), "MetadataOptions.HttpTokens=required");
        assertThat(run).as("aws: tags are AWS's own and refused on launch").doesNotContain("aws:cloudformation");
        assertThat(aws.only("TerminateInstances").getBodyAsString()).isEqualTo(
                "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=" + OLD);
        assertThat(r.previous()).containsEntry("replacedInstanceId", OLD).containsEntry("replacementInstanceId", NEW)
                .containsEntry("imageId", "ami-0123456789abcdef0");
    }

    @Test
    void undoReplacesTheSpotInstanceBackOnDemand() {
        replacementStubs("", "<instanceLifecycle>spot</instanceLifecycle>");
        ActionResult done = migrate(ResourceKind.EC2_INSTANCE, OLD, Mode.ENFORCE, Requests.spot(List.of(), 0, true), "g5.xlarge");
        aws.server.resetAll();
        aws.server.stubFor(FakeAws.sageMaker("ListTags").atPriority(10).willReturn(FakeAws.json(200, "t", "{\"Tags\":[]}")));
        // Now the spot instance is the one replaced; its replacement comes up on demand.
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "InstanceId.1=" + NEW)), ec2InstanceFull(NEW, "running", "g5.xlarge", "d-spot",
                "<instanceLifecycle>spot</instanceLifecycle><spotInstanceRequestId>sir-0abc</spotInstanceRequestId>"));
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "Filter.1.Name=tag%3Acostwarden%3Areplaces")), ec2("DescribeInstances", "d-none", "<reservationSet/>"));
        aws.stub(query("CancelSpotInstanceRequests"), ec2("CancelSpotInstanceRequests", "csir-1",
                "<spotInstanceRequestSet/>"));
        aws.stub(query("DescribeImages").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("Filter")),
                ec2("DescribeImages", "img-none", "<imagesSet/>"));
        aws.stub(query("CreateImage"), ec2("CreateImage", "ci-2", "<imageId>ami-0bbbbbbbbbbbbbbbb</imageId>"));
        aws.stub(query("DescribeImages").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("ImageId.1=")),
                image("available"));
        aws.stub(query("RunInstances"), ec2("RunInstances", "run-2", "<instancesSet><item><instanceId>i-0ccc</instanceId>"
                + "</item></instancesSet>"));
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "InstanceId.1=i-0ccc")), ec2InstanceFull("i-0ccc", "running", "g5.xlarge", "d-od", ""));
        aws.stub(query("DescribeInstanceStatus"), status("ok"));
        aws.stub(query("TerminateInstances"), ec2("TerminateInstances", "term-2", "<instancesSet/>"));

        ActionResult undone = executor.execute(ActionRequest.undo(done, "ops", Instant.now()), done);

        assertThat(undone.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(decoded(aws.only("RunInstances").getBodyAsString())).doesNotContain("InstanceMarketOptions")
                .contains("ClientToken=" + undone.actionId());
        assertThat(aws.only("TerminateInstances").getBodyAsString()).endsWith("InstanceId.1=" + NEW);
        assertThat(aws.only("CancelSpotInstanceRequests").getBodyAsString()).as("else the persistent request relaunches it")
                .isEqualTo("Action=CancelSpotInstanceRequests&Version=2016-11-15&SpotInstanceRequestId.1=sir-0abc");
        assertThat(aws.calls()).containsSubsequence("CancelSpotInstanceRequests", "TerminateInstances");
    }

    @Test
    void aRunRepeatedAfterTheOldInstanceWasTerminatedRecordsTheReplacement() {
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "InstanceId.1=" + OLD)), ec2InstanceFull(OLD, "terminated", "g5.xlarge", "d-old", ""));
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "Filter.1.Name=tag%3Acostwarden%3Areplaces")), ec2InstanceFull(NEW, "running", "g5.xlarge", "d-new",
                "<imageId>ami-0123456789abcdef0</imageId><instanceLifecycle>spot</instanceLifecycle>"));

        ActionResult r = migrate(ResourceKind.EC2_INSTANCE, OLD, Mode.ENFORCE, Requests.spot(List.of(), 0, true), "g5.xlarge");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.message()).isEqualTo(OLD + " was already replaced by " + NEW + " and terminated");
        assertThat(r.previous()).containsEntry("replacementInstanceId", NEW).containsEntry("imageId", "ami-0123456789abcdef0");
        assertThat(aws.calls()).containsExactly("DescribeInstances", "DescribeInstances");
    }

    @Test
    void aReplacementLeftByAnEarlierRunIsContinuedNotLaunchedAgain() {
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "InstanceId.1=" + OLD)), ec2InstanceFull(OLD, "running", "g5.xlarge", "d-old", ""));
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "Filter.1.Name=tag%3Acostwarden%3Areplaces")), ec2InstanceFull(NEW, "running", "g5.xlarge", "d-new",
                "<imageId>ami-0123456789abcdef0</imageId><instanceLifecycle>spot</instanceLifecycle>"));
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "InstanceId.1=" + NEW)), ec2InstanceFull(NEW, "running", "g5.xlarge", "d-new-2", ""));
        aws.stub(query("DescribeInstanceStatus"), status("ok"));
        aws.stub(query("TerminateInstances"), ec2("TerminateInstances", "term-1", "<instancesSet/>"));

        ActionResult r = migrate(ResourceKind.EC2_INSTANCE, OLD, Mode.ENFORCE, Requests.spot(List.of(), 0, true), "g5.xlarge");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).doesNotContain("CreateImage", "RunInstances").endsWith("TerminateInstances");
        assertThat(r.previous()).containsEntry("replacementInstanceId", NEW);
    }

    @Test
    void aStatusCheckThatNeverPassesLeavesBothInstancesAndSaysSo() {
        replacementStubs("", "");
        aws.stub(query("DescribeInstanceStatus"), ec2("DescribeInstanceStatus", "st-bad", "<instanceStatusSet><item>"
                + "<instanceId>" + NEW + "</instanceId><instanceStatus><status>impaired</status></instanceStatus>"
                + "<systemStatus><status>ok</status></systemStatus></item></instanceStatusSet>"));
        // The deadline covers the whole sequence (client creation, image, launch), not only the status
        // check: long enough for a cold JVM on a slow machine to reach the check, which then never passes.
        Executor shortLived = Executor.over(clients, false, new Executor.Timing(java.time.Duration.ofSeconds(12),
                java.time.Duration.ofMillis(50)), io.costwarden.model.InstanceCatalog.bundled(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), java.time.Clock.systemUTC());

        ActionResult r = shortLived.execute(Requests.request(ActionKind.SPOT_MIGRATE, ResourceKind.EC2_INSTANCE, OLD,
                Mode.ENFORCE, Requests.spot(List.of(), 0, true), "g5.xlarge"));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errorCode()).isEqualTo("WaitFailed");
        assertThat(r.message()).contains("replacement " + NEW + " launched and left as it is; " + OLD + " not terminated");
        assertThat(aws.calls()).doesNotContain("TerminateInstances");
    }

    @Test
    void anInstanceOfAnAutoScalingGroupOrAStoppedOneIsNotReplaced() {
        aws.stub(query("DescribeInstances"), ec2InstanceFull(OLD, "running", "g5.xlarge", "d-old",
                "<tagSet><item><key>aws:autoscaling:groupName</key><value>gpu-workers</value></item></tagSet>"));

        ActionResult managed = migrate(ResourceKind.EC2_INSTANCE, OLD, Mode.ENFORCE, Requests.spot(List.of(), 0, true),
                "g5.xlarge");

        assertThat(managed.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(managed.message()).contains("managed (tag aws:autoscaling:groupName=gpu-workers)");

        aws.server.resetAll();
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "InstanceId.1=" + OLD)), ec2InstanceFull(OLD, "stopped", "g5.xlarge", "d-old", ""));
        aws.stub(query("DescribeInstances").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                "Filter.1.Name=tag%3Acostwarden%3Areplaces")), ec2("DescribeInstances", "d-none", "<reservationSet/>"));

        ActionResult stopped = migrate(ResourceKind.EC2_INSTANCE, OLD, Mode.ENFORCE, Requests.spot(List.of(), 0, true),
                "g5.xlarge");

        assertThat(stopped.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(stopped.message()).endsWith("is stopped; only a running instance is replaced");
        assertThat(aws.calls()).doesNotContain("CreateImage", "RunInstances");
    }

    @Test
    void aRunRepeatedAfterACrashReusesTheImageItAlreadyMade() {
        replacementStubs("", "<instanceLifecycle>spot</instanceLifecycle>");
        aws.stub(query("DescribeImages").withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("Filter")),
                ec2("DescribeImages", "img-found", "<imagesSet><item><imageId>ami-0123456789abcdef0</imageId>"
                        + "<imageState>pending</imageState></item></imagesSet>"));

        ActionResult r = migrate(ResourceKind.EC2_INSTANCE, OLD, Mode.ENFORCE, Requests.spot(List.of(), 0, true), "g5.xlarge");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).doesNotContain("CreateImage");
        assertThat(decoded(aws.only("RunInstances").getBodyAsString())).contains("ClientToken=" + r.actionId());
    }

    @Test
    void aDryRunOfAReplacementRecordsImageLaunchAndTerminate() {
        ActionResult r = migrate(ResourceKind.EC2_INSTANCE, OLD, Mode.DRY_RUN, Requests.spot(List.of(), 0, true), "g5.xlarge");

        assertThat(r.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(r.requests()).extracting(WireRequest::operation).containsExactly("CreateImage", "RunInstances",
                "TerminateInstances");
        assertThat(aws.received()).isEmpty();
    }

    private static ResponseDefinitionBuilder image(String state) {
        return ec2("DescribeImages", "img-" + state, "<imagesSet><item><imageId>ami-0123456789abcdef0</imageId><imageState>"
                + state + "</imageState></item></imagesSet>");
    }

    private static ResponseDefinitionBuilder status(String status) {
        return ec2("DescribeInstanceStatus", "st-" + status, "<instanceStatusSet><item><instanceId>" + NEW + "</instanceId>"
                + "<instanceState><code>16</code><name>running</name></instanceState>"
                + "<instanceStatus><status>" + status + "</status></instanceStatus>"
                + "<systemStatus><status>" + status + "</status></systemStatus></item></instanceStatusSet>");
    }
}
