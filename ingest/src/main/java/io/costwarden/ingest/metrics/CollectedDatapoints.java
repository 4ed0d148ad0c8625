package io.costwarden.ingest.metrics;

import io.costwarden.ingest.RecordError;
import io.costwarden.model.MetricSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A sink that keeps everything a parse produced, for one delivery. */
public final class CollectedDatapoints implements MetricStreamFormat.Sink {
    public final List<MetricSample> samples = new ArrayList<>();
    public final Map<String, Integer> skipped = new TreeMap<>();
    public final List<RecordError> errors = new ArrayList<>();

    @Override
    public void sample(MetricSample s) {
        samples.add(s);
    }

    @Override
    public void skip(String reason) {
        skipped.merge(reason, 1, Integer::sum);
    }

    @Override
    public void error(RecordError e) {
        errors.add(e);
    }
}
