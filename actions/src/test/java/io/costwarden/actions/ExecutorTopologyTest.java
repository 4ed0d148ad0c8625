package io.costwarden.actions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.costwarden.actions.aws.AwsClients;
import io.costwarden.actions.aws.Target;
import io.costwarden.actions.aws.WireCapture;
import io.costwarden.actions.ec2.Ec2Instances;
import io.costwarden.actions.sagemaker.SageMakerNotebooks;
import io.costwarden.actions.sagemaker.StudioApps;
import io.costwarden.actions.sagemaker.TrainingJobs;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionOptions;
import io.costwarden.model.policy.Exemption;
import java.time.Clock;
import io.costwarden.model.Topics;
import io.costwarden.model.WireRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;

/** Dry-run needs no AWS endpoint at all: the request is captured before it would be sent. */
class ExecutorTopologyTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private AwsClients clients;
    private TopologyTestDriver driver;
    private TestInputTopic<String, ActionRequest> requests;
    private TestOutputTopic<String, ActionResult> results;

    @BeforeEach
    void start() {
        clients = new AwsClients(Optional.empty(), AnonymousCredentialsProvider.create());
        Executor executor = Executor.over(clients, false, meters, Clock.systemUTC());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "executor-test");
        driver = new TopologyTestDriver(ExecutorTopology.build(executor, meters), props);
        requests = driver.createInputTopic(Topics.ACTIONS.name(), Topics.ACTIONS.keySerde().serializer(),
                Topics.ACTIONS.valueSerde().serializer());
        results = driver.createOutputTopic(Topics.ACTION_RESULTS.name(), Topics.ACTION_RESULTS.keySerde().deserializer(),
                Topics.ACTION_RESULTS.valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
        clients.close();
    }

    @Test
    void dryRunRecordsTheExactEc2RequestWithoutSendingIt() {
        ActionRequest r = Requests.stop(ResourceKind.EC2_INSTANCE, "i-0abc1234def567890", Mode.DRY_RUN);
        requests.pipeInput(r.resourceId(), r);

        ActionResult result = results.readValue();
        assertThat(result.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(result.actionId()).isEqualTo(r.actionId());
        assertThat(result.request().operation()).isEqualTo("StopInstances");
        assertThat(result.request().method()).isEqualTo("POST");
        assertThat(result.request().url()).isEqualTo("https://ec2.us-east-1.amazonaws.com");
        assertThat(result.request().body())
                .isEqualTo("Action=StopInstances&Version=2016-11-15&InstanceId.1=i-0abc1234def567890");
        assertThat(result.message()).isEqualTo("policy mode is dry-run; would send StopInstances");
    }

    @Test
    void dryRunRecordsTheExactSageMakerRequest() {
        ActionRequest r = Requests.stop(ResourceKind.SAGEMAKER_NOTEBOOK, "Ana-GPU", Mode.DRY_RUN);
        requests.pipeInput(r.resourceId(), r);

        ActionResult result = results.readValue();
        assertThat(result.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(result.request().headers()).containsEntry("X-Amz-Target", "SageMaker.StopNotebookInstance");
        assertThat(result.request().body()).isEqualTo("{\"NotebookInstanceName\":\"Ana-GPU\"}");
    }

    @Test
    void anActionRunsAtMostOncePerActionId() {
        ActionRequest r = Requests.stop(ResourceKind.EC2_INSTANCE, "i-1", Mode.DRY_RUN);
        requests.pipeInput(r.resourceId(), r);
        requests.pipeInput(r.resourceId(), r);

        List<ActionResult> out = results.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(meters.counter("costwarden.actions.deduplicated").count()).isEqualTo(1.0);
        assertThat(meters.counter("costwarden.actions", "action", "stop", "outcome", "DRY_RUN").count()).isEqualTo(1.0);
    }

    @Test
    void dryRunRecordsTheExactDeleteAppRequest() {
        ActionRequest r = Requests.stop(ResourceKind.SAGEMAKER_APP, "d-xtzjpfz2wdzp/ana-space/jupyterlab/default", Mode.DRY_RUN);
        requests.pipeInput(r.resourceId(), r);

        ActionResult result = results.readValue();
        assertThat(result.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(result.request().url()).isEqualTo("https://api.sagemaker.us-east-1.amazonaws.com/");
        assertThat(result.request().headers()).containsEntry("X-Amz-Target", "SageMaker.DeleteApp");
        assertThat(result.request().body()).isEqualTo(
                "{\"DomainId\":\"d-xtzjpfz2wdzp\",\"SpaceName\":\"ana-space\",\"AppType\":\"JupyterLab\",\"AppName\":\"default\"}");
    }

    @Test
    void dryRunRecordsTheExactStopTrainingJobRequest() {
        ActionRequest r = Requests.stop(ResourceKind.SAGEMAKER_TRAINING_JOB, "llm-finetune-7", Mode.DRY_RUN);
        requests.pipeInput(r.resourceId(), r);

        ActionResult result = results.readValue();
        assertThat(result.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(result.request().headers()).containsEntry("X-Amz-Target", "SageMaker.StopTrainingJob");
        assertThat(result.request().body()).isEqualTo("{\"TrainingJobName\":\"llm-finetune-7\"}");
    }

    /** Each stop an adapter can send, on a dry-run target: what it would put on the wire, and nothing sent. */
    @Test
    void dryRunCapturesEveryStopExactly() {
        Calls dry = new Calls(clients, Target.within(Requests.ACCOUNT, Requests.REGION, true, Duration.ofSeconds(20)),
                Duration.ofMillis(1), Exemption.NONE, Clock.systemUTC());
        String app = "d-1/ana/rstudioserverpro/default";
        String appBody = "{\"DomainId\":\"d-1\",\"UserProfileName\":\"ana\",\"AppType\":\"RStudioServerPro\",\"AppName\":\"default\"}";

        new Ec2Instances().stop(dry, "i-1", Requests.HIBERNATE);
        new SageMakerNotebooks().stop(dry, "Ana-GPU", ActionOptions.NONE);
        new StudioApps().stop(dry, app, ActionOptions.NONE);
        new TrainingJobs().stop(dry, "llm-finetune-7", ActionOptions.NONE);

        assertThat(dry.requests()).extracting(WireRequest::body).containsExactly(
                "Action=StopInstances&Version=2016-11-15&InstanceId.1=i-1&Hibernate=true",
                "{\"NotebookInstanceName\":\"Ana-GPU\"}", appBody, "{\"TrainingJobName\":\"llm-finetune-7\"}");
        assertThat(dry.requests().get(3).headers()).containsEntry("X-Amz-Target", "SageMaker.StopTrainingJob");
    }

    /** A defect in an adapter still ends in one recorded result (and a ledger entry), never a dead letter. */
    @Test
    void anAdapterThatThrowsIsRecordedAsFailedNotThrown() {
        Adapter broken = new Adapter() {
            @Override
            public ActionKind action() {
                return ActionKind.TAG;
            }

            @Override
            public ResourceKind kind() {
                return ResourceKind.EC2_INSTANCE;
            }

            @Override
            public Done act(Calls calls, ActionRequest request) {
                throw new NullPointerException("no state in the answer");
            }
        };
        Executor executor = new Executor(clients, java.util.List.of(broken), false, Executor.Timing.DEFAULT,
                io.costwarden.model.InstanceCatalog.bundled(), meters, Clock.systemUTC());

        ActionResult r = executor.execute(Requests.request(ActionKind.TAG, ResourceKind.EC2_INSTANCE, "i-1", Mode.ENFORCE,
                ActionOptions.NONE, ""));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errorCode()).isEqualTo("InternalError");
        assertThat(r.message()).isEqualTo("NullPointerException: no state in the answer; nothing sent");
    }
}
