package io.costwarden.ingest.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.ParseResult;
import io.costwarden.ingest.RecordError;
import io.costwarden.ingest.cloudtrail.CloudTrailParser;
import io.costwarden.ingest.metrics.CollectedDatapoints;
import io.costwarden.ingest.metrics.MetricStreamJson;
import io.costwarden.ingest.metrics.MetricStreamJsonTest;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.MetricSample;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-input corpus ({@code hostile/corpus.tsv}: 58 inputs, generated from a real record by
 * breaking it one way each) through both parsers. Every input must get a precise error and leave the
 * good records around it intact; none may throw.
 */
class HostileInputTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T00:00:00Z"), ZoneOffset.UTC);

    record Case(String file, int goodRecords, String expectedError) {
        byte[] bytes() {
            try (InputStream in = HostileInputTest.class.getResourceAsStream("/hostile/" + file)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String toString() {
            return file;
        }
    }

    public static List<Case> corpus() {
        try (InputStream in = HostileInputTest.class.getResourceAsStream("/hostile/corpus.tsv")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("#") && !l.isBlank())
                    .map(l -> l.split("\t", -1))
                    .map(f -> new Case(f[0], Integer.parseInt(f[1]), f[2]))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Case> cases() {
        return corpus().stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void cloudTrailGetsAPreciseErrorAndKeepsTheGoodRecords(Case c) {
        ParseResult r = new CloudTrailParser(InstanceCatalog.bundled(), InputLimits.DEFAULT, CLOCK).parse(c.bytes());
        assertThat(r.errors()).as(c.file()).isNotEmpty();
        assertThat(r.errors()).allSatisfy(e -> assertThat(e.message()).isNotBlank());
        if (!c.expectedError().isEmpty()) {
            assertThat(r.errors()).extracting(RecordError::describe).anySatisfy(d -> assertThat(d).contains(c.expectedError()));
        }
        assertThat(r.events()).as("good records around the bad one").hasSize(c.goodRecords());
        assertThat(r.errors()).allSatisfy(e -> assertThat(e.raw().length()).isLessThanOrEqualTo(16 * 1024));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void asMetricStreamDataItIsAnErrorBetweenGoodDatapoints(Case c) {
        String good = MetricStreamJsonTest.sample("cwmetricstream_single_record.json");
        CollectedDatapoints sink = new CollectedDatapoints();
        List<MetricSample> samples = sink.samples;
        List<RecordError> errors = sink.errors;
        MetricStreamJson parser = new MetricStreamJson(InputLimits.DEFAULT);
        parser.read(c.bytes(), "records[1]", sink);
        assertThat(errors).as(c.file()).isNotEmpty();
        parser.read((good + "\n").getBytes(StandardCharsets.UTF_8), "records[0]", sink);
        parser.read((good + "\n").getBytes(StandardCharsets.UTF_8), "records[2]", sink);
        assertThat(samples).as("the records before and after are kept").hasSize(2);
    }
}
