package io.costwarden.actions;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.actions.ec2.Ec2Instances;
import io.costwarden.actions.sagemaker.SageMakerNotebooks;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Enforce mode sends the real SDK request over HTTP; WireMock stands in for the AWS endpoint. */
class EnforceOverHttpTest {
    private WireMockServer aws;
    private AwsClients clients;
    private Executor executor;

    @BeforeEach
    void start() {
        aws = new WireMockServer(options().dynamicPort());
        aws.start();
        clients = new AwsClients(Optional.of(URI.create("http://localhost:" + aws.port())),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")));
        executor = new Executor(new Ec2Instances(clients), new SageMakerNotebooks(clients), false,
                new SimpleMeterRegistry(), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        clients.close();
        aws.stop();
    }

    @Test
    void enforceSendsStopInstancesOverTheQueryProtocol() {
        aws.stubFor(post("/").willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody("""
                <StopInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
                  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
                  <instancesSet><item><instanceId>i-0abc1234def567890</instanceId>
                    <currentState><code>64</code><name>stopping</name></currentState>
                    <previousState><code>16</code><name>running</name></previousState>
                  </item></instancesSet>
                </StopInstancesResponse>""")));

        ActionResult r = executor.execute(Requests.stop(ResourceKind.EC2_INSTANCE, "i-0abc1234def567890", Mode.ENFORCE));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.awsRequestId()).isEqualTo("59dbff89-35bd-4eac-99ed-be587EXAMPLE");
        assertThat(r.request().body()).isEqualTo("Action=StopInstances&Version=2016-11-15&InstanceId.1=i-0abc1234def567890");
        aws.verify(1, postRequestedFor(urlEqualTo("/"))
                .withRequestBody(equalTo("Action=StopInstances&Version=2016-11-15&InstanceId.1=i-0abc1234def567890")));
    }

    @Test
    void aRefusedStopIsRecordedWithTheAwsErrorCodeAndRequestId() {
        aws.stubFor(post("/").willReturn(aResponse().withStatus(400).withHeader("Content-Type", "text/xml").withBody("""
                <Response><Errors><Error><Code>IncorrectInstanceState</Code>
                <Message>The instance 'i-1' is not in a state from which it can be stopped.</Message></Error></Errors>
                <RequestID>req-400-example</RequestID></Response>""")));

        ActionResult r = executor.execute(Requests.stop(ResourceKind.EC2_INSTANCE, "i-1", Mode.ENFORCE));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errorCode()).isEqualTo("IncorrectInstanceState");
        assertThat(r.awsRequestId()).isEqualTo("req-400-example");
        assertThat(r.message()).contains("not in a state");
    }

    @Test
    void enforceSendsStopNotebookInstanceOverTheJsonProtocol() {
        aws.stubFor(post("/").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withHeader("x-amzn-RequestId", "sm-req-1").withBody("{}")));

        ActionResult r = executor.execute(Requests.stop(ResourceKind.SAGEMAKER_NOTEBOOK, "Ana-GPU", Mode.ENFORCE));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.awsRequestId()).isEqualTo("sm-req-1");
        aws.verify(1, postRequestedFor(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("SageMaker.StopNotebookInstance"))
                .withRequestBody(equalTo("{\"NotebookInstanceName\":\"Ana-GPU\"}")));
    }

    @Test
    void forcedDryRunNeverSendsEvenForAnEnforcePolicy() {
        Executor safe = new Executor(new Ec2Instances(clients), new SageMakerNotebooks(clients), true,
                new SimpleMeterRegistry(), Clock.systemUTC());
        ActionResult r = safe.execute(Requests.stop(ResourceKind.EC2_INSTANCE, "i-1", Mode.ENFORCE));
        assertThat(r.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(r.message()).contains("force-dry-run");
        assertThat(aws.getAllServeEvents()).isEmpty();
    }
}
