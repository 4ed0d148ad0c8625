package io.costwarden.ingest;

import io.costwarden.ingest.cloudtrail.CloudTrailParser;
import io.costwarden.model.DeadLetter;
import io.costwarden.model.ResourceEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Arrays;
import java.util.Base64;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CloudTrail input to Kafka: parse, publish the good events, dead-letter the bad records with their
 * reason, and report. Shared by the HTTP endpoints and the replay command so they behave the same.
 */
public final class CloudTrailIngest {
    /** Dead letters keep at most this much of the offending input. */
    public static final int DEAD_LETTER_RAW_LIMIT = 16 * 1024;

    private final CloudTrailParser parser;
    private final KafkaPublisher publisher;
    private final MeterRegistry meters;
    private final Clock clock;

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
                .map(e -> deadLetter(source, e, e.raw().isEmpty() ? binary(input) : e.raw()))
                .toList();
        publisher.publish(parsed.events(), deadLetters);
        Map<String, Integer> byVerb = new TreeMap<>();
        for (ResourceEvent e : parsed.events()) {
            byVerb.merge(e.verb().name(), 1, Integer::sum);
            count("costwarden.events.in", "source", "cloudtrail", "verb", e.verb().name());
        }
        parsed.skipped().forEach((reason, n) -> {
            String[] parts = reason.split(":", 2);
            Counter.builder("costwarden.events.skipped").tag("reason", parts[0])
                    .tag("event_name", parts.length > 1 ? parts[1] : "").register(meters).increment(n);
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

    /** Input that is not text (a broken gzip stream) is kept as base64 of its first bytes. */
    private static String binary(byte[] input) {
        int n = Math.min(input.length, DEAD_LETTER_RAW_LIMIT * 3 / 4);
        return "base64:" + Base64.getEncoder().encodeToString(Arrays.copyOf(input, n));
    }

    private DeadLetter deadLetter(String source, RecordError e, String raw) {
        boolean cut = raw.length() > DEAD_LETTER_RAW_LIMIT;
        return new DeadLetter(DeadLetter.SCHEMA_VERSION, source, e.location(), e.message(),
                cut ? raw.substring(0, DEAD_LETTER_RAW_LIMIT) : raw, raw.length(), cut, clock.instant());
    }
}
