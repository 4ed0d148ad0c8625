package io.costwarden.ingest.s3sqs;

import io.costwarden.ingest.CloudTrailIngest;
import io.costwarden.ingest.DeadLetters;
import io.costwarden.ingest.IngestReport;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.RecordError;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

/**
 * CloudTrail log files from S3, announced on an SQS queue. A message is deleted only after every
 * record of every log file it names is acknowledged by Kafka; until then its visibility is extended, so
 * a large file is not handed to another poller halfway. A message that keeps failing is dead-lettered
 * with the reason after {@code maxReceives} receives and then deleted, so one poison message cannot
 * block the queue. Digest files and other objects are skipped.
 */
public final class CloudTrailQueuePoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CloudTrailQueuePoller.class);

    /**
     * @param visibilityTimeout how long a received message stays hidden; extended every half of it while in progress
     * @param maxReceives       receives after which a failing message is dead-lettered and deleted
     */
    public record Settings(String queueUrl, Duration visibilityTimeout, Duration waitTime, int maxReceives) {
    }

    /** What one message came to. */
    public enum Outcome { DELETED, RETRY_LATER, DEAD_LETTERED }

    private final SqsClient sqs;
    private final S3Client s3;
    private final CloudTrailIngest ingest;
    private final KafkaPublisher publisher;
    private final Settings settings;
    private final MeterRegistry meters;
    private final Clock clock;
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "costwarden-sqs-visibility");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean running = true;

    public CloudTrailQueuePoller(SqsClient sqs, S3Client s3, CloudTrailIngest ingest, KafkaPublisher publisher,
            Settings settings, MeterRegistry meters, Clock clock) {
        this.sqs = sqs;
        this.s3 = s3;
        this.ingest = ingest;
        this.publisher = publisher;
        this.settings = settings;
        this.meters = meters;
        this.clock = clock;
    }

    /** Polls until {@link #close()}; a failing receive is logged and retried after a pause, never fatal. */
    public void run() {
        while (running) {
            try {
                pollOnce();
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("polling {} failed: {}; retrying in 5 s", settings.queueUrl(), e.toString());
                pause(Duration.ofSeconds(5));
            }
        }
    }

    /** One receive (long-polling up to the wait time) and every message it returned. */
    public List<Outcome> pollOnce() {
        List<Message> messages = sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(settings.queueUrl())
                .maxNumberOfMessages(10).waitTimeSeconds((int) settings.waitTime().toSeconds())
                .visibilityTimeout((int) settings.visibilityTimeout().toSeconds())
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT).build()).messages();
        // Every message of the batch stays hidden until it is handled, not only the one in hand.
        List<ScheduledFuture<?>> keepHidden = messages.stream().<ScheduledFuture<?>>map(m -> heartbeats.scheduleAtFixedRate(
                () -> extend(m), settings.visibilityTimeout().toMillis() / 2, settings.visibilityTimeout().toMillis() / 2,
                TimeUnit.MILLISECONDS)).toList();
        List<Outcome> outcomes = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < messages.size(); i++) {
                outcomes.add(handle(messages.get(i)));
                keepHidden.get(i).cancel(false);
            }
        } finally {
            keepHidden.forEach(h -> h.cancel(false));
        }
        return outcomes;
    }

    Outcome handle(Message m) {
        Outcome outcome = ingestAll(m);
        if (outcome == Outcome.DELETED) {
            delete(m, Outcome.DELETED);
        }
        return outcome;
    }

    /** DELETED means every file is in Kafka and the message may go; the caller deletes it. */
    private Outcome ingestAll(Message m) {
        try {
            List<ObjectRef> objects = QueueMessage.objects(m.body());
            for (ObjectRef o : objects) {
                if (!o.isCloudTrailLogFile()) {
                    meters.counter("costwarden.s3.objects", "outcome", "skipped").increment();
                    continue;
                }
                byte[] bytes = s3.getObjectAsBytes(GetObjectRequest.builder().bucket(o.bucket()).key(o.key()).build())
                        .asByteArray();
                IngestReport report = ingest.ingest(o.toString(), bytes);
                meters.counter("costwarden.s3.objects", "outcome", "ingested").increment();
                LOG.debug("{}: {} events, {} rejected", o, report.accepted(), report.rejected());
            }
            return Outcome.DELETED;
        } catch (QueueMessage.Invalid e) {
            // Retrying cannot fix a message we cannot read.
            return deadLetter(m, "unreadable queue message: " + e.getMessage());
        } catch (KafkaPublisher.NotDurable | RuntimeException e) {
            int receives = receiveCount(m);
            if (receives >= settings.maxReceives()) {
                return deadLetter(m, "failed " + receives + " times, last: " + e.getMessage());
            }
            LOG.warn("message {} failed (receive {} of {}), left for redelivery: {}", m.messageId(), receives,
                    settings.maxReceives(), e.toString());
            meters.counter("costwarden.sqs.messages", "outcome", "retry-later").increment();
            return Outcome.RETRY_LATER;
        }
    }

    private Outcome deadLetter(Message m, String reason) {
        try {
            publisher.batch().add(Topics.DLQ, "sqs:" + settings.queueUrl(), DeadLetters.of("sqs:" + settings.queueUrl(),
                    new RecordError("message " + m.messageId(), reason, m.body()), m.body().getBytes(StandardCharsets.UTF_8),
                    clock.instant())).commit();
        } catch (KafkaPublisher.NotDurable e) {
            LOG.warn("message {} could not be dead-lettered, left for redelivery: {}", m.messageId(), e.getMessage());
            meters.counter("costwarden.sqs.messages", "outcome", "retry-later").increment();
            return Outcome.RETRY_LATER;
        }
        meters.counter("costwarden.dlq", "reason", "sqs-message").increment();
        delete(m, Outcome.DEAD_LETTERED);
        return Outcome.DEAD_LETTERED;
    }

    /**
     * A failed delete is only logged: the message comes back and its files are ingested again, which the
     * streams role drops as redeliveries (same event ids).
     */
    private void delete(Message m, Outcome outcome) {
        try {
            sqs.deleteMessage(b -> b.queueUrl(settings.queueUrl()).receiptHandle(m.receiptHandle()));
            meters.counter("costwarden.sqs.messages", "outcome", outcome.name().toLowerCase().replace('_', '-')).increment();
        } catch (SdkException e) {
            LOG.warn("cannot delete message {} ({}); it will be redelivered: {}", m.messageId(), outcome, e.getMessage());
        }
    }

    private void extend(Message m) {
        try {
            sqs.changeMessageVisibility(b -> b.queueUrl(settings.queueUrl()).receiptHandle(m.receiptHandle())
                    .visibilityTimeout((int) settings.visibilityTimeout().toSeconds()));
        } catch (SdkException e) {
            LOG.warn("cannot extend the visibility of message {}: {}", m.messageId(), e.getMessage());
        }
    }

    private static int receiveCount(Message m) {
        String n = m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
        try {
            return n == null ? 1 : Integer.parseInt(n);
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private void pause(Duration d) {
        try {
            // A plain back-off between failed receives; nothing to wait on but time.
            TimeUnit.MILLISECONDS.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops polling; the message in hand is finished or left to reappear, then the heartbeats stop. */
    @Override
    public void close() {
        running = false;
        heartbeats.shutdown();
    }
}
