package io.costwarden.app;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/sagemaker/notebook-activity/publish_activity.py, run as the lifecycle scripts run it, against
 * WireMock standing in for the Jupyter server. The responses have the shapes jupyter_server 2 writes:
 * kernel models from MappingKernelManager.kernel_model, terminal models from jupyter_server_terminals,
 * the status model of APIStatusHandler, timestamps in its isoformat (microseconds, "Z").
 */
class NotebookActivityScriptTest {
    private static final DateTimeFormatter JUPYTER_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path script;

    @TempDir
    Path dir;

    private WireMockServer jupyter;

    @BeforeAll
    static void pythonAndScript() {
        assumeTrue(onPath("python3"), "python3 is not on PATH");
        // Surefire runs with app/ as the working directory; walk up rather than assume it.
        Path at = Path.of("").toAbsolutePath();
        while (at != null && !Files.exists(at.resolve("deploy/sagemaker/notebook-activity/publish_activity.py"))) {
            at = at.getParent();
        }
        assertThat(at).as("repository root above " + Path.of("").toAbsolutePath()).isNotNull();
        script = at.resolve("deploy/sagemaker/notebook-activity/publish_activity.py");
    }

    @BeforeEach
    void startJupyter() {
        jupyter = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        jupyter.start();
    }

    @AfterEach
    void stopJupyter() {
        jupyter.stop();
    }

