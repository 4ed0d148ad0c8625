package io.costwarden.model;

import java.time.Instant;
import java.util.Map;

/**
 * One CloudWatch datapoint about one resource, as a metric stream delivers it: a statistic set over
 * the stream's period (one minute), not a single reading.
 *
 * @param resourceId canonical ARN of the resource the dimensions name; also the Kafka key
 * @param dimensions all dimensions as delivered; the CloudWatch agent's GPU metrics keep {@code index} here
 * @param time       start of the period the statistics cover
 */
public record MetricSample(
        int schemaVersion,
        String resourceId,
        ResourceKind kind,
        String account,
        String region,
        String namespace,
        String metric,
        Map<String, String> dimensions,
        Instant time,
        double min,
        double max,
        double sum,
        double count,
        String unit,
        String stream) {

    public static final int SCHEMA_VERSION = 1;

    public MetricSample {
        dimensions = dimensions == null ? Map.of() : Map.copyOf(dimensions);
        unit = unit == null ? "" : unit;
        stream = stream == null ? "" : stream;
    }

    /** The period's mean; 0 when the period had no datapoints. */
    public double average() {
        return count == 0 ? 0 : sum / count;
    }
}
