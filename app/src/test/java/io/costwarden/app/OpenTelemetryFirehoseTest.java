package io.costwarden.app;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

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
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** /ingest/firehose with the metric stream's OutputFormat set to OpenTelemetry 1.0. */
@QuarkusTest
@TestProfile(OpenTelemetryFirehoseTest.Otel.class)
@WithTestResource(FreshDataDir.class)
class OpenTelemetryFirehoseTest {
    public static class Otel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("costwarden.ingest.metric-stream-format", "opentelemetry1.0", "costwarden.roles", "ingest");
        }
    }

    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    @Test
    void aDeliveryOfOpenTelemetryRecordsIsAcknowledged() throws IOException {
        // Synthetic: one datapoint in the documented OpenTelemetry 1.0.0 shape.
        SummaryDataPoint dp = SummaryDataPoint.newBuilder().addAttributes(kv("Namespace", "AWS/EC2"))
                .addAttributes(kv("MetricName", "CPUUtilization"))
                .addAttributes(KeyValue.newBuilder().setKey("Dimensions").setValue(AnyValue.newBuilder()
                        .setKvlistValue(KeyValueList.newBuilder().addValues(kv("InstanceId", "i-0abc")))))
                .setTimeUnixNano(System.currentTimeMillis() * 1_000_000L).setCount(1).setSum(3)
                .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0).setValue(3))
                .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(1).setValue(3)).build();
        ExportMetricsServiceRequest request = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("cloud.account.id", "123456789012"))
                        .addAttributes(kv("cloud.region", "us-east-1")))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName("amazonaws.com/AWS/EC2/CPUUtilization")
                        .setSummary(Summary.newBuilder().addDataPoints(dp))))).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        request.writeDelimitedTo(out);
        String body = "{\"requestId\":\"otel-1\",\"timestamp\":1,\"records\":[{\"data\":\""
                + Base64.getEncoder().encodeToString(out.toByteArray()) + "\"}]}";
        given().header("X-Amz-Firehose-Request-Id", "otel-1").header("X-Amz-Firehose-Access-Key", "test-firehose-key")
                .body(body).post("/ingest/firehose").then().statusCode(200).body("requestId", equalTo("otel-1"));
    }
}