    @Test
    void aBusyKernelIsActivityEvenWhenItsLastActivityIsOld() throws Exception {
        Instant now = Instant.now();
        // A GPU kernel in a long training step: busy, its last message long ago, the CPU idle.
        serve("/api/kernels", "[" + kernel("4f1d0a3e-9c2b-4d7e-8a51-2f6b3c9d0e11", "busy", now.minusSeconds(7200), 1)
                + "," + kernel("a07c6b12-3e4f-4a5b-9c8d-7e6f5a4b3c2d", "idle", now.minusSeconds(10800), 0) + "]");
        serve("/api/terminals", "[]");
        serve("/api/status", status(now.minusSeconds(86400), now, 2, 1));
        Path metadata = dir.resolve("resource-metadata.json");
        Files.writeString(metadata, """
                {"ResourceArn":"arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/ana-gpu","ResourceName":"ana-gpu"}""");

        Run run = publisher("--once", "--print", "--metadata-file", metadata.toString(), "--jupyter-url", jupyter.baseUrl());

        assertThat(run.exit).as(run.stderr).isZero();
        List<Map<String, Object>> data = run.metricData();
        assertThat(data).extracting(m -> m.get("MetricName"))
                .containsExactly("SecondsSinceLastActivity", "BusyKernels", "Kernels", "Terminals");
        assertThat(data).extracting(m -> m.get("Unit")).containsExactly("Seconds", "Count", "Count", "Count");
        assertThat(data).allSatisfy(m -> {
            assertThat(m.get("Dimensions")).isEqualTo(List.of(Map.of("Name", "NotebookInstanceName", "Value", "ana-gpu")));
            assertThat((String) m.get("Timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(Duration.between(Instant.parse((String) m.get("Timestamp")), Instant.now()).abs())
                    .isLessThan(Duration.ofMinutes(1));
        });
        assertThat(value(data, "SecondsSinceLastActivity")).isZero();
        assertThat(value(data, "BusyKernels")).isEqualTo(1);
        assertThat(value(data, "Kernels")).isEqualTo(2);
        assertThat(value(data, "Terminals")).isZero();
    }

    @Test
    void aTerminalUsedThirtySecondsAgoIsTheLatestActivity() throws Exception {
        Instant now = Instant.now();
        serve("/api/kernels", "[" + kernel("4f1d0a3e-9c2b-4d7e-8a51-2f6b3c9d0e11", "idle", now.minusSeconds(7200), 1)
                + "," + kernel("a07c6b12-3e4f-4a5b-9c8d-7e6f5a4b3c2d", "idle", now.minusSeconds(3600), 0) + "]");
        serve("/api/terminals", "[" + terminal("1", now.minusSeconds(30)) + "]");
        serve("/api/status", status(now.minusSeconds(86400), now, 2, 1));

        Run run = publisher("--once", "--print", "--dimension", "InstanceId=i-0abc1234def567890", "--jupyter-url", jupyter.baseUrl());

        assertThat(run.exit).as(run.stderr).isZero();
        assertThat(value(run.metricData(), "SecondsSinceLastActivity")).isBetween(30.0, 45.0);
        assertThat(value(run.metricData(), "BusyKernels")).isZero();
        assertThat(value(run.metricData(), "Terminals")).isEqualTo(1);
        assertThat(run.metricData().get(0).get("Dimensions"))
                .isEqualTo(List.of(Map.of("Name", "InstanceId", "Value", "i-0abc1234def567890")));
    }

    @Test
    void withNothingRunningIdleTimeCountsFromServerStartNotFromItsLastActivity() throws Exception {
        Instant now = Instant.now();
        serve("/api/kernels", "[]");
        serve("/api/terminals", "[]");
        // last_activity 5 s ago: an open browser tab polling the REST API, nobody working.
        serve("/api/status", status(now.minusSeconds(7200), now.minusSeconds(5), 0, 0));

        Run run = publisher("--once", "--print", "--dimension", "NotebookInstanceName=bo-experiments",
                "--jupyter-url", jupyter.baseUrl());

        assertThat(run.exit).as(run.stderr).isZero();
        assertThat(value(run.metricData(), "SecondsSinceLastActivity")).isCloseTo(7200.0, within(15.0));
        assertThat(value(run.metricData(), "Kernels")).isZero();
        assertThat(value(run.metricData(), "Terminals")).isZero();
    }

    @Test
    void aKernelStuckStartingCountsOnlyThroughItsLastActivity() throws Exception {
        Instant now = Instant.now();
        serve("/api/kernels", "[" + kernel("0b9e8d7c-6a5f-4e3d-2c1b-0a9f8e7d6c5b", "starting", now.minusSeconds(10800), 0) + "]");
        serve("/api/terminals", "[]");
        serve("/api/status", status(now.minusSeconds(11000), now, 1, 0));

        Run run = publisher("--once", "--print", "--dimension", "NotebookInstanceName=bo-experiments",
                "--jupyter-url", jupyter.baseUrl());

        assertThat(run.exit).as(run.stderr).isZero();
        assertThat(value(run.metricData(), "SecondsSinceLastActivity")).isCloseTo(10800.0, within(15.0));
        assertThat(value(run.metricData(), "BusyKernels")).isZero();
        assertThat(value(run.metricData(), "Kernels")).isEqualTo(1);
    }

    @Test
    void anActivityAheadOfTheLocalClockReadsAsZeroNotNegative() throws Exception {
        Instant now = Instant.now();
        // The notebook's clock two minutes behind the one that stamped the kernel.
        serve("/api/kernels", "[" + kernel("4f1d0a3e-9c2b-4d7e-8a51-2f6b3c9d0e11", "idle", now.plusSeconds(120), 1) + "]");
        serve("/api/terminals", "[]");
        serve("/api/status", status(now.minusSeconds(3600), now, 1, 1));

        Run run = publisher("--once", "--print", "--dimension", "NotebookInstanceName=bo-experiments",
                "--jupyter-url", jupyter.baseUrl());

        assertThat(run.exit).as(run.stderr).isZero();
        assertThat(value(run.metricData(), "SecondsSinceLastActivity")).isZero();
    }

    @Test
    void theTokenIsSentAsAJupyterAuthorizationHeaderAndNeverLogged() throws Exception {
        Instant now = Instant.now();
        serve("/api/kernels", "[]");
        serve("/api/terminals", "[]");
        serve("/api/status", status(now.minusSeconds(60), now, 0, 0));

        Run fromEnvironment = publisher(Map.of("JUPYTER_TOKEN", "9c1f0e2d7b"), "--once", "--print", "--verbose",
                "--dimension", "InstanceId=i-0abc1234def567890", "--jupyter-url", jupyter.baseUrl());
        Run fromOption = publisher("--once", "--print", "--verbose", "--token", "5e6f7a8b",
                "--dimension", "InstanceId=i-0abc1234def567890", "--jupyter-url", jupyter.baseUrl());

        assertThat(fromEnvironment.exit).as(fromEnvironment.stderr).isZero();
        assertThat(fromOption.exit).as(fromOption.stderr).isZero();
        for (String path : List.of("/api/kernels", "/api/terminals", "/api/status")) {
            jupyter.verify(1, getRequestedFor(urlEqualTo(path)).withHeader("Authorization", equalTo("token 9c1f0e2d7b")));
            jupyter.verify(1, getRequestedFor(urlEqualTo(path)).withHeader("Authorization", equalTo("token 5e6f7a8b")));
        }
        assertThat(fromEnvironment.stderr + fromOption.stderr).isNotBlank()
                .doesNotContain("9c1f0e2d7b").doesNotContain("5e6f7a8b");
    }

    @Test
    void jupyterDownMeansNonZeroExitAClearMessageAndNothingPublished() throws Exception {
        int closed = closedPort();
        Path aws = fakeAws(0);

        Run run = publisher("--once", "--aws-cli", aws.toString(), "--dimension", "NotebookInstanceName=bo-experiments",
                "--jupyter-url", "http://127.0.0.1:" + closed);

        assertThat(run.exit).isEqualTo(4);
        assertThat(run.stderr).contains("Jupyter unavailable, nothing published")
                .contains("http://127.0.0.1:" + closed + "/api/kernels");
        assertThat(run.stdout).isEmpty();
        assertThat(dir.resolve("aws-args")).doesNotExist();
    }

    @Test
    void withoutOnceThePublisherOutlivesAJupyterThatIsDown() throws Exception {
        int closed = closedPort();
        Path stderr = dir.resolve("loop.err");
        Process loop = new ProcessBuilder(command("--interval", "0.2", "--print",
                "--dimension", "NotebookInstanceName=bo-experiments", "--jupyter-url", "http://127.0.0.1:" + closed))
                .redirectOutput(dir.resolve("loop.out").toFile()).redirectError(stderr.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Files.readAllLines(stderr).stream().filter(l -> l.contains("Jupyter unavailable")).count() >= 3);
            assertThat(loop.isAlive()).isTrue();
        } finally {
            loop.destroy();
            assertThat(loop.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        // SIGTERM is how systemd and the container stop it: a clean exit, not a crash to restart.
        assertThat(loop.exitValue()).isZero();
        assertThat(Files.readString(dir.resolve("loop.out"))).isEmpty();
    }

    @Test
    void publishesThroughTheAwsCliWithStudioDimensionsFromTheMetadataFile() throws Exception {
        Instant now = Instant.now();
        // A space's JupyterLab app serves under /jupyterlab/default.
        serve("/jupyterlab/default/api/kernels", "[" + kernel("4f1d0a3e-9c2b-4d7e-8a51-2f6b3c9d0e11", "idle", now.minusSeconds(600), 0) + "]");
        serve("/jupyterlab/default/api/terminals", "[]");
        serve("/jupyterlab/default/api/status", status(now.minusSeconds(3600), now, 1, 0));
        // As Studio writes it into a JupyterLab app of a space (ResourceName is the app name).
        Path metadata = dir.resolve("resource-metadata.json");
        Files.writeString(metadata, """
                {
                  "AppType": "JupyterLab",
                  "DomainId": "d-1a2b3c4d5e6f",
                  "SpaceName": "ana-space",
                  "ExecutionRoleArn": "arn:aws:iam::123456789012:role/studio-exec",
                  "ResourceArn": "arn:aws:sagemaker:us-west-2:123456789012:app/d-1a2b3c4d5e6f/ana-space/JupyterLab/default",
                  "ResourceName": "default",
                  "AppImageVersion": ""
                }""");
        Path aws = fakeAws(0);

        Run run = publisher("--once", "--target", "studio", "--metadata-file", metadata.toString(),
                "--aws-cli", aws.toString(), "--jupyter-url", jupyter.baseUrl() + "/jupyterlab/default/");

        assertThat(run.exit).as(run.stderr).isZero();
        List<String> args = Files.readAllLines(dir.resolve("aws-args"));
        assertThat(args).hasSize(8);
        assertThat(args.subList(0, 5)).containsExactly("cloudwatch", "put-metric-data", "--namespace", "Costwarden/Notebook", "--metric-data");
        assertThat(args.get(5)).startsWith("file://").endsWith(".json");
        assertThat(args.subList(6, 8)).containsExactly("--region", "us-west-2");
        assertThat(Path.of(args.get(5).substring("file://".length()))).as("temporary metric-data file removed").doesNotExist();

        List<Map<String, Object>> data = JSON.readValue(dir.resolve("metric-data.json").toFile(), new TypeReference<>() { });
        assertThat(data).hasSize(4);
        assertThat(data.get(0).get("Dimensions")).isEqualTo(List.of(
                Map.of("Name", "DomainId", "Value", "d-1a2b3c4d5e6f"),
                Map.of("Name", "SpaceName", "Value", "ana-space"),
                Map.of("Name", "AppType", "Value", "JupyterLab"),
                Map.of("Name", "AppName", "Value", "default")));
        assertThat(value(data, "SecondsSinceLastActivity")).isCloseTo(600.0, within(15.0));
        assertThat(value(data, "Kernels")).isEqualTo(1);
    }

    @Test
    void aStudioClassicAppWithoutASpaceIsKeyedByItsUserProfile() throws Exception {
        Instant now = Instant.now();
        serve("/api/kernels", "[]");
        serve("/api/terminals", "[]");
        serve("/api/status", status(now.minusSeconds(900), now, 0, 0));
        Path metadata = dir.resolve("resource-metadata.json");
        Files.writeString(metadata, """
                {
                  "AppType": "KernelGateway",
                  "DomainId": "d-xxxxxxxxxxxx",
                  "UserProfileName": "profile-name",
                  "ResourceArn": "arn:aws:sagemaker:us-east-2:123456789012:app/d-xxxxxxxxxxxx/profile-name/KernelGateway/datascience--1-0-ml-t3-medium",
                  "ResourceName": "datascience--1-0-ml-t3-medium"
                }""");

        Run run = publisher("--once", "--print", "--metadata-file", metadata.toString(), "--jupyter-url", jupyter.baseUrl());

        assertThat(run.exit).as(run.stderr).isZero();
        assertThat(run.metricData().get(0).get("Dimensions")).isEqualTo(List.of(
                Map.of("Name", "DomainId", "Value", "d-xxxxxxxxxxxx"),
                Map.of("Name", "UserProfileName", "Value", "profile-name"),
                Map.of("Name", "AppType", "Value", "KernelGateway"),
                Map.of("Name", "AppName", "Value", "datascience--1-0-ml-t3-medium")));
        assertThat(value(run.metricData(), "SecondsSinceLastActivity")).isCloseTo(900.0, within(15.0));
    }

    @Test
    void aFailedPutMetricDataIsReportedWithTheCliError() throws Exception {
        Instant now = Instant.now();
        serve("/api/kernels", "[]");
        serve("/api/terminals", "[]");
        serve("/api/status", status(now.minusSeconds(60), now, 0, 0));
        Path aws = fakeAws(254);

        Run run = publisher("--once", "--aws-cli", aws.toString(), "--dimension", "NotebookInstanceName=bo-experiments",
                "--jupyter-url", jupyter.baseUrl());

        assertThat(run.exit).isEqualTo(5);
        assertThat(run.stderr).contains("put-metric-data exited 254").contains("AccessDenied");
    }

    @Test
    void dimensionsThatAreNotOneContractSetAreRefused() throws Exception {
        Run run = publisher("--once", "--print", "--dimension", "InstanceId=i-0abc1234def567890",
                "--dimension", "AppType=JupyterLab", "--jupyter-url", jupyter.baseUrl());

        assertThat(run.exit).isEqualTo(3);
        assertThat(run.stderr).contains("not one of the contract's sets");
        assertThat(jupyter.getAllServeEvents()).isEmpty();
    }

    // --- Jupyter Server response shapes -----------------------------------------------------

    private static String kernel(String id, String state, Instant lastActivity, int connections) {
        return """
                {"id": "%s", "name": "python3", "last_activity": "%s", "execution_state": "%s", "connections": %d}"""
                .formatted(id, JUPYTER_TIME.format(lastActivity), state, connections);
    }

    private static String terminal(String name, Instant lastActivity) {
        return """
                {"name": "%s", "last_activity": "%s"}""".formatted(name, JUPYTER_TIME.format(lastActivity));
    }

    private static String status(Instant started, Instant lastActivity, int kernels, int connections) {
        return """
                {"connections": %d, "kernels": %d, "last_activity": "%s", "started": "%s"}"""
                .formatted(connections, kernels, JUPYTER_TIME.format(lastActivity), JUPYTER_TIME.format(started));
    }

    private void serve(String path, String json) {
        jupyter.stubFor(get(urlEqualTo(path)).willReturn(okJson(json)));
    }

    // --- running the script -----------------------------------------------------------------

    private record Run(int exit, String stdout, String stderr) {
        List<Map<String, Object>> metricData() throws IOException {
            return JSON.readValue(stdout, new TypeReference<>() { });
        }
    }

    private Run publisher(String... args) throws Exception {
        return publisher(Map.of(), args);
    }

    private Run publisher(Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command(args)).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("JUPYTER_TOKEN");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("publish_activity.py did not finish within 60 s: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of("python3", script.toString()));
        command.addAll(Arrays.asList(args));
        return command;
    }

    /** An `aws` that records its arguments and the metric-data file, then exits with the given status. */
    private Path fakeAws(int exit) throws IOException {
        Path aws = dir.resolve("aws");
        Files.writeString(aws, """
                #!/bin/sh
                printf '%%s\\n' "$@" > '%1$s/aws-args'
                for a in "$@"; do
                  case "$a" in file://*) cp "${a#file://}" '%1$s/metric-data.json' ;; esac
                done
                [ %2$d -eq 0 ] || echo 'An error occurred (AccessDenied) when calling the PutMetricData operation' >&2
                exit %2$d
                """.formatted(dir, exit));
        Files.setPosixFilePermissions(aws, PosixFilePermissions.fromString("rwx------"));
        return aws;
    }

    private static double value(List<Map<String, Object>> data, String metric) {
        return data.stream().filter(m -> metric.equals(m.get("MetricName"))).findFirst()
                .map(m -> ((Number) m.get("Value")).doubleValue())
                .orElseThrow(() -> new AssertionError("no " + metric + " in " + data));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean onPath(String executable) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(d -> !d.isEmpty())
                .anyMatch(d -> Files.isExecutable(Path.of(d, executable)));
    }
}
