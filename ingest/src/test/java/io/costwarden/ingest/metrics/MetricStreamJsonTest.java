package io.costwarden.ingest.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.RecordError;
import io.costwarden.model.MetricSample;
import io.costwarden.model.ResourceKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

public class MetricStreamJsonTest {
    private final MetricStreamJson parser = new MetricStreamJson(InputLimits.DEFAULT);
    private final CollectedDatapoints sink = new CollectedDatapoints();
    private final List<MetricSample> samples = sink.samples;
    private final Map<String, Integer> skipped = sink.skipped;
    private final List<RecordError> errors = sink.errors;

    public static String sample(String name) {
        try (InputStream in = MetricStreamJsonTest.class.getResourceAsStream("/samples/metricstreams/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void readsTheOpenTelemetryCollectorsRecordedLine() {
        parser.read(sample("cwmetricstream_single_record.json").getBytes(StandardCharsets.UTF_8), "records[0]", sink);
        assertThat(errors).isEmpty();
        assertThat(samples).singleElement().satisfies(s -> {
            assertThat(s.resourceId()).isEqualTo("arn:aws:ec2:us-east-1:1234567890:instance/i-123456789012");
            assertThat(s.kind()).isEqualTo(ResourceKind.EC2_INSTANCE);
            assertThat(s.namespace()).isEqualTo("AWS/EC2");
            assertThat(s.metric()).isEqualTo("DiskWriteOps");
            assertThat(s.time()).isEqualTo(Instant.ofEpochMilli(1611929698000L));
            assertThat(s.count()).isEqualTo(3.0);
            assertThat(s.sum()).isEqualTo(20.0);
            assertThat(s.max()).isEqualTo(18.0);
            assertThat(s.average()).isEqualTo(20.0 / 3);
            assertThat(s.stream()).isEqualTo("MyMetricStream");
        });
    }

    @Test
    void readsThePrettyPrintedDocumentationSampleWithPercentiles() {
        parser.read(sample("cloudwatch-user-guide__CloudWatch-metric-streams-formats-json__block1.json")
                .getBytes(StandardCharsets.UTF_8), "records[0]", sink);
        assertThat(errors).isEmpty();
        assertThat(samples).singleElement().satisfies(s -> assertThat(s.min()).isZero());
    }

    @Test
    void readsNewlineDelimitedDatapointsAndKeepsGpuIndexAndNotebookNames() {
        // Synthetic, in the documented format: the CloudWatch agent's per-GPU metric and a notebook activity metric.
        String lines = """
                {"metric_stream_name":"s","account_id":"123456789012","region":"us-east-1","namespace":"CWAgent","metric_name":"nvidia_smi_utilization_gpu","dimensions":{"InstanceId":"i-0abc","index":"3","name":"NVIDIA A100"},"timestamp":1764000000000,"value":{"max":97.0,"min":80.0,"sum":350.0,"count":4.0},"unit":"Percent"}
                {"metric_stream_name":"s","account_id":"123456789012","region":"eu-west-1","namespace":"Costwarden/Notebooks","metric_name":"SecondsSinceLastActivity","dimensions":{"NotebookInstanceName":"Bo-Experiments"},"timestamp":1764000000000,"value":{"max":60.0,"min":0.0,"sum":60.0,"count":2.0},"unit":"Seconds"}
                {"metric_stream_name":"s","account_id":"123456789012","region":"us-east-1","namespace":"AWS/Billing","metric_name":"EstimatedCharges","dimensions":{"Currency":"USD"},"timestamp":1764000000000,"value":{"max":1.0,"min":1.0,"sum":1.0,"count":1.0},"unit":"None"}
                """;
        parser.read(lines.getBytes(StandardCharsets.UTF_8), "records[0]", sink);
        assertThat(errors).isEmpty();
        assertThat(samples).hasSize(2);
        assertThat(samples.get(0).dimensions()).containsEntry("index", "3");
        assertThat(samples.get(1).resourceId()).isEqualTo("arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/bo-experiments");
        assertThat(skipped).containsEntry("no-resource-dimension:AWS/Billing", 1);
    }

    @Test
    void aBrokenDatapointIsLocatedAndTheOthersKept() {
        String good = sample("cwmetricstream_single_record.json");
        String bad = good.replace("\"count\": 3.0", "\"count\": \"three\"");
        parser.read((good + "\n" + bad + "\n" + good).getBytes(StandardCharsets.UTF_8), "records[4]", sink);
        assertThat(samples).hasSize(2);
        assertThat(errors).singleElement().satisfies(e ->
                assertThat(e.describe()).isEqualTo("records[4] datapoint 1.value.count: expected a number, found \"three\""));
    }

    @Test
    void aDatapointFromTheFutureIsRefused() {
        String future = sample("cwmetricstream_single_record.json").replace("1611929698000", "4102444800000");
        parser.read(future.getBytes(StandardCharsets.UTF_8), "records[0]", sink);
        assertThat(samples).isEmpty();
        assertThat(errors).singleElement().satisfies(e -> assertThat(e.describe()).contains("timestamp: implausible time"));
    }

    @Test
    void nonJsonDataIsAnError() {
        parser.read("hello".getBytes(StandardCharsets.UTF_8), "records[0]", sink);
        assertThat(errors).singleElement().satisfies(e -> assertThat(e.message()).startsWith("not JSON"));
    }
}
