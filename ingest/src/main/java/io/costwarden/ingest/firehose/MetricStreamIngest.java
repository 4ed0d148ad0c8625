package io.costwarden.ingest.firehose;

import io.costwarden.ingest.DeadLetters;
import io.costwarden.ingest.InputDecoder;
import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.RecordError;
import io.costwarden.ingest.metrics.CollectedDatapoints;
import io.costwarden.ingest.metrics.MetricStreamFormat;
import io.costwarden.ingest.metrics.MetricStreamJson;
import io.costwarden.model.MetricSample;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A Firehose delivery of CloudWatch Metric Streams (JSON output format) to Kafka. Returns only once
 * every sample and dead letter is durable, so the endpoint can answer 200 to Firehose truthfully.
 */
public final class MetricStreamIngest {
    public static final String SOURCE = "http:/ingest/firehose";

    private final InputLimits limits;
    private final MetricStreamFormat parser;
    private final KafkaPublisher publisher;
    private final MeterRegistry meters;
    private final Clock clock;

    /** What one delivery yielded. */
    public record Report(String requestId, int records, int samples, Map<String, Integer> skipped, List<String> errors) {
    }

    public MetricStreamIngest(InputLimits limits, KafkaPublisher publisher, MeterRegistry meters, Clock clock) {
        this(limits, new MetricStreamJson(limits, clock), publisher, meters, clock);
    }

    /** @param format the output format the metric stream is configured with: JSON or OpenTelemetry 1.0 */
    public MetricStreamIngest(InputLimits limits, MetricStreamFormat format, KafkaPublisher publisher, MeterRegistry meters,
            Clock clock) {
        this.limits = limits;
        this.parser = format;
        this.publisher = publisher;
        this.meters = meters;
        this.clock = clock;
    }

    /**
     * @throws FirehoseDelivery.Invalid when the body is not a delivery request (nothing is written then
     *                                  but its dead letter)
     */
    public Report ingest(byte[] body) throws FirehoseDelivery.Invalid, KafkaPublisher.NotDurable {
        FirehoseDelivery delivery;
        try {
            delivery = FirehoseDelivery.parse(InputDecoder.decode(body, limits), limits);
        } catch (FirehoseDelivery.Invalid | InputDecoder.UnreadableInput e) {
            publisher.batch().add(Topics.DLQ, SOURCE, DeadLetters.of(SOURCE, new RecordError("", e.getMessage(), ""),
                    body, clock.instant())).commit();
            meters.counter("costwarden.dlq", "reason", "invalid-firehose-request").increment();
            throw e instanceof FirehoseDelivery.Invalid i ? i : new FirehoseDelivery.Invalid(e.getMessage());
        }
        CollectedDatapoints got = new CollectedDatapoints();
        List<MetricSample> samples = got.samples;
        Map<String, Integer> skipped = got.skipped;
        List<RecordError> errors = got.errors;
        MetricStreamFormat.Sink sink = got;
        for (int i = 0; i < delivery.records().size(); i++) {
            parser.read(delivery.records().get(i), "records[" + i + "]", sink);
        }
        KafkaPublisher.Batch batch = publisher.batch();
        samples.forEach(s -> batch.add(Topics.METRICS, s.resourceId(), s));
        errors.forEach(e -> batch.add(Topics.DLQ, SOURCE, DeadLetters.of(SOURCE, e, body, clock.instant())));
        batch.commit();
        meters.counter("costwarden.metrics.in", "source", "firehose").increment(samples.size());
        skipped.forEach((reason, n) -> meters.counter("costwarden.metrics.skipped", "reason", reason.split(":", 2)[0])
                .increment(n));
        if (!errors.isEmpty()) {
            meters.counter("costwarden.dlq", "reason", "invalid-metric-datapoint").increment(errors.size());
        }
        return new Report(delivery.requestId(), delivery.records().size(), samples.size(), skipped,
                errors.stream().map(RecordError::describe).toList());
    }
}
