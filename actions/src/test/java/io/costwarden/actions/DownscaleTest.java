package io.costwarden.actions;

import static io.costwarden.actions.FakeAws.autoScaling;
import static io.costwarden.actions.FakeAws.autoScalingError;
import static io.costwarden.actions.FakeAws.ec2;
import static io.costwarden.actions.FakeAws.ec2InstanceFull;
import static io.costwarden.actions.FakeAws.json;
import static io.costwarden.actions.FakeAws.query;
import static io.costwarden.actions.FakeAws.sageMaker;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.actions.aws.AwsClients;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.WireRequest;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code downscale} over HTTP against WireMock: the full sequences with their waiters polling through the
 * resource's states, the exact wire request of each change, the previous state recorded and restored by undo.
 */
class DownscaleTest {
    static final String INSTANCE = "i-0abc1234def567890";
    static final String GROUP = "gpu-workers";

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

    private ActionResult downscale(ResourceKind kind, String id, Mode mode, io.costwarden.model.ActionOptions options) {
        return executor.execute(Requests.request(ActionKind.DOWNSCALE, kind, id, mode, options, "g5.4xlarge"));
    }

    private void ec2Sequence(String from, String to) {
        aws.stubSequence(() -> query("DescribeInstances"),
                ec2InstanceFull(INSTANCE, "running", from, "d-1", ""),
                ec2InstanceFull(INSTANCE, "stopping", from, "d-2", ""),
                ec2InstanceFull(INSTANCE, "stopped", from, "d-3", ""),
                ec2InstanceFull(INSTANCE, "pending", to, "d-4", ""),
                ec2InstanceFull(INSTANCE, "running", to, "d-5", ""));
        aws.stub(query("StopInstances"), FakeAws.ec2Stopping(INSTANCE, "stop-1"));
        aws.stub(query("ModifyInstanceAttribute"), ec2("ModifyInstanceAttribute", "modify-1", "<return>true</return>"));
        aws.stub(query("StartInstances"), ec2("StartInstances", "start-1", "<instancesSet/>"));
    }

