package io.costwarden.ingest.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.ingest.RecordError;
import io.costwarden.model.MetricSample;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Synthetic records in the OpenTelemetry 1.0.0 output format as CloudWatch documents it: length-delimited
 * ExportMetricsServiceRequests, resource attributes cloud.account.id and cloud.region, summary datapoints
 * with Namespace, MetricName and Dimensions attributes.
 */
class MetricStreamOtelTest {
    static final Instant T = Instant.parse("2026-11-20T09:30:00Z");
    private final MetricStreamOtel parser = new MetricStreamOtel(Clock.fixed(Instant.parse("2026-11-27T00:00:00Z"), ZoneOffset.UTC));
    private final CollectedDatapoints sink = new CollectedDatapoints();
    private final List<MetricSample> samples = sink.samples;
    private final List<RecordError> errors = sink.errors;
    private final java.util.Set<String> skipped = sink.skipped.keySet();

    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    static ExportMetricsServiceRequest request(String namespace, String name, KeyValue... dims) {
        SummaryDataPoint dp = SummaryDataPoint.newBuilder()
                .addAttributes(kv("Namespace", namespace)).addAttributes(kv("MetricName", name))
                .addAttributes(KeyValue.newBuilder().setKey("Dimensions").setValue(AnyValue.newBuilder()
                        .setKvlistValue(KeyValueList.newBuilder().addAllValues(List.of(dims)))))
                .setTimeUnixNano(T.getEpochSecond() * 1_000_000_000L).setCount(4).setSum(8)
                .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0).setValue(1))
                .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(1).setValue(3))
                .build();
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("cloud.provider", "aws"))
                        .addAttributes(kv("cloud.account.id", "123456789012")).addAttributes(kv("cloud.region", "us-east-1")))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder()
                        .setName("amazonaws.com/" + namespace + "/" + name).setUnit("Percent")
                        .setSummary(Summary.newBuilder().addDataPoints(dp))))).build();
    }

    static byte[] delimited(ExportMetricsServiceRequest... requests) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ExportMetricsServiceRequest r : requests) {
            r.writeDelimitedTo(out);
        }
        return out.toByteArray();
    }

    @Test
    void readsLengthDelimitedRequestsIntoSamples() throws IOException {
        parser.read(delimited(request("AWS/EC2", "CPUUtilization", kv("InstanceId", "i-0abc")),
                request("CWAgent", "nvidia_smi_utilization_gpu", kv("InstanceId", "i-0abc"), kv("index", "2")),
                request("AWS/Billing", "EstimatedCharges", kv("Currency", "USD"))), "records[0]", sink);
        assertThat(errors).isEmpty();
        assertThat(samples).hasSize(2);
        MetricSample cpu = samples.get(0);
        assertThat(cpu.resourceId()).isEqualTo("arn:aws:ec2:us-east-1:123456789012:instance/i-0abc");
        assertThat(cpu.metric()).isEqualTo("CPUUtilization");
        assertThat(cpu.min()).isEqualTo(1);
        assertThat(cpu.max()).isEqualTo(3);
        assertThat(cpu.average()).isEqualTo(2);
        assertThat(cpu.time()).isEqualTo(T);
        assertThat(samples.get(1).dimensions()).containsEntry("index", "2");
        assertThat(skipped).containsExactly("no-resource-dimension:AWS/Billing");
    }

    @Test
    void brokenBytesAreAPreciseError() throws IOException {
        byte[] good = delimited(request("AWS/EC2", "CPUUtilization", kv("InstanceId", "i-0abc")));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 5);
        parser.read(truncated, "records[3]", sink);
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.location()).startsWith("records[3] message");
            assertThat(e.message()).startsWith("not an OpenTelemetry 1.0 record");
        });
        parser.read("{\"metric_stream_name\":\"json, not protobuf\"}".getBytes(), "records[4]", sink);
        assertThat(errors).hasSize(2);
    }
}
