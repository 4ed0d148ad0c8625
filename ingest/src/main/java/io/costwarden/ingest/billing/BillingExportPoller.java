package io.costwarden.ingest.billing;

import io.costwarden.ingest.DeadLetters;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.RecordError;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Billing exports delivered to S3: polls a prefix for manifests and imports the data files of each
 * manifest that is new or changed. AWS rewrites a billing period several times a day and restates it
 * after the month closes; each time the manifest changes, its files are imported again. Cost items have
 * ids that do not change with amounts, so a re-import replaces what it restates and never adds to it.
 *
 * <p>Manifests already imported are remembered by ETag for the life of the process; after a restart
 * every current manifest is imported once more, which the stable ids make harmless.
 */
public final class BillingExportPoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BillingExportPoller.class);

    public record Settings(String bucket, String prefix, Duration interval) {
        public Settings {
            if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("costwarden.ingest.billing-export.poll-interval must be at least 1s, was " + interval);
            }
        }
    }

    private final S3Client s3;
    private final BillingImport billing;
    private final KafkaPublisher publisher;
    private final Settings settings;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Map<String, String> imported = new HashMap<>();
    private volatile boolean running = true;

    public BillingExportPoller(S3Client s3, BillingImport billing, KafkaPublisher publisher, Settings settings,
            MeterRegistry meters, Clock clock) {
        this.s3 = s3;
        this.billing = billing;
        this.publisher = publisher;
        this.settings = settings;
        this.meters = meters;
        this.clock = clock;
    }

    public void run() {
        while (running) {
            try {
                pollOnce();
            } catch (RuntimeException e) {
                LOG.warn("polling s3://{}/{} for billing exports failed: {}", settings.bucket(), settings.prefix(), e.toString());
            }
            try {
                // The next look at the bucket: exports change a few times a day, a poll is a list call.
                TimeUnit.MILLISECONDS.sleep(settings.interval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One look at the prefix; returns how many manifests were imported. */
    public int pollOnce() {
        int done = 0;
        for (S3Object o : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(settings.bucket())
                .prefix(settings.prefix()).build()).contents()) {
            if (!ExportManifest.isManifest(o.key()) || o.eTag().equals(imported.get(o.key()))) {
                continue;
            }
            if (importManifest(o.key())) {
                imported.put(o.key(), o.eTag());
                done++;
            }
        }
        return done;
    }

    /** True when the manifest is done with: imported, or unusable and dead-lettered. */
    private boolean importManifest(String key) {
        String source = "s3://" + settings.bucket() + "/" + key;
        try {
            ExportManifest manifest = ExportManifest.parse(s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key))
                    .asByteArray(), settings.bucket());
            BillingExport.Accumulator run = billing.export().accumulator();
            for (String file : manifest.bucketsAndKeys()) {
                int slash = file.indexOf('/');
                byte[] data = s3.getObjectAsBytes(b -> b.bucket(file.substring(0, slash)).key(file.substring(slash + 1)))
                        .asByteArray();
                if (!run.add(data)) {
                    // A run with an unreadable file is incomplete: importing the rest would replace whole
                    // resource-hours with parts of them. Left for the next poll.
                    LOG.warn("{}: s3://{} unreadable ({}); the run is left for the next poll", source, file,
                            run.result().errors().get(run.result().errors().size() - 1).describe());
                    meters.counter("costwarden.billing.manifests", "outcome", "retry-later").increment();
                    return false;
                }
            }
            int items = billing.publish(source, run.result()).items();
            LOG.info("{}: billing period {} (run {}), {} files, {} cost items", source, manifest.billingPeriod(),
                    manifest.executionId(), manifest.bucketsAndKeys().size(), items);
            meters.counter("costwarden.billing.manifests", "outcome", "imported").increment();
            return true;
        } catch (ExportManifest.Invalid e) {
            try {
                publisher.batch().add(Topics.DLQ, source, DeadLetters.of(source, new RecordError("manifest", e.getMessage(), ""),
                        new byte[0], clock.instant())).commit();
            } catch (KafkaPublisher.NotDurable notDurable) {
                return false;
            }
            meters.counter("costwarden.billing.manifests", "outcome", "invalid").increment();
            return true;
        } catch (KafkaPublisher.NotDurable | RuntimeException e) {
            // Left for the next poll: nothing is marked imported until all of it is in Kafka.
            LOG.warn("{}: import failed, retrying at the next poll: {}", source, e.getMessage());
            meters.counter("costwarden.billing.manifests", "outcome", "retry-later").increment();
            return false;
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
