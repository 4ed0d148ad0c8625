package io.costwarden.ingest.billing;

import io.costwarden.ingest.DeadLetters;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.RecordError;
import io.costwarden.model.CostLineItem;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** A billing export to {@code costwarden.costs.v1}: every item durable, every broken line dead-lettered. */
public final class BillingImport {
    /** Bounds the acknowledgements held at once for a large export. */
    private static final int BATCH = 10_000;

    private final BillingExport export;
    private final KafkaPublisher publisher;
    private final MeterRegistry meters;
    private final Clock clock;

    /** What one file came to. */
    public record Report(String schema, int rows, int items, Map<String, Integer> skipped, int rejected, List<String> errors) {
    }

    public BillingImport(BillingExport export, KafkaPublisher publisher, MeterRegistry meters, Clock clock) {
        this.export = export;
        this.publisher = publisher;
        this.meters = meters;
        this.clock = clock;
    }

    /** The parser, for callers that sum several files of one run before publishing. */
    public BillingExport export() {
        return export;
    }

    public Report importFile(String source, byte[] input) throws KafkaPublisher.NotDurable {
        return publish(source, export.read(input));
    }

    /** Publishes what one file or one run of files came to. */
    public Report publish(String source, BillingExport.Result r) throws KafkaPublisher.NotDurable {
        List<CostLineItem> items = r.items();
        for (int from = 0; from < items.size(); from += BATCH) {
            KafkaPublisher.Batch batch = publisher.batch();
            items.subList(from, Math.min(items.size(), from + BATCH)).forEach(i -> batch.add(Topics.COSTS, i.resourceId(), i));
            batch.commit();
        }
        if (!r.errors().isEmpty()) {
            KafkaPublisher.Batch dead = publisher.batch();
            r.errors().forEach(e -> dead.add(Topics.DLQ, source, DeadLetters.of(source, e, new byte[0], clock.instant())));
            dead.commit();
            meters.counter("costwarden.dlq", "reason", "invalid-billing-line").increment(r.errors().size());
        }
        meters.counter("costwarden.costs.in", "schema", r.schema().isEmpty() ? "unknown" : r.schema()).increment(items.size());
        return new Report(r.schema(), r.rows(), items.size(), r.skipped(), r.errors().size(),
                r.errors().stream().limit(100).map(RecordError::describe).toList());
    }
}
