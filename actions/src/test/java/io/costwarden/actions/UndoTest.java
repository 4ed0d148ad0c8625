package io.costwarden.actions;

import static io.costwarden.actions.FakeAws.ec2;
import static io.costwarden.actions.FakeAws.ec2Instance;
import static io.costwarden.actions.FakeAws.ec2Stopping;
import static io.costwarden.actions.FakeAws.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.actions.aws.AwsClients;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ActionsControl;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Undo through the executor topology: the ledger supplies what the action undone recorded; an undo runs
 * once however often it is asked for; it passes a pause and the blast-radius limits (it restores what
 * Costwarden changed) but not the account allowlist; what changed nothing cannot be undone.
 */
class UndoTest {
    static final String INSTANCE = "i-0abc1234def567890";
    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    private FakeAws aws;
    private AwsClients clients;
    private TopologyTestDriver driver;
    private TestInputTopic<String, ActionRequest> requests;
    private TestInputTopic<String, ActionsControl> control;
    private TestOutputTopic<String, ActionResult> results;

    @BeforeEach
    void start() {
        aws = new FakeAws();
        clients = aws.clients();
    }

    void start(Guardrails guardrails) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "undo-test");
        driver = new TopologyTestDriver(ExecutorTopology.build(Requests.fastExecutor(clients), guardrails,
                new SimpleMeterRegistry()), props, T0);
        requests = driver.createInputTopic(Topics.ACTIONS.name(), Topics.ACTIONS.keySerde().serializer(),
                Topics.ACTIONS.valueSerde().serializer());
        control = driver.createInputTopic(Topics.CONTROL.name(), Topics.CONTROL.keySerde().serializer(),
                Topics.CONTROL.valueSerde().serializer());
        results = driver.createOutputTopic(Topics.ACTION_RESULTS.name(), Topics.ACTION_RESULTS.keySerde().deserializer(),
                Topics.ACTION_RESULTS.valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
        clients.close();
        aws.close();
    }

    private ActionResult enforcedStop() {
        aws.stubSequence(() -> query("DescribeInstances"), ec2Instance(INSTANCE, "running", "d-1"),
                ec2Instance(INSTANCE, "stopped", "d-2"));
        aws.stub(query("StopInstances"), ec2Stopping(INSTANCE, "stop-1"));
        aws.stub(query("StartInstances"), ec2("StartInstances", "start-1", "<instancesSet/>"));
        ActionRequest stop = Requests.stop(ResourceKind.EC2_INSTANCE, INSTANCE, Mode.ENFORCE);
        requests.pipeInput(stop.resourceId(), stop);
        return results.readValue();
    }

    private void undo(ActionResult original) {
        ActionRequest undo = ActionRequest.undo(original, "ops@example.com", T0.plusSeconds(60));
        requests.pipeInput(undo.resourceId(), undo);
    }

    @Test
    void aStopIsUndoneByStartingTheInstanceOnceHoweverOftenItIsAsked() {
        start(Guardrails.DEFAULTS);
        ActionResult stopped = enforcedStop();
        assertThat(stopped.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(stopped.previous()).containsEntry("state", "running");

        undo(stopped);
        undo(stopped);

        ActionResult undone = results.readValue();
        assertThat(undone.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(undone.undoOf()).isEqualTo(stopped.actionId());
        assertThat(undone.message()).isEqualTo("StartInstances sent");
        assertThat(results.isEmpty()).as("the repeated undo is deduplicated by its id").isTrue();
        assertThat(aws.calls()).containsExactly("DescribeInstances", "StopInstances", "DescribeInstances", "StartInstances");
    }

    @Test
    void anUndoPassesAPauseAndAFullBlastRadius() {
        start(new Guardrails(Set.of(), 1, 1, Duration.ofHours(1)));
        ActionResult stopped = enforcedStop();
        control.pipeInput(ActionsControl.KEY, new ActionsControl(ActionsControl.SCHEMA_VERSION, true, "ops", "incident", T0));

        undo(stopped);

        assertThat(results.readValue().outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).contains("StartInstances");
    }

    @Test
    void anUndoInAnAccountOutsideTheAllowlistIsBlocked() {
        start(new Guardrails(Set.of(Requests.ACCOUNT), 10, 10, Duration.ofHours(1)));
        ActionRequest dry = GuardrailsTest.stop("p", "210987654321", INSTANCE);
        requests.pipeInput(dry.resourceId(), new ActionRequest(dry.schemaVersion(), dry.actionId(), dry.findingId(),
                dry.policy(), dry.policyVersion(), dry.action(), Mode.DRY_RUN, dry.resourceId(), dry.kind(), dry.nativeId(),
                dry.account(), dry.region(), dry.requestedAt()));
        ActionResult elsewhere = results.readValue();

        undo(elsewhere);

        ActionResult r = results.readValue();
        assertThat(r.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(r.errorCode()).isEqualTo("AccountNotAllowed");
    }

    @Test
    void anUndoIsAimedAtWhatTheLedgerRecordedNotAtWhatTheRequestSays() {
        start(Guardrails.DEFAULTS);
        ActionResult stopped = enforcedStop();
        ActionResult forged = new ActionResult(stopped.schemaVersion(), stopped.actionId(), stopped.findingId(),
                stopped.policy(), stopped.action(), stopped.mode(), stopped.resourceId(), stopped.kind(), "i-0someoneelse",
                "210987654321", "eu-west-1", stopped.outcome(), stopped.request(), stopped.requests(), "", "", "",
                stopped.previous(), null, "", "policy", stopped.at());

        undo(forged);

        ActionResult r = results.readValue();
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.account()).isEqualTo(Requests.ACCOUNT);
        assertThat(r.nativeId()).isEqualTo(INSTANCE);
        assertThat(aws.only("StartInstances").getBodyAsString()).endsWith("InstanceId.1=" + INSTANCE);
    }

    @Test
    void aFailedUndoCanBeTriedAgainButASucceededOneNot() {
        start(Guardrails.DEFAULTS);
        ActionResult stopped = enforcedStop();
        aws.stub(query("StartInstances"), FakeAws.ec2Error(400, "InsufficientInstanceCapacity",
                "Insufficient capacity.", "cap-1"));
        undo(stopped);
        assertThat(results.readValue().outcome()).isEqualTo(Outcome.FAILED);
        aws.stub(query("StartInstances"), ec2("StartInstances", "start-2", "<instancesSet/>"));

        ActionRequest second = ActionRequest.undo(stopped, "ops", T0.plusSeconds(120), 2);
        requests.pipeInput(second.resourceId(), second);
        ActionResult retried = results.readValue();
        ActionRequest third = ActionRequest.undo(stopped, "ops", T0.plusSeconds(180), 3);
        requests.pipeInput(third.resourceId(), third);
        ActionResult refused = results.readValue();

        assertThat(retried.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(retried.actionId()).isNotEqualTo(io.costwarden.model.Ids.undo(stopped.actionId()));
        assertThat(refused.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(refused.message()).isEqualTo("action " + stopped.actionId() + " was already undone by " + retried.actionId());
    }

    @Test
    void aDryRunCannotBeUndone() {
        start(Guardrails.DEFAULTS);
        ActionRequest dry = Requests.stop(ResourceKind.EC2_INSTANCE, INSTANCE, Mode.DRY_RUN);
        requests.pipeInput(dry.resourceId(), dry);
        ActionResult result = results.readValue();

        undo(result);

        ActionResult r = results.readValue();
        assertThat(r.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(r.errorCode()).isEqualTo(Refusal.NOT_UNDOABLE);
        assertThat(r.message()).startsWith("action " + result.actionId() + " changed nothing (DRY_RUN");
        assertThat(aws.received()).isEmpty();
    }

    @Test
    void anUndoOfAnActionTheLedgerDoesNotKnowIsRefused() {
        start(Guardrails.DEFAULTS);
        ActionResult stopped = enforcedStop();
        ActionResult unknown = new ActionResult(stopped.schemaVersion(), "no-such-action", stopped.findingId(),
                stopped.policy(), stopped.action(), stopped.mode(), stopped.resourceId(), stopped.kind(), stopped.nativeId(),
                stopped.account(), stopped.region(), stopped.outcome(), stopped.request(), stopped.requests(), "", "", "",
                stopped.previous(), null, "", "policy", stopped.at());

        undo(unknown);

        ActionResult r = results.readValue();
        assertThat(r.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(r.message()).isEqualTo("no action no-such-action in the ledger");
    }

    @Test
    void aTrainingJobStopCannotBeUndone() {
        aws.stub(FakeAws.sageMaker("DescribeTrainingJob"), FakeAws.json(200, "d-1", "{\"TrainingJobStatus\":\"InProgress\"}"));
        aws.stub(FakeAws.sageMaker("StopTrainingJob"), FakeAws.json(200, "s-1", "{}"));
        start(Guardrails.DEFAULTS);
        ActionRequest stop = Requests.stop(ResourceKind.SAGEMAKER_TRAINING_JOB, "llm-finetune-7", Mode.ENFORCE);
        requests.pipeInput(stop.resourceId(), stop);
        ActionResult stopped = results.readValue();
        assertThat(stopped.outcome()).isEqualTo(Outcome.SUCCEEDED);

        undo(stopped);

        ActionResult r = results.readValue();
        assertThat(r.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(r.errorCode()).isEqualTo(Refusal.NOT_UNDOABLE);
        assertThat(r.message()).isEqualTo("a stopped sagemaker-training-job cannot be started again");
    }

    @Test
    void aStudioAppIsCreatedAgainWithTheInstanceTypeAndImageItHad() {
        String app = "d-xtzjpfz2wdzp/ana-space/jupyterlab/default";
        String ids = "\"DomainId\":\"d-xtzjpfz2wdzp\",\"SpaceName\":\"ana-space\",\"AppType\":\"JupyterLab\","
                + "\"AppName\":\"default\"";
        aws.stubSequence(() -> FakeAws.sageMaker("DescribeApp"),
                FakeAws.json(200, "da-1", "{\"Status\":\"InService\",\"ResourceSpec\":{\"InstanceType\":"
                        + "\"ml.g5.xlarge\",\"SageMakerImageArn\":\"arn:aws:sagemaker:us-east-1:081325390199:image/"
                        + "sagemaker-distribution-gpu\"}}"),
                FakeAws.json(200, "da-2", "{\"Status\":\"Deleted\"}"));
        aws.stub(FakeAws.sageMaker("DeleteApp"), FakeAws.json(200, "del-1", "{}"));
        aws.stub(FakeAws.sageMaker("CreateApp"), FakeAws.json(200, "cr-1", "{\"AppArn\":\"arn\"}"));
        Executor executor = Requests.fastExecutor(clients);
        ActionResult stopped = executor.execute(Requests.stop(ResourceKind.SAGEMAKER_APP, app, Mode.ENFORCE));
        assertThat(stopped.previous()).containsEntry("instanceType", "ml.g5.xlarge");

        ActionResult undone = executor.execute(ActionRequest.undo(stopped, "ops", T0), stopped);

        assertThat(undone.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.only("CreateApp").getBodyAsString()).isEqualTo("{" + ids + ",\"ResourceSpec\":{\"SageMakerImageArn\":"
                + "\"arn:aws:sagemaker:us-east-1:081325390199:image/sagemaker-distribution-gpu\",\"InstanceType\":"
                + "\"ml.g5.xlarge\"}}");
    }

    @Test
    void aNotebookStopIsUndoneWithStartNotebookInstance() {
        aws.stubSequence(() -> FakeAws.sageMaker("DescribeNotebookInstance"),
                FakeAws.json(200, "d-1", "{\"NotebookInstanceStatus\":\"InService\"}"),
                FakeAws.json(200, "d-2", "{\"NotebookInstanceStatus\":\"Stopped\"}"));
        aws.stub(FakeAws.sageMaker("StopNotebookInstance"), FakeAws.json(200, "s-1", "{}"));
        aws.stub(FakeAws.sageMaker("StartNotebookInstance"), FakeAws.json(200, "st-1", "{}"));
        Executor executor = Requests.fastExecutor(clients);
        ActionResult stopped = executor.execute(Requests.stop(ResourceKind.SAGEMAKER_NOTEBOOK, "ana-gpu", Mode.ENFORCE));

        ActionResult undone = executor.execute(ActionRequest.undo(stopped, "ops", T0), stopped);

        assertThat(undone.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.only("StartNotebookInstance").getBodyAsString()).isEqualTo("{\"NotebookInstanceName\":\"ana-gpu\"}");
        assertThat(aws.calls()).containsExactly("DescribeNotebookInstance", "ListTags", "StopNotebookInstance",
                "DescribeNotebookInstance", "StartNotebookInstance");
    }
}
