package io.costwarden.actions;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static io.costwarden.actions.FakeAws.ec2Error;
import static io.costwarden.actions.FakeAws.ec2Instance;
import static io.costwarden.actions.FakeAws.ec2Stopping;
import static io.costwarden.actions.FakeAws.json;
import static io.costwarden.actions.FakeAws.query;
import static io.costwarden.actions.FakeAws.sageMaker;
import static io.costwarden.actions.FakeAws.sageMakerError;
import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.actions.aws.AwsClients;
import io.costwarden.actions.aws.Target;
import io.costwarden.actions.ec2.Ec2Instances;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.policy.Exemption;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Enforce mode sends the real SDK requests over HTTP; WireMock stands in for the AWS endpoint. Each test
 * checks the exact wire requests and, through the list of calls received, that nothing was sent twice.
 */
class EnforceOverHttpTest {
    static final String INSTANCE = "i-0abc1234def567890";
    static final String DESCRIBE_INSTANCE = "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=" + INSTANCE;
    static final String STOP_INSTANCE = "Action=StopInstances&Version=2016-11-15&InstanceId.1=" + INSTANCE;

    private FakeAws aws;
    private AwsClients clients;
    private Executor executor;

    @BeforeEach
    void start() {
        aws = new FakeAws();
        clients = aws.clients();
        executor = Executor.over(clients, false, new SimpleMeterRegistry(), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        clients.close();
        aws.close();
    }

    ActionResult enforce(ResourceKind kind, String nativeId) {
        return executor.execute(Requests.stop(kind, nativeId, Mode.ENFORCE));
    }

    // ---- EC2 (query protocol)

    @Test
    void aRunningInstanceIsDescribedThenStopped() {
        aws.stub(query("DescribeInstances"), ec2Instance(INSTANCE, "running", "describe-req-1"));
        aws.stub(query("StopInstances"), ec2Stopping(INSTANCE, "59dbff89-35bd-4eac-99ed-be587EXAMPLE"));

        ActionResult r = enforce(ResourceKind.EC2_INSTANCE, INSTANCE);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.awsRequestId()).isEqualTo("59dbff89-35bd-4eac-99ed-be587EXAMPLE");
        assertThat(r.request().body()).isEqualTo(STOP_INSTANCE);
        assertThat(r.message()).isEqualTo("DescribeInstances saw running; StopInstances sent");
        assertThat(aws.calls()).containsExactly("DescribeInstances", "StopInstances");
        assertThat(aws.only("DescribeInstances").getBodyAsString()).isEqualTo(DESCRIBE_INSTANCE);
        assertThat(aws.only("StopInstances").getBodyAsString()).isEqualTo(STOP_INSTANCE);
    }

