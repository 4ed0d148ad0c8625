package io.costwarden.actions;

import static io.costwarden.actions.DownscaleTest.group;
import static io.costwarden.actions.FakeAws.autoScaling;
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
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code tag} (mark) over HTTP against WireMock for EC2, SageMaker and Auto Scaling, and its undo. */
class TagActionTest {
    static final String INSTANCE = "i-0abc1234def567890";

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

    private ActionResult tag(ResourceKind kind, String id, Mode mode) {
        return executor.execute(Requests.request(ActionKind.TAG, kind, id, mode, Requests.tags(Map.of("team", "ml-platform")), ""));
    }

    @Test
    void anEc2InstanceIsTaggedAndUndoRestoresTheValueItOverwroteAndRemovesTheRest() {
        aws.stub(query("DescribeInstances"), ec2InstanceFull(INSTANCE, "running", "g5.xlarge", "d-1",
                "<tagSet><item><key>team</key><value>unknown</value></item></tagSet>"));
        aws.stub(query("CreateTags"), ec2("CreateTags", "tag-1", "<return>true</return>"));
        aws.stub(query("DeleteTags"), ec2("DeleteTags", "untag-1", "<return>true</return>"));

        ActionResult r = tag(ResourceKind.EC2_INSTANCE, INSTANCE, Mode.ENFORCE);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        String body = URLDecoder.decode(aws.only("CreateTags").getBodyAsString(), StandardCharsets.UTF_8);
        assertThat(body).startsWith("Action=CreateTags&Version=2016-11-15&ResourceId.1=" + INSTANCE)
                .contains("Key=team", "Value=ml-platform", "Key=costwarden:finding", "Value=" + r.findingId(),
                        "Key=costwarden:policy", "Value=p");
        assertThat(r.previous()).containsEntry("tag:team", "unknown").containsEntry("new:costwarden:finding", "");

        aws.server.resetRequests();
        ActionResult undone = executor.execute(ActionRequest.undo(r, "ops", Instant.now()), r);

        assertThat(undone.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).containsExactly("DeleteTags", "CreateTags");
        assertThat(URLDecoder.decode(aws.only("DeleteTags").getBodyAsString(), StandardCharsets.UTF_8))
                .contains("Tag.1.Key=costwarden:", "Tag.2.Key=costwarden:").doesNotContain("Key=team");
        assertThat(URLDecoder.decode(aws.only("CreateTags").getBodyAsString(), StandardCharsets.UTF_8))
                .contains("Tag.1.Key=team&Tag.1.Value=unknown");
    }

    @Test
    void aNotebookIsTaggedByItsArnWithAddTags() {
        aws.stub(sageMaker("AddTags"), json(200, "add-1", "{\"Tags\":[]}"));

        ActionResult r = tag(ResourceKind.SAGEMAKER_NOTEBOOK, "ana-gpu", Mode.ENFORCE);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).containsExactly("ListTags", "AddTags");
        assertThat(aws.only("AddTags").getBodyAsString()).startsWith("{\"ResourceArn\":"
                + "\"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/ana-gpu\",\"Tags\":[{\"Key\":\"team\","
                + "\"Value\":\"ml-platform\"}");
    }

    @Test
    void aGroupIsTaggedWithoutPropagatingTheMarkToNewInstances() {
        aws.stub(query("DescribeAutoScalingGroups"), group(1, 8, 6));
        aws.stub(query("CreateOrUpdateTags"), autoScaling("CreateOrUpdateTags", "cut-1", ""));

        ActionResult r = tag(ResourceKind.AUTOSCALING_GROUP, "gpu-workers", Mode.ENFORCE);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(URLDecoder.decode(aws.only("CreateOrUpdateTags").getBodyAsString(), StandardCharsets.UTF_8))
                .startsWith("Action=CreateOrUpdateTags&Version=2011-01-01&Tags.member.1.ResourceId=gpu-workers"
                        + "&Tags.member.1.ResourceType=auto-scaling-group&Tags.member.1.Key=team"
                        + "&Tags.member.1.Value=ml-platform&Tags.member.1.PropagateAtLaunch=false");
    }

    @Test
    void tagsAlreadySetAreNotSentAgain() {
        ActionResult first = tag(ResourceKind.EC2_INSTANCE, INSTANCE, Mode.DRY_RUN);
        String findingId = first.findingId();
        aws.stub(query("DescribeInstances"), ec2InstanceFull(INSTANCE, "running", "g5.xlarge", "d-1",
                "<tagSet><item><key>team</key><value>ml-platform</value></item><item><key>costwarden:finding</key><value>"
                        + findingId + "</value></item><item><key>costwarden:policy</key><value>p</value></item></tagSet>"));

        ActionResult r = tag(ResourceKind.EC2_INSTANCE, INSTANCE, Mode.ENFORCE);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.previous()).isEmpty();
        assertThat(aws.calls()).containsExactly("DescribeInstances");
    }

    @Test
    void aDryRunRecordsTheTagCallAndSendsNothing() {
        ActionResult r = tag(ResourceKind.SAGEMAKER_ENDPOINT, "llm-serving", Mode.DRY_RUN);

        assertThat(r.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(r.requests()).extracting(WireRequest::operation).containsExactly("AddTags");
        assertThat(aws.received()).isEmpty();
    }
}
