package io.costwarden.ingest.metrics;

import io.costwarden.ingest.RecordError;
import io.costwarden.model.MetricSample;

/** One of the output formats a CloudWatch metric stream can write; a stream has exactly one. */
public interface MetricStreamFormat {
    /** Reads every datapoint in one Firehose record; {@code where} prefixes error locations, e.g. {@code records[2]}. */
    void read(byte[] data, String where, Sink sink);

    /** Where datapoints, skips and errors go; shared across the records of one delivery. */
    interface Sink {
        void sample(MetricSample s);

        void skip(String reason);

        void error(RecordError e);
    }
}
