package io.costwarden.actions;

import static io.costwarden.actions.FakeAws.ec2Instance;
import static io.costwarden.actions.FakeAws.ec2Stopping;
import static io.costwarden.actions.FakeAws.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.WireRequest;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The crash window: the executor called AWS, then died before its transaction committed, so neither the
 * result nor the ledger entry survived and the request is delivered again. Simulated by running the same
 * request through the real topology twice, the second time with fresh state. The fake AWS keeps the
 * resource's state across both runs, as AWS would: the second run describes it, finds it stopping, and
 * sends no second stop.
 */
class CrashRestartTest {
    @TempDir
    Path stateDirs;
    private FakeAws aws;
    private AwsClients clients;

    /**
     * One kind's calls and its answers before and after the stop.
     *
     * @param calls its Describe and its stop, as fresh WireMock mappings (a mapping builder is mutable)
     */
    record Kind(ResourceKind kind, String nativeId, String describe, String stop, Function<String, MappingBuilder> calls,
            ResponseDefinitionBuilder running, ResponseDefinitionBuilder stopping, ResponseDefinitionBuilder stopped) {
        @Override
        public String toString() {
            return kind.word();
        }
    }

    static Stream<Kind> kinds() {
        String i = "i-0abc1234def567890";
        return Stream.of(
                new Kind(ResourceKind.EC2_INSTANCE, i, "DescribeInstances", "StopInstances", FakeAws::query,
                        ec2Instance(i, "running", "d-1"), ec2Instance(i, "stopping", "d-2"), ec2Stopping(i, "s-1")),
                new Kind(ResourceKind.SAGEMAKER_NOTEBOOK, "Ana-GPU", "DescribeNotebookInstance", "StopNotebookInstance",
                        FakeAws::sageMaker, json(200, "d-1", "{\"NotebookInstanceStatus\":\"InService\"}"),
                        json(200, "d-2", "{\"NotebookInstanceStatus\":\"Stopping\"}"), json(200, "s-1", "{}")),
                new Kind(ResourceKind.SAGEMAKER_APP, "d-1/ana-space/jupyterlab/default", "DescribeApp", "DeleteApp",
                        FakeAws::sageMaker, json(200, "d-1", "{\"Status\":\"InService\"}"),
                        json(200, "d-2", "{\"Status\":\"Deleting\"}"), json(200, "s-1", "{}")),
                new Kind(ResourceKind.SAGEMAKER_TRAINING_JOB, "llm-finetune-7", "DescribeTrainingJob", "StopTrainingJob",
                        FakeAws::sageMaker, json(200, "d-1", "{\"TrainingJobStatus\":\"InProgress\"}"),
                        json(200, "d-2", "{\"TrainingJobStatus\":\"Stopping\"}"), json(200, "s-1", "{}")));
    }

    @BeforeEach
    void start() {
        aws = new FakeAws();
        clients = aws.clients();
    }

    @AfterEach
    void stop() {
        clients.close();
        aws.close();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aStopRepeatedAfterACrashBeforeTheCommitIsNotSentAgain(Kind k) {
        aws.stub(k.calls().apply(k.describe()).inScenario("resource").whenScenarioStateIs(Scenario.STARTED), k.running());
        aws.stub(k.calls().apply(k.stop()).inScenario("resource").willSetStateTo("stopped"), k.stopped());
        aws.stub(k.calls().apply(k.describe()).inScenario("resource").whenScenarioStateIs("stopped"), k.stopping());
        ActionRequest request = Requests.stop(k.kind(), k.nativeId(), Mode.ENFORCE);

        ActionResult first = runOnce(request, stateDirs.resolve("before-crash"));
        ActionResult again = runOnce(request, stateDirs.resolve("after-restart"));

        assertThat(first.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(first.message()).endsWith(k.stop() + " sent");
        assertThat(again.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(again.message()).startsWith("already ").endsWith(k.stop() + " not sent");
        assertThat(again.requests()).extracting(WireRequest::operation).doesNotContain(k.stop());
        assertThat(aws.calls()).as("one stop in all: the second run only describes (and reads SageMaker tags)")
                .filteredOn(call -> !call.equals("ListTags")).containsExactly(k.describe(), k.stop(), k.describe());
    }

    /** The actions topology as the role runs it, on its own state directory; returns the one result it records. */
    private ActionResult runOnce(ActionRequest request, Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "crash-restart-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        Executor executor = Executor.over(clients, false, new SimpleMeterRegistry(), Clock.systemUTC());
        try (TopologyTestDriver driver = new TopologyTestDriver(ExecutorTopology.build(executor, new SimpleMeterRegistry()),
                props)) {
            driver.createInputTopic(Topics.ACTIONS.name(), Topics.ACTIONS.keySerde().serializer(),
                    Topics.ACTIONS.valueSerde().serializer()).pipeInput(request.resourceId(), request);
            List<ActionResult> results = driver.createOutputTopic(Topics.ACTION_RESULTS.name(),
                    Topics.ACTION_RESULTS.keySerde().deserializer(), Topics.ACTION_RESULTS.valueSerde().deserializer())
                    .readValuesToList();
            assertThat(results).hasSize(1);
            return results.get(0);
        }
    }
}
