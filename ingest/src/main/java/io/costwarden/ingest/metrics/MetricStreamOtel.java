package io.costwarden.ingest.metrics;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.costwarden.ingest.RecordError;
import io.costwarden.model.MetricSample;
import io.costwarden.model.ResourceKind;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudWatch Metric Streams in the OpenTelemetry 1.0.0 output format: each Firehose record holds one or
 * more {@code ExportMetricsServiceRequest} messages, each prefixed by its length as a varint. A
 * CloudWatch datapoint is a summary: quantile 0 is the minimum, quantile 1 the maximum, plus sum and
 * count. The resource carries {@code cloud.account.id} and {@code cloud.region}; each datapoint carries
 * {@code Namespace}, {@code MetricName} and {@code Dimensions} (a key-value list).
 */
public final class MetricStreamOtel implements MetricStreamFormat {
    /** A message larger than this is not a metric-stream batch (Firehose records are at most 1 MiB). */
    private static final int MAX_MESSAGE = 4 * 1024 * 1024;
    private static final Instant EARLIEST = Instant.parse("2006-01-01T00:00:00Z");

    private final java.time.Clock clock;

    public MetricStreamOtel(java.time.Clock clock) {
        this.clock = clock;
    }

    @Override
    public void read(byte[] data, String where, Sink sink) {
        if (data.length == 0) {
            sink.error(new RecordError(where, "empty record: no datapoints", ""));
            return;
        }
        CodedInputStream in = CodedInputStream.newInstance(data);
        int message = 0;
        try {
            while (!in.isAtEnd()) {
                String at = where + " message " + message++;
                int length = in.readRawVarint32();
                if (length < 0 || length > MAX_MESSAGE || length > data.length) {
                    sink.error(new RecordError(at, "not an OpenTelemetry 1.0 record: message length " + length
                            + " does not fit the record", base64(data)));
                    return;
                }
                ExportMetricsServiceRequest request = ExportMetricsServiceRequest.parseFrom(in.readRawBytes(length));
                request(request, at, sink);
            }
        } catch (InvalidProtocolBufferException e) {
            sink.error(new RecordError(where + " message " + (message - 1), "not an OpenTelemetry 1.0 record: "
                    + e.getMessage(), base64(data)));
        } catch (IOException e) {
            sink.error(new RecordError(where, "cannot read: " + e.getMessage(), base64(data)));
        }
    }

    private void request(ExportMetricsServiceRequest request, String at, Sink sink) {
        for (ResourceMetrics rm : request.getResourceMetricsList()) {
            Map<String, String> resource = strings(rm.getResource().getAttributesList());
            String account = resource.getOrDefault("cloud.account.id", "");
            String region = resource.getOrDefault("cloud.region", "");
            if (!account.matches("[0-9]{1,12}") || !region.matches("[a-z0-9-]{1,32}")) {
                sink.error(new RecordError(at + ".resource", "cloud.account.id and cloud.region are required, found "
                        + resource, ""));
                continue;
            }
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric metric : sm.getMetricsList()) {
                    if (!metric.hasSummary()) {
                        sink.skip("not-a-summary:" + metric.getName());
                        continue;
                    }
                    for (SummaryDataPoint dp : metric.getSummary().getDataPointsList()) {
                        datapoint(metric, dp, account, region, at, sink);
                    }
                }
            }
        }
    }

    private void datapoint(Metric metric, SummaryDataPoint dp, String account, String region, String at, Sink sink) {
        Map<String, String> attributes = new LinkedHashMap<>();
        Map<String, String> dims = new LinkedHashMap<>();
        for (KeyValue kv : dp.getAttributesList()) {
            if (kv.getKey().equals("Dimensions") && kv.getValue().hasKvlistValue()) {
                dims.putAll(strings(kv.getValue().getKvlistValue().getValuesList()));
            } else {
                attributes.put(kv.getKey(), text(kv.getValue()));
            }
        }
        String namespace = attributes.getOrDefault("Namespace", "");
        String name = attributes.getOrDefault("MetricName", "");
        if (namespace.isEmpty() || name.isEmpty()) {
            sink.error(new RecordError(at + "." + metric.getName(), "datapoint without Namespace and MetricName attributes", ""));
            return;
        }
        double min = Double.NaN;
        double max = Double.NaN;
        for (SummaryDataPoint.ValueAtQuantile q : dp.getQuantileValuesList()) {
            if (q.getQuantile() == 0.0) {
                min = q.getValue();
            } else if (q.getQuantile() == 1.0) {
                max = q.getValue();
            }
        }
        if (Double.isNaN(min) || Double.isNaN(max)) {
            sink.error(new RecordError(at + "." + metric.getName(), "summary without the 0 and 1 quantiles (min and max)", ""));
            return;
        }
        java.util.Optional<MetricResource> named = MetricResource.of(dims);
        if (named.isEmpty()) {
            sink.skip("no-resource-dimension:" + namespace);
            return;
        }
        ResourceKind kind = named.get().kind();
        String id = named.get().nativeId();
        // The period's start, as the JSON format stamps it (timeUnixNano is its end).
        long nanos = dp.getStartTimeUnixNano() != 0 ? dp.getStartTimeUnixNano() : dp.getTimeUnixNano();
        Instant time = Instant.ofEpochSecond(0, nanos);
        if (time.isBefore(EARLIEST) || time.isAfter(clock.instant().plus(MetricStreamJson.MAX_AHEAD))) {
            sink.error(new RecordError(at + "." + metric.getName(), "implausible time " + time, ""));
            return;
        }
        sink.sample(new MetricSample(MetricSample.SCHEMA_VERSION, kind.arn(region, account, id), kind, account, region,
                namespace, name, dims, time, min, max, dp.getSum(), dp.getCount(), metric.getUnit(), ""));
    }

    private static Map<String, String> strings(List<KeyValue> list) {
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue kv : list) {
            out.put(kv.getKey(), text(kv.getValue()));
        }
        return out;
    }

    private static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> String.valueOf(v.getIntValue());
            case DOUBLE_VALUE -> String.valueOf(v.getDoubleValue());
            case BOOL_VALUE -> String.valueOf(v.getBoolValue());
            default -> "";
        };
    }

    private static String base64(byte[] data) {
        return "base64:" + Base64.getEncoder().encodeToString(data.length > 12_000 ? java.util.Arrays.copyOf(data, 12_000) : data);
    }
}
