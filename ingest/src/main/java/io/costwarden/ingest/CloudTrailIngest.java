package io.costwarden.ingest;

import io.costwarden.ingest.cloudtrail.CloudTrailParser;
import io.costwarden.model.DeadLetter;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CloudTrail input to Kafka: parse, publish the good events, dead-letter the bad records with their
 * reason, and report. Shared by the HTTP endpoints and the replay command so they behave the same.
 */
public final class CloudTrailIngest {
    private final CloudTrailParser parser;
    private final KafkaPublisher publisher;
    private final MeterRegistry meters;
    private final Clock clock;
    /** AWS has a few thousand API names; the ones seen skipped are far fewer, 200 is plenty. */
    private final LabelValues eventNames = new LabelValues(200);

    public CloudTrailIngest(CloudTrailParser parser, KafkaPublisher publisher, MeterRegistry meters, Clock clock) {
        this.parser = parser;
        this.publisher = publisher;
        this.meters = meters;
        this.clock = clock;
    }

    /**
     * @param source where the input came from, e.g. {@code http:/ingest/cloudtrail}; goes into dead letters
     * @throws KafkaPublisher.NotDurable when Kafka did not take everything; nothing may be acknowledged then
     */
    public IngestReport ingest(String source, byte[] input) throws KafkaPublisher.NotDurable {
        ParseResult parsed = parser.parse(input);
        List<DeadLetter> deadLetters = parsed.errors().stream()
                .map(e -> DeadLetters.of(source, e, input, clock.instant()))
                .toList();
        KafkaPublisher.Batch batch = publisher.batch();
        parsed.events().forEach(e -> batch.add(Topics.EVENTS, e.resourceId(), e));
        deadLetters.forEach(d -> batch.add(Topics.DLQ, d.source(), d));
        batch.commit();
        Map<String, Integer> byVerb = new TreeMap<>();
        for (ResourceEvent e : parsed.events()) {
            byVerb.merge(e.verb().name(), 1, Integer::sum);
            count("costwarden.events.in", "source", "cloudtrail", "verb", e.verb().name());
        }
        parsed.skipped().forEach((reason, n) -> {
            String[] parts = reason.split(":", 2);
            Counter.builder("costwarden.events.skipped").tag("reason", parts[0])
                    .tag("event_name", parts.length > 1 ? eventNames.of(parts[1]) : "").register(meters).increment(n);
        });
        if (!parsed.errors().isEmpty()) {
            Counter.builder("costwarden.dlq").tag("reason", "invalid-cloudtrail").register(meters)
                    .increment(parsed.errors().size());
        }
        return new IngestReport(parsed.records(), parsed.events().size(), byVerb, parsed.skipped(),
                parsed.errors().size(), parsed.errors().stream().map(RecordError::describe).toList());
    }

    private void count(String name, String... tags) {
        meters.counter(name, tags).increment();
    }

}