    @Test
    void anEc2InstanceIsStoppedResizedAndStartedWithTheWaitersPollingInBetween() {
        ec2Sequence("g5.4xlarge", "g5.xlarge");

        ActionResult r = downscale(ResourceKind.EC2_INSTANCE, INSTANCE, Mode.ENFORCE, Requests.toType("g5.xlarge"));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).containsExactly("DescribeInstances", "StopInstances", "DescribeInstances",
                "DescribeInstances", "ModifyInstanceAttribute", "StartInstances", "DescribeInstances", "DescribeInstances");
        assertThat(aws.only("ModifyInstanceAttribute").getBodyAsString()).isEqualTo(
                "Action=ModifyInstanceAttribute&Version=2016-11-15&InstanceId=" + INSTANCE + "&InstanceType.Value=g5.xlarge");
        assertThat(aws.only("StartInstances").getBodyAsString()).isEqualTo(
                "Action=StartInstances&Version=2016-11-15&InstanceId.1=" + INSTANCE);
        assertThat(r.previous()).containsEntry("instanceType", "g5.4xlarge").containsEntry("state", "running");
        assertThat(r.request().operation()).as("the change that did it").isEqualTo("StartInstances");
        assertThat(r.requests()).extracting(WireRequest::operation).containsExactly("DescribeInstances", "StopInstances",
                "DescribeInstances", "ModifyInstanceAttribute", "StartInstances", "DescribeInstances");
        assertThat(r.message()).isEqualTo("g5.4xlarge -> g5.xlarge, started again");
        // The bundled catalog's us-east-1 on-demand prices: g5.4xlarge $1.624/h, g5.xlarge $1.006/h.
        assertThat(r.hourlySaving()).isEqualByComparingTo("0.618");
    }

    @Test
    void undoRunsTheSameSequenceBackToThePreviousType() {
        ec2Sequence("g5.4xlarge", "g5.xlarge");
        ActionResult done = downscale(ResourceKind.EC2_INSTANCE, INSTANCE, Mode.ENFORCE, Requests.toType("g5.xlarge"));
        aws.server.resetAll();
        aws.server.stubFor(FakeAws.sageMaker("ListTags").atPriority(10).willReturn(json(200, "t", "{\"Tags\":[]}")));
        ec2Sequence("g5.xlarge", "g5.4xlarge");

        ActionResult undone = executor.execute(ActionRequest.undo(done, "ops@example.com", Instant.now()), done);

        assertThat(undone.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(undone.undoOf()).isEqualTo(done.actionId());
        assertThat(undone.requestedBy()).isEqualTo("ops@example.com");
        assertThat(aws.only("ModifyInstanceAttribute").getBodyAsString()).endsWith("&InstanceType.Value=g5.4xlarge");
        assertThat(aws.calls()).containsSubsequence("StopInstances", "ModifyInstanceAttribute", "StartInstances");
    }

    @Test
    void aDryRunRecordsTheThreeChangesAndSendsNothing() {
        ActionResult r = downscale(ResourceKind.EC2_INSTANCE, INSTANCE, Mode.DRY_RUN, Requests.toType("g5.xlarge"));

        assertThat(r.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(r.requests()).extracting(WireRequest::body).containsExactly(
                "Action=StopInstances&Version=2016-11-15&InstanceId.1=" + INSTANCE,
                "Action=ModifyInstanceAttribute&Version=2016-11-15&InstanceId=" + INSTANCE + "&InstanceType.Value=g5.xlarge",
                "Action=StartInstances&Version=2016-11-15&InstanceId.1=" + INSTANCE);
        assertThat(r.previous()).as("a dry-run changed nothing, so nothing to undo").isEmpty();
        assertThat(aws.received()).isEmpty();
    }

    @Test
    void aLiveExemptionTagAddedAfterDetectionStopsTheAction() {
        aws.stub(query("DescribeInstances"), ec2InstanceFull(INSTANCE, "running", "g5.4xlarge", "d-1",
                "<tagSet><item><key>costwarden:exempt</key><value>2099-01-01</value></item></tagSet>"));

        ActionResult r = downscale(ResourceKind.EC2_INSTANCE, INSTANCE, Mode.ENFORCE, Requests.toType("g5.xlarge"));

        assertThat(r.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(r.errorCode()).isEqualTo(Refusal.EXEMPT);
        assertThat(r.message()).contains("costwarden:exempt=2099-01-01").contains("live tags");
        assertThat(aws.calls()).containsExactly("DescribeInstances");
    }

    @Test
    void aWaiterThatSeesAFailureStateEndsTheActionBeforeTheTypeChange() {
        aws.stubSequence(() -> query("DescribeInstances"),
                ec2InstanceFull(INSTANCE, "running", "g5.4xlarge", "d-1", ""),
                ec2InstanceFull(INSTANCE, "terminated", "g5.4xlarge", "d-2", ""));
        aws.stub(query("StopInstances"), FakeAws.ec2Stopping(INSTANCE, "stop-1"));

        ActionResult r = downscale(ResourceKind.EC2_INSTANCE, INSTANCE, Mode.ENFORCE, Requests.toType("g5.xlarge"));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errorCode()).isEqualTo("WaitFailed");
        assertThat(r.message()).startsWith("waiting for instance " + INSTANCE + " stopped").contains("StopInstances");
        assertThat(aws.calls()).doesNotContain("ModifyInstanceAttribute", "StartInstances");
    }

    @Test
    void aNotebookIsStoppedUpdatedAndStartedAgain() {
        aws.stubSequence(() -> sageMaker("DescribeNotebookInstance"),
                notebook("InService", "ml.g5.2xlarge"), notebook("Stopping", "ml.g5.2xlarge"),
                notebook("Stopped", "ml.g5.2xlarge"), notebook("Updating", "ml.t3.medium"),
                notebook("Stopped", "ml.t3.medium"), notebook("Pending", "ml.t3.medium"), notebook("InService", "ml.t3.medium"));
        for (String op : new String[] {"StopNotebookInstance", "UpdateNotebookInstance", "StartNotebookInstance"}) {
            aws.stub(sageMaker(op), json(200, op + "-req", "{}"));
        }

        ActionResult r = downscale(ResourceKind.SAGEMAKER_NOTEBOOK, "ana-gpu", Mode.ENFORCE, Requests.toType("ml.t3.medium"));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).containsExactly("DescribeNotebookInstance", "ListTags", "StopNotebookInstance",
                "DescribeNotebookInstance", "DescribeNotebookInstance", "UpdateNotebookInstance", "DescribeNotebookInstance",
                "DescribeNotebookInstance", "StartNotebookInstance", "DescribeNotebookInstance", "DescribeNotebookInstance");
        assertThat(aws.only("UpdateNotebookInstance").getBodyAsString())
                .isEqualTo("{\"NotebookInstanceName\":\"ana-gpu\",\"InstanceType\":\"ml.t3.medium\"}");
        assertThat(r.previous()).containsEntry("instanceType", "ml.g5.2xlarge").containsEntry("state", "InService");
    }

    @Test
    void anEndpointIsSetToTheCapacityAndUndoRestoresEachVariant() {
        aws.stubSequence(() -> sageMaker("DescribeEndpoint"), endpoint("InService", 4, 2), endpoint("Updating", 1, 1),
                endpoint("InService", 1, 1), endpoint("InService", 1, 1), endpoint("Updating", 4, 2),
                endpoint("InService", 4, 2));
        aws.stub(sageMaker("UpdateEndpointWeightsAndCapacities"), json(200, "upd-1",
                "{\"EndpointArn\":\"arn:aws:sagemaker:us-east-1:123456789012:endpoint/llm-serving\"}"));

        ActionResult r = downscale(ResourceKind.SAGEMAKER_ENDPOINT, "llm-serving", Mode.ENFORCE,
                Requests.capacity(1, null, null));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.only("UpdateEndpointWeightsAndCapacities").getBodyAsString()).isEqualTo("{\"EndpointName\":"
                + "\"llm-serving\",\"DesiredWeightsAndCapacities\":[{\"VariantName\":\"AllTraffic\",\"DesiredInstanceCount\":1},"
                + "{\"VariantName\":\"Canary\",\"DesiredInstanceCount\":1}]}");
        assertThat(r.previous()).containsExactlyInAnyOrderEntriesOf(Map.of("variant:AllTraffic", "4", "variant:Canary", "2"));

        aws.server.resetRequests();
        ActionResult undone = executor.execute(ActionRequest.undo(r, "ops", Instant.now()), r);

        assertThat(undone.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.only("UpdateEndpointWeightsAndCapacities").getBodyAsString()).contains(
                "{\"VariantName\":\"AllTraffic\",\"DesiredInstanceCount\":4}", "{\"VariantName\":\"Canary\",\"DesiredInstanceCount\":2}");
        assertThat(aws.calls()).containsExactly("DescribeEndpoint", "UpdateEndpointWeightsAndCapacities", "DescribeEndpoint",
                "DescribeEndpoint");
    }

    @Test
    void aGroupWithinItsBoundsGetsSetDesiredCapacity() {
        aws.stub(query("DescribeAutoScalingGroups"), group(1, 8, 6));
        aws.stub(query("SetDesiredCapacity"), autoScaling("SetDesiredCapacity", "set-1", ""));

        ActionResult r = downscale(ResourceKind.AUTOSCALING_GROUP, GROUP, Mode.ENFORCE, Requests.capacity(2, null, null));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.only("SetDesiredCapacity").getBodyAsString()).isEqualTo("Action=SetDesiredCapacity&Version=2011-01-01"
                + "&AutoScalingGroupName=" + GROUP + "&DesiredCapacity=2&HonorCooldown=false");
        assertThat(aws.only("DescribeAutoScalingGroups").getBodyAsString()).isEqualTo(
                "Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames.member.1=" + GROUP);
        assertThat(r.previous()).containsExactlyInAnyOrderEntriesOf(Map.of("minSize", "1", "maxSize", "8",
                "desiredCapacity", "6"));
    }

    @Test
    void aCapacityBelowTheMinimumLowersItWithUpdateAutoScalingGroupAndUndoPutsAllThreeBack() {
        aws.stub(query("DescribeAutoScalingGroups"), group(4, 8, 6));
        aws.stub(query("UpdateAutoScalingGroup"), autoScaling("UpdateAutoScalingGroup", "upd-1", ""));

        ActionResult r = downscale(ResourceKind.AUTOSCALING_GROUP, GROUP, Mode.ENFORCE, Requests.capacity(0, null, null));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.only("UpdateAutoScalingGroup").getBodyAsString()).isEqualTo("Action=UpdateAutoScalingGroup"
                + "&Version=2011-01-01&AutoScalingGroupName=" + GROUP + "&MinSize=0&MaxSize=8&DesiredCapacity=0");

        aws.server.resetRequests();
        ActionResult undone = executor.execute(ActionRequest.undo(r, "ops", Instant.now()), r);

        assertThat(undone.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).containsExactly("UpdateAutoScalingGroup");
        assertThat(aws.only("UpdateAutoScalingGroup").getBodyAsString()).endsWith("&MinSize=4&MaxSize=8&DesiredCapacity=6");
    }

    @Test
    void throttledAutoScalingCallsAreRetriedUntilTheySucceed() {
        aws.stub(query("DescribeAutoScalingGroups"), group(1, 8, 6));
        aws.stubFirstThen(() -> query("SetDesiredCapacity"), autoScalingError(400, "Throttling", "Rate exceeded", "thr-1"),
                autoScaling("SetDesiredCapacity", "set-2", ""));

        ActionResult r = downscale(ResourceKind.AUTOSCALING_GROUP, GROUP, Mode.ENFORCE, Requests.capacity(2, null, null));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.awsRequestId()).isEqualTo("set-2");
        assertThat(aws.calls()).containsExactly("DescribeAutoScalingGroups", "SetDesiredCapacity", "SetDesiredCapacity");
    }

    @Test
    void aValidationErrorIsRecordedOnceWithItsCode() {
        aws.stub(query("DescribeAutoScalingGroups"), group(1, 8, 6));
        aws.stub(query("SetDesiredCapacity"), autoScalingError(400, "ValidationError",
                "New SetDesiredCapacity value 2 is below min value 3 for the AutoScalingGroup.", "val-1"));

        ActionResult r = downscale(ResourceKind.AUTOSCALING_GROUP, GROUP, Mode.ENFORCE, Requests.capacity(2, null, null));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errorCode()).isEqualTo("ValidationError");
        assertThat(r.awsRequestId()).isEqualTo("val-1");
        assertThat(r.message()).startsWith("SetDesiredCapacity: New SetDesiredCapacity value 2 is below min value 3");
        assertThat(aws.calls()).as("not retried").containsExactly("DescribeAutoScalingGroups", "SetDesiredCapacity");
    }

    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder notebook(String status, String type) {
        return json(200, "nb-" + status, "{\"NotebookInstanceName\":\"ana-gpu\",\"NotebookInstanceStatus\":\"" + status
                + "\",\"InstanceType\":\"" + type + "\"}");
    }

    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder endpoint(String status, int main, int canary) {
        return json(200, "ep-" + status, "{\"EndpointName\":\"llm-serving\",\"EndpointStatus\":\"" + status + "\","
                + "\"ProductionVariants\":[{\"VariantName\":\"AllTraffic\",\"CurrentInstanceCount\":" + main
                + ",\"DesiredInstanceCount\":" + main + "},{\"VariantName\":\"Canary\",\"CurrentInstanceCount\":" + canary
                + ",\"DesiredInstanceCount\":" + canary + "}]}");
    }

    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder group(int min, int max, int desired) {
        return autoScaling("DescribeAutoScalingGroups", "dasg-1", """
                <AutoScalingGroups><member>
                  <AutoScalingGroupName>%s</AutoScalingGroupName>
                  <MinSize>%d</MinSize><MaxSize>%d</MaxSize><DesiredCapacity>%d</DesiredCapacity>
                  <LaunchTemplate><LaunchTemplateId>lt-0abc123</LaunchTemplateId><LaunchTemplateName>gpu-worker</LaunchTemplateName>
                    <Version>$Default</Version></LaunchTemplate>
                  <Tags><member><Key>team</Key><Value>ml</Value><ResourceId>%s</ResourceId>
                    <ResourceType>auto-scaling-group</ResourceType><PropagateAtLaunch>true</PropagateAtLaunch></member></Tags>
                </member></AutoScalingGroups>""".formatted(GROUP, min, max, desired, GROUP));
    }
}
