package io.costwarden.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.ParseResult;
import io.costwarden.ingest.RecordError;
import io.costwarden.ingest.cloudtrail.CloudTrailParser;
import io.costwarden.ingest.metrics.MetricStreamFormat;
import io.costwarden.ingest.metrics.MetricStreamJson;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.MetricSample;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Parse and normalise, against a bare Jackson {@code readTree} of the same bytes as the ceiling: each
 * benchmark handles 100 records (or lines) per invocation, so the score is records (lines) per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class IngestParseBenchmark {
    static final int N = 100;
    static final String[] RECORDS = {
            "panther__aws_ec2_launch_unusual_ec2_instances__Successful-Unusual-EC2.json",
            "event-cloud-trail-run-instance-creator-assumed.json",
            "panther__aws_ec2_stopinstances__CloudTrail-Instances-Were-Stopped.json",
            "panther__aws_modify_cloud_compute_infrastructure__Terminate-Instance-from-AssumedRole.json"};

    private final ObjectMapper mapper = new ObjectMapper();
    private CloudTrailParser cloudTrail;
    private MetricStreamJson metricStreams;
    byte[] logFile;
    byte[] metricLines;

    @Setup
    public void setup() throws IOException {
        cloudTrail = new CloudTrailParser(InstanceCatalog.bundled(), InputLimits.DEFAULT, Clock.systemUTC());
        metricStreams = new MetricStreamJson(InputLimits.DEFAULT);
        List<String> records = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            ObjectNode r = (ObjectNode) mapper.readTree(resource(RECORDS[i % RECORDS.length]));
            r.put("eventID", "bench-" + i);
            records.add(r.toString());
        }
        logFile = ("{\"Records\":[" + String.join(",", records) + "]}").getBytes(StandardCharsets.UTF_8);
        String line = mapper.readTree(resource("cwmetricstream_single_record.json")).toString();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < N; i++) {
            lines.append(line.replace("i-123456789012", "i-" + (100000000000L + i))).append('\n');
        }
        metricLines = lines.toString().getBytes(StandardCharsets.UTF_8);
        ParseResult check = cloudTrail.parse(logFile);
        if (check.records() != N || !check.errors().isEmpty() || !check.skipped().isEmpty()) {
            throw new IllegalStateException("benchmark input does not parse cleanly: " + check.errors());
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = IngestParseBenchmark.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public ParseResult cloudTrailParseAndNormalise() {
        return cloudTrail.parse(logFile);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public JsonNode cloudTrailReadTreeCeiling() throws IOException {
        return mapper.readTree(logFile);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void metricLinesParseAndNormalise(Blackhole bh) {
        metricStreams.read(metricLines, "records[0]", new MetricStreamFormat.Sink() {
            @Override
            public void sample(MetricSample s) {
                bh.consume(s);
            }

            @Override
            public void skip(String reason) {
                bh.consume(reason);
            }

            @Override
            public void error(RecordError e) {
                throw new IllegalStateException(e.describe());
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void metricLinesReadTreeCeiling(Blackhole bh) throws IOException {
        try (MappingIterator<JsonNode> it = mapper.readerFor(JsonNode.class).readValues(metricLines)) {
            while (it.hasNextValue()) {
                bh.consume(it.nextValue());
            }
        }
    }
}
