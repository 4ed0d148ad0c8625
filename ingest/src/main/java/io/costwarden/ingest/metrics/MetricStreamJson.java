package io.costwarden.ingest.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.LineDelimited;
import io.costwarden.ingest.RecordError;
import io.costwarden.model.MetricSample;
import io.costwarden.model.ResourceKind;
import java.io.IOException;
import java.time.Clock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * CloudWatch Metric Streams in the JSON output format: one JSON object per datapoint, newline-delimited
 * inside each Firehose record. A datapoint is kept when its dimensions name a resource Costwarden
 * tracks ({@code InstanceId}: an EC2 instance; {@code NotebookInstanceName}: a SageMaker notebook);
 * other metrics are counted as skipped. Extra statistics (percentiles) are ignored.
 */
public final class MetricStreamJson implements MetricStreamFormat {
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{1,12}");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,32}");
    private static final Instant EARLIEST = Instant.parse("2006-01-01T00:00:00Z");
    /** Metric streams deliver within minutes; an hour of clock skew is generous. */
    static final java.time.Duration MAX_AHEAD = java.time.Duration.ofHours(1);

    private final ObjectMapper mapper;
    private final Clock clock;

    public MetricStreamJson(InputLimits limits) {
        this(limits, Clock.systemUTC());
    }

    public MetricStreamJson(InputLimits limits, Clock clock) {
        this.clock = clock;
        this.mapper = new ObjectMapper(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(limits.maxNestingDepth()).build())
                .build()).enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /**
     * Reads every datapoint in {@code data}; {@code where} prefixes error locations, e.g. {@code records[2]}.
     * Newline-delimited data is read line by line, so a broken line loses only itself.
     */
    @Override
    public void read(byte[] data, String where, Sink sink) {
        if (new String(data, StandardCharsets.UTF_8).isBlank()) {
            sink.error(new RecordError(where, "empty record: no datapoints", ""));
            return;
        }
        if (LineDelimited.looksLike(data)) {
            // Line by line on the bytes themselves: no string copies on the hot path of every metric.
            int n = 0;
            int start = 0;
            for (int i = 0; i <= data.length; i++) {
                if (i == data.length || data[i] == '\n') {
                    if (!blank(data, start, i)) {
                        line(data, start, i - start, where + " datapoint " + n++, sink);
                    }
                    start = i + 1;
                }
            }
            return;
        }
        readValues(data, where, 0, sink);
    }

    private void line(byte[] data, int offset, int length, String here, Sink sink) {
        JsonNode node;
        try {
            node = mapper.readTree(data, offset, length);
        } catch (IOException e) {
            String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            sink.error(new RecordError(here, "not JSON: " + message, new String(data, offset, length, StandardCharsets.UTF_8)));
            return;
        }
        try {
            datapoint(node, sink);
        } catch (InvalidDatapoint e) {
            sink.error(new RecordError(e.field.isEmpty() ? here : here + "." + e.field, e.getMessage(), node.toString()));
        }
    }

    private static boolean blank(byte[] data, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Character.isWhitespace(data[i])) {
                return false;
            }
        }
        return true;
    }

    /** One JSON document, or several concatenated; datapoints are numbered from {@code first}. */
    private void readValues(byte[] data, String where, int first, Sink sink) {
        int n = first;
        try (MappingIterator<JsonNode> values = mapper.readerFor(JsonNode.class).readValues(data)) {
            while (values.hasNextValue()) {
                JsonNode line = values.nextValue();
                String here = where + " datapoint " + n++;
                try {
                    datapoint(line, sink);
                } catch (InvalidDatapoint e) {
                    sink.error(new RecordError(e.field.isEmpty() ? here : here + "." + e.field, e.getMessage(), line.toString()));
                }
            }
        } catch (JsonProcessingException e) {
            sink.error(new RecordError(where + " datapoint " + n, "not JSON: " + e.getOriginalMessage(),
                    new String(data, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            sink.error(new RecordError(where, "cannot read: " + e.getMessage(), ""));
        }
    }

    private void datapoint(JsonNode d, Sink sink) throws InvalidDatapoint {
        if (!d.isObject()) {
            throw new InvalidDatapoint("", "expected a JSON object");
        }
        String account = text(d, "account_id");
        if (!ACCOUNT.matcher(account).matches()) {
            throw new InvalidDatapoint("account_id", "not an AWS account id (up to 12 digits): '" + account + "'");
        }
        String region = text(d, "region");
        if (!REGION.matcher(region).matches()) {
            throw new InvalidDatapoint("region", "not a region name: '" + region + "'");
        }
        String namespace = text(d, "namespace");
        String metric = text(d, "metric_name");
        JsonNode ts = d.get("timestamp");
        if (ts == null || !ts.canConvertToLong() || !ts.isIntegralNumber()) {
            throw new InvalidDatapoint("timestamp", ts == null ? "missing" : "expected epoch milliseconds, found " + ts);
        }
        Instant time = Instant.ofEpochMilli(ts.asLong());
        if (time.isBefore(EARLIEST) || time.isAfter(clock.instant().plus(MAX_AHEAD))) {
            // A datapoint from the future would hide silence and make idle time appear at once.
            throw new InvalidDatapoint("timestamp", "implausible time " + time + " (before 2006 or more than "
                    + MAX_AHEAD.toMinutes() + " min ahead of this clock)");
        }
        Map<String, String> dims = new LinkedHashMap<>();
        JsonNode dimensions = d.path("dimensions");
        if (!dimensions.isMissingNode() && !dimensions.isObject()) {
            throw new InvalidDatapoint("dimensions", "expected an object of name to value");
        }
        dimensions.fields().forEachRemaining(e -> dims.put(e.getKey(), e.getValue().asText()));
        JsonNode value = d.get("value");
        if (value == null || !value.isObject()) {
            throw new InvalidDatapoint("value", "missing the statistic set {min, max, sum, count}");
        }
        double[] stats = new double[4];
        List<String> names = List.of("min", "max", "sum", "count");
        for (int i = 0; i < 4; i++) {
            JsonNode v = value.get(names.get(i));
            if (v == null || !v.isNumber()) {
                throw new InvalidDatapoint("value." + names.get(i), v == null ? "missing" : "expected a number, found " + v);
            }
            stats[i] = v.asDouble();
        }
        java.util.Optional<MetricResource> named = MetricResource.of(dims);
        if (named.isEmpty()) {
            sink.skip("no-resource-dimension:" + namespace);
            return;
        }
        ResourceKind kind = named.get().kind();
        String nativeId = named.get().nativeId();
        sink.sample(new MetricSample(MetricSample.SCHEMA_VERSION, kind.arn(region, account, nativeId), kind, account,
                region, namespace, metric, dims, time, stats[0], stats[1], stats[2], stats[3],
                d.path("unit").asText(""), d.path("metric_stream_name").asText("")));
    }

    private static String text(JsonNode d, String field) throws InvalidDatapoint {
        JsonNode v = d.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidDatapoint(field, "missing");
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new InvalidDatapoint(field, "expected a non-empty string, found " + v);
        }
        return v.asText();
    }

    private static final class InvalidDatapoint extends Exception {
        final String field;

        InvalidDatapoint(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }
}