    @Test
    void anInstanceAlreadyStoppedIsNotStoppedAgain() {
        aws.stub(query("DescribeInstances"), ec2Instance(INSTANCE, "stopped", "describe-req-2"));

        ActionResult r = enforce(ResourceKind.EC2_INSTANCE, INSTANCE);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.message()).isEqualTo("already stopped (DescribeInstances); StopInstances not sent");
        assertThat(r.awsRequestId()).isEqualTo("describe-req-2");
        assertThat(r.request().operation()).isEqualTo("DescribeInstances");
        assertThat(r.request().body()).isEqualTo(DESCRIBE_INSTANCE);
        assertThat(aws.calls()).containsExactly("DescribeInstances");
    }

    @Test
    void stopWithHibernateSendsHibernateTrue() {
        aws.stub(query("StopInstances"), ec2Stopping(INSTANCE, "hibernate-req"));
        Ec2Instances ec2 = new Ec2Instances();
        Calls calls = new Calls(clients, Target.within(Requests.ACCOUNT, Requests.REGION, false, Duration.ofSeconds(20)),
                Duration.ofMillis(1), Exemption.NONE, Clock.systemUTC());

        ec2.stop(calls, INSTANCE, Requests.HIBERNATE);

        assertThat(calls.lastRequestId()).isEqualTo("hibernate-req");
        assertThat(aws.only("StopInstances").getBodyAsString()).isEqualTo(STOP_INSTANCE + "&Hibernate=true");
    }

    @Test
    void throttledEc2CallsAreRetriedUntilTheySucceed() {
        aws.stub(query("DescribeInstances"), ec2Instance(INSTANCE, "running", "describe-req-3"));
        aws.stubFirstThen(() -> query("StopInstances"), ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.", "throttled-1"),
                ec2Stopping(INSTANCE, "stop-after-retry"));

        ActionResult r = enforce(ResourceKind.EC2_INSTANCE, INSTANCE);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.awsRequestId()).isEqualTo("stop-after-retry");
        assertThat(aws.calls()).containsExactly("DescribeInstances", "StopInstances", "StopInstances");
    }

    @Test
    void aRefusedStopIsRecordedOnceWithTheAwsErrorCodeAndRequestId() {
        aws.stub(query("DescribeInstances"), ec2Instance(INSTANCE, "running", "describe-req-4"));
        aws.stub(query("StopInstances"), ec2Error(400, "IncorrectInstanceState",
                "The instance '" + INSTANCE + "' is not in a state from which it can be stopped.", "req-400-example"));

        ActionResult r = enforce(ResourceKind.EC2_INSTANCE, INSTANCE);

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errorCode()).isEqualTo("IncorrectInstanceState");
        assertThat(r.awsRequestId()).isEqualTo("req-400-example");
        assertThat(r.message()).startsWith("StopInstances: ").contains("not in a state");
        assertThat(r.request().body()).isEqualTo(STOP_INSTANCE);
        assertThat(aws.calls()).as("a permanent error is not retried").containsExactly("DescribeInstances", "StopInstances");
    }

    @Test
    void anUnauthorizedDescribeIsRecordedOnceAndNothingIsStopped() {
        aws.stub(query("DescribeInstances"), ec2Error(403, "UnauthorizedOperation",
                "You are not authorized to perform this operation.", "req-403-example"));

        ActionResult r = enforce(ResourceKind.EC2_INSTANCE, INSTANCE);

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errorCode()).isEqualTo("UnauthorizedOperation");
        assertThat(r.awsRequestId()).isEqualTo("req-403-example");
        assertThat(r.message()).startsWith("DescribeInstances: ");
        assertThat(aws.calls()).containsExactly("DescribeInstances");
    }

    @Test
    void throttlingThatOutlastsTheAttemptsIsRecordedWithTheLastAnswer() {
        aws.stub(query("DescribeInstances"), ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.", "throttled-2"));

        ActionResult r = enforce(ResourceKind.EC2_INSTANCE, INSTANCE);

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errorCode()).isEqualTo("RequestLimitExceeded");
        assertThat(r.awsRequestId()).isEqualTo("throttled-2");
        assertThat(r.message()).endsWith("(after 3 attempts)");
        assertThat(aws.calls()).containsExactly("DescribeInstances", "DescribeInstances", "DescribeInstances");
    }

    // ---- SageMaker notebook instances (JSON protocol)

    @Test
    void aNotebookInServiceIsDescribedThenStopped() {
        aws.stub(sageMaker("DescribeNotebookInstance"), json(200, "sm-describe-1",
                "{\"NotebookInstanceName\":\"Ana-GPU\",\"NotebookInstanceStatus\":\"InService\",\"InstanceType\":\"ml.g5.xlarge\"}"));
        aws.stub(sageMaker("StopNotebookInstance"), json(200, "sm-req-1", "{}"));

        ActionResult r = enforce(ResourceKind.SAGEMAKER_NOTEBOOK, "Ana-GPU");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.awsRequestId()).isEqualTo("sm-req-1");
        assertThat(r.message()).isEqualTo("DescribeNotebookInstance saw InService; "
                + "StopNotebookInstance sent");
        assertThat(aws.calls()).containsExactly("DescribeNotebookInstance", "ListTags", "StopNotebookInstance");
        assertThat(aws.only("DescribeNotebookInstance").getBodyAsString()).isEqualTo("{\"NotebookInstanceName\":\"Ana-GPU\"}");
        assertThat(aws.only("StopNotebookInstance").getBodyAsString()).isEqualTo("{\"NotebookInstanceName\":\"Ana-GPU\"}");
        assertThat(aws.only("StopNotebookInstance").getHeader("Content-Type")).isEqualTo("application/x-amz-json-1.1");
    }

    @Test
    void aNotebookAlreadyStoppingIsLeftAlone() {
        aws.stub(sageMaker("DescribeNotebookInstance"), json(200, "sm-describe-2",
                "{\"NotebookInstanceName\":\"Ana-GPU\",\"NotebookInstanceStatus\":\"Stopping\"}"));

        ActionResult r = enforce(ResourceKind.SAGEMAKER_NOTEBOOK, "Ana-GPU");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.message()).isEqualTo("already Stopping (DescribeNotebookInstance); StopNotebookInstance not sent");
        assertThat(aws.calls()).containsExactly("DescribeNotebookInstance", "ListTags");
    }

    @Test
    void throttledSageMakerCallsAreRetriedUntilTheySucceed() {
        aws.stubFirstThen(() -> sageMaker("DescribeNotebookInstance"),
                sageMakerError(400, "ThrottlingException", "Rate exceeded", "sm-throttled"),
                json(200, "sm-describe-3", "{\"NotebookInstanceName\":\"Ana-GPU\",\"NotebookInstanceStatus\":\"InService\"}"));
        aws.stubFirstThen(() -> sageMaker("StopNotebookInstance"),
                sageMakerError(400, "ThrottlingException", "Rate exceeded", "sm-throttled-2"), json(200, "sm-req-2", "{}"));

        ActionResult r = enforce(ResourceKind.SAGEMAKER_NOTEBOOK, "Ana-GPU");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.awsRequestId()).isEqualTo("sm-req-2");
        assertThat(aws.calls()).containsExactly("DescribeNotebookInstance", "DescribeNotebookInstance",
                "ListTags", "StopNotebookInstance", "StopNotebookInstance");
    }

    @Test
    void aSageMakerValidationErrorIsRecordedOnceWithItsCodeAndRequestId() {
        aws.stub(sageMaker("DescribeNotebookInstance"), json(200, "sm-describe-4",
                "{\"NotebookInstanceName\":\"Ana-GPU\",\"NotebookInstanceStatus\":\"Pending\"}"));
        aws.stub(sageMaker("StopNotebookInstance"), sageMakerError(400, "ValidationException",
                "Status (Pending) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance", "sm-400"));

        ActionResult r = enforce(ResourceKind.SAGEMAKER_NOTEBOOK, "Ana-GPU");

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errorCode()).isEqualTo("ValidationException");
        assertThat(r.awsRequestId()).isEqualTo("sm-400");
        assertThat(r.message()).startsWith("StopNotebookInstance: Status (Pending)");
        assertThat(aws.calls()).as("a permanent error is not retried")
                .containsExactly("DescribeNotebookInstance", "ListTags", "StopNotebookInstance");
    }

    // ---- SageMaker Studio apps

    @Test
    void aJupyterLabAppIsDeletedInItsSpace() {
        String body = "{\"DomainId\":\"d-xtzjpfz2wdzp\",\"SpaceName\":\"ana-space\",\"AppType\":\"JupyterLab\",\"AppName\":\"default\"}";
        aws.stub(sageMaker("DescribeApp"), json(200, "app-describe-1", """
                {"AppArn":"arn:aws:sagemaker:us-east-1:123456789012:app/d-xtzjpfz2wdzp/ana-space/jupyterlab/default",
                 "AppType":"JupyterLab","AppName":"default","DomainId":"d-xtzjpfz2wdzp","SpaceName":"ana-space",
                 "Status":"InService"}"""));
        aws.stub(sageMaker("DeleteApp"), json(200, "app-delete-1", "{}"));

        ActionResult r = enforce(ResourceKind.SAGEMAKER_APP, "d-xtzjpfz2wdzp/ana-space/jupyterlab/default");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.awsRequestId()).isEqualTo("app-delete-1");
        assertThat(aws.calls()).containsExactly("DescribeApp", "ListTags", "DeleteApp");
        assertThat(aws.only("DescribeApp").getBodyAsString()).isEqualTo(body);
        assertThat(aws.only("DeleteApp").getBodyAsString()).isEqualTo(body);
    }

    @Test
    void aKernelGatewayAppIsDeletedUnderItsUserProfile() {
        String body = "{\"DomainId\":\"d-xtzjpfz2wdzp\",\"UserProfileName\":\"ana\",\"AppType\":\"KernelGateway\","
                + "\"AppName\":\"datascience-1-0-ml-g4dn-xlarge-1a2b\"}";
        aws.stub(sageMaker("DescribeApp"), json(200, "app-describe-2", "{\"Status\":\"InService\"}"));
        aws.stub(sageMaker("DeleteApp"), json(200, "app-delete-2", "{}"));

        ActionResult r = enforce(ResourceKind.SAGEMAKER_APP, "d-xtzjpfz2wdzp/ana/kernelgateway/datascience-1-0-ml-g4dn-xlarge-1a2b");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.only("DescribeApp").getBodyAsString()).isEqualTo(body);
        assertThat(aws.only("DeleteApp").getBodyAsString()).isEqualTo(body);
    }

    @Test
    void anAppOfASharedSpaceIsFoundWithTheSpaceNameOnTheSecondTry() {
        String asProfile = "{\"DomainId\":\"d-1\",\"UserProfileName\":\"team-space\",\"AppType\":\"JupyterServer\",\"AppName\":\"default\"}";
        String asSpace = "{\"DomainId\":\"d-1\",\"SpaceName\":\"team-space\",\"AppType\":\"JupyterServer\",\"AppName\":\"default\"}";
        for (String call : new String[] {"DescribeApp", "DeleteApp"}) {
            aws.stub(sageMaker(call).withRequestBody(equalTo(asProfile)),
                    sageMakerError(400, "ResourceNotFound", "App does not exist", "not-found-" + call));
        }
        aws.stub(sageMaker("DescribeApp").withRequestBody(equalTo(asSpace)),
                json(200, "app-describe-3", "{\"Status\":\"InService\"}"));
        aws.stub(sageMaker("DeleteApp").withRequestBody(equalTo(asSpace)),
                json(200, "app-delete-3", "{}"));

        ActionResult r = enforce(ResourceKind.SAGEMAKER_APP, "d-1/team-space/jupyterserver/default");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.awsRequestId()).isEqualTo("app-delete-3");
        assertThat(r.request().body()).isEqualTo(asSpace);
        assertThat(aws.received()).extracting(x -> FakeAws.operation(x) + " " + x.getBodyAsString())
                .containsExactly("DescribeApp " + asProfile, "DescribeApp " + asSpace,
                        "ListTags {\"ResourceArn\":\"arn:aws:sagemaker:us-east-1:123456789012:app/d-1/team-space/jupyterserver/default\"}",
                        "DeleteApp " + asProfile, "DeleteApp " + asSpace);
    }

    @Test
    void anAppAlreadyDeletedIsNotDeletedAgain() {
        aws.stub(sageMaker("DescribeApp"), json(200, "app-describe-4", "{\"Status\":\"Deleted\"}"));

        ActionResult r = enforce(ResourceKind.SAGEMAKER_APP, "d-1/ana-space/codeeditor/default");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.message()).isEqualTo("already Deleted (DescribeApp); DeleteApp not sent");
        assertThat(aws.calls()).containsExactly("DescribeApp", "ListTags");
    }

    @Test
    void aMalformedStudioAppIdIsSkippedWithoutACall() {
        ActionResult r = enforce(ResourceKind.SAGEMAKER_APP, "d-1/ana/notebook-app/default");

        assertThat(r.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(r.message()).contains("unknown Studio app type 'notebook-app'");
        assertThat(aws.calls()).isEmpty();
    }

    // ---- SageMaker training jobs

    @Test
    void aTrainingJobInProgressIsDescribedThenStopped() {
        aws.stub(sageMaker("DescribeTrainingJob"), json(200, "tj-describe-1",
                "{\"TrainingJobName\":\"llm-finetune-7\",\"TrainingJobStatus\":\"InProgress\",\"SecondaryStatus\":\"Training\"}"));
        aws.stub(sageMaker("StopTrainingJob"), json(200, "tj-stop-1", "{}"));

        ActionResult r = enforce(ResourceKind.SAGEMAKER_TRAINING_JOB, "llm-finetune-7");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.awsRequestId()).isEqualTo("tj-stop-1");
        assertThat(aws.calls()).containsExactly("DescribeTrainingJob", "ListTags", "StopTrainingJob");
        assertThat(aws.only("DescribeTrainingJob").getBodyAsString()).isEqualTo("{\"TrainingJobName\":\"llm-finetune-7\"}");
        assertThat(aws.only("StopTrainingJob").getBodyAsString()).isEqualTo("{\"TrainingJobName\":\"llm-finetune-7\"}");
    }

    @Test
    void aCompletedTrainingJobIsNotStopped() {
        aws.stub(sageMaker("DescribeTrainingJob"), json(200, "tj-describe-2",
                "{\"TrainingJobName\":\"llm-finetune-7\",\"TrainingJobStatus\":\"Completed\"}"));

        ActionResult r = enforce(ResourceKind.SAGEMAKER_TRAINING_JOB, "llm-finetune-7");

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.message()).isEqualTo("already Completed (DescribeTrainingJob); StopTrainingJob not sent");
        assertThat(aws.calls()).containsExactly("DescribeTrainingJob", "ListTags");
    }

    // ---- what reaches AWS at all

    @Test
    void forcedDryRunNeverSendsEvenForAnEnforcePolicy() {
        Executor safe = Executor.over(clients, true, new SimpleMeterRegistry(), Clock.systemUTC());
        ActionResult r = safe.execute(Requests.stop(ResourceKind.EC2_INSTANCE, "i-1", Mode.ENFORCE));
        assertThat(r.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(r.message()).contains("force-dry-run");
        assertThat(aws.calls()).isEmpty();
    }

    @Test
    void everyKindWithAStopAdapterPassesTheGuardrailsAndNoOtherDoes() {
        for (ResourceKind kind : ResourceKind.values()) {
            boolean stoppable = kind == ResourceKind.EC2_INSTANCE || kind == ResourceKind.SAGEMAKER_NOTEBOOK
                    || kind == ResourceKind.SAGEMAKER_APP || kind == ResourceKind.SAGEMAKER_TRAINING_JOB;
            assertThat(executor.wouldSend(Requests.stop(kind, "x", Mode.ENFORCE))).as(kind.word()).isEqualTo(stoppable);
            assertThat(ActionKind.STOP.resources().contains(kind))
                    .as("policy validation allows stop for %s exactly when an adapter exists", kind.word()).isEqualTo(stoppable);
        }
    }
}
