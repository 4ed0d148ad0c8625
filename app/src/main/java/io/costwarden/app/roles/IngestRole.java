package io.costwarden.app.roles;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.ingest.CloudTrailIngest;
import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.cloudtrail.CloudTrailParser;
import io.costwarden.ingest.billing.BillingExport;
import io.costwarden.ingest.billing.BillingExportPoller;
import io.costwarden.ingest.billing.BillingImport;
import io.costwarden.ingest.firehose.MetricStreamIngest;
import io.costwarden.ingest.metrics.MetricStreamFormat;
import io.costwarden.ingest.metrics.MetricStreamJson;
import io.costwarden.ingest.metrics.MetricStreamOtel;
import io.costwarden.ingest.s3sqs.CloudTrailQueuePoller;
import io.quarkus.runtime.StartupEvent;
import org.jboss.logging.Logger;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import io.costwarden.model.InstanceCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.Map;

/**
 * The ingest role: AWS input to Kafka. The HTTP endpoints serve only where the role is on; the
 * command line ({@code replay}) uses the same pipeline so both behave alike.
 */
@ApplicationScoped
public class IngestRole {
    private static final Logger LOG = Logger.getLogger(IngestRole.class);
    private final CostwardenConfig config;
    private final KafkaCluster kafka;
    private final MeterRegistry meters;
    private KafkaPublisher publisher;
    private CloudTrailIngest cloudTrail;
    private MetricStreamIngest metricStreams;
    private CloudTrailQueuePoller poller;
    private BillingExportPoller billingPoller;
    private Thread billingThread;
    private S3Client billingS3;
    private Thread pollerThread;
    private boolean stopped;
    private SqsClient sqs;
    private S3Client s3;

    public IngestRole(CostwardenConfig config, KafkaCluster kafka, MeterRegistry meters) {
        this.config = config;
        this.kafka = kafka;
        this.meters = meters;
    }

    public boolean enabled() {
        return Role.parse(config.roles()).contains(Role.INGEST);
    }

    public synchronized CloudTrailIngest cloudTrail() {
        if (cloudTrail == null) {
            cloudTrail = new CloudTrailIngest(new CloudTrailParser(InstanceCatalog.bundled(), limits(), Clock.systemUTC()),
                    publisher(), meters, Clock.systemUTC());
        }
        return cloudTrail;
    }

    /** Billing exports are files of up to gigabytes, not request bodies: their own size limit. */
    public synchronized BillingImport billing() {
        InputLimits limits = new InputLimits(config.ingest().billingExport().maxFileBytes(), config.ingest().maxNestingDepth());
        return new BillingImport(new BillingExport(limits), publisher(), meters, Clock.systemUTC());
    }

    public synchronized MetricStreamIngest metricStreams() {
        if (metricStreams == null) {
            MetricStreamFormat format = switch (config.ingest().metricStreamFormat()) {
                case "json" -> new MetricStreamJson(limits(), Clock.systemUTC());
                case "opentelemetry1.0" -> new MetricStreamOtel(Clock.systemUTC());
                default -> throw new IllegalStateException("costwarden.ingest.metric-stream-format: unknown format '"
                        + config.ingest().metricStreamFormat() + "'; json or opentelemetry1.0 (as the metric stream's OutputFormat)");
            };
            metricStreams = new MetricStreamIngest(limits(), format, publisher(), meters, Clock.systemUTC());
        }
        return metricStreams;
    }

    private InputLimits limits() {
        return new InputLimits(config.ingest().maxDecompressedBytes(), config.ingest().maxNestingDepth());
    }

    private KafkaPublisher publisher() {
        if (stopped) {
            throw new IllegalStateException("shutting down: ingest takes no more input");
        }
        if (publisher == null) {
            publisher = new KafkaPublisher(kafka.bootstrapServers(), Map.copyOf(kafka.clientSettings()),
                    config.ingest().ackTimeout());
        }
        return publisher;
    }

    /** Starts polling the billing export bucket when this instance runs the ingest role and one is configured. */
    void startBilling(@Observes @Priority(121) StartupEvent event) {
        CostwardenConfig.BillingExport b = config.ingest().billingExport();
        if (!enabled() || b.bucket().isEmpty()) {
            return;
        }
        var builder = S3Client.builder().region(Region.of(b.region())).httpClientBuilder(UrlConnectionHttpClient.builder());
        b.s3Endpoint().ifPresent(e -> builder.endpointOverride(e).forcePathStyle(true));
        synchronized (this) {
            billingS3 = builder.build();
            billingPoller = new BillingExportPoller(billingS3, billing(), publisher(),
                    new BillingExportPoller.Settings(b.bucket().get(), b.prefix().orElse(""), b.pollInterval()), meters, Clock.systemUTC());
        }
        billingThread = new Thread(billingPoller::run, "costwarden-billing-exports");
        billingThread.setDaemon(true);
        billingThread.start();
        LOG.infof("polling s3://%s/%s for billing export manifests every %s", b.bucket().get(), b.prefix().orElse(""), b.pollInterval());
    }

    /** Starts polling the CloudTrail queue when this instance runs the ingest role and a queue is configured. */
    void start(@Observes @Priority(120) StartupEvent event) {
        CostwardenConfig.CloudTrailQueue q = config.ingest().cloudtrailQueue();
        if (!enabled() || q.url().isEmpty()) {
            return;
        }
        String url = q.url().get();
        Region region = Region.of(q.region().orElseGet(() -> regionOf(url)));
        var sqsBuilder = SqsClient.builder().region(region).httpClientBuilder(UrlConnectionHttpClient.builder());
        var s3Builder = S3Client.builder().region(region).httpClientBuilder(UrlConnectionHttpClient.builder());
        q.sqsEndpoint().ifPresent(sqsBuilder::endpointOverride);
        q.s3Endpoint().ifPresent(e -> s3Builder.endpointOverride(e).forcePathStyle(true));
        synchronized (this) {
            sqs = sqsBuilder.build();
            s3 = s3Builder.build();
            poller = new CloudTrailQueuePoller(sqs, s3, cloudTrail(), publisher(), new CloudTrailQueuePoller.Settings(url,
                    q.visibilityTimeout(), q.waitTime(), q.maxReceives()), meters, Clock.systemUTC());
        }
        pollerThread = new Thread(poller::run, "costwarden-cloudtrail-queue");
        pollerThread.setDaemon(true);
        pollerThread.start();
        LOG.infof("polling %s for CloudTrail log files", url);
    }

    /** {@code https://sqs.us-east-1.amazonaws.com/123456789012/name} is in us-east-1. */
    static String regionOf(String queueUrl) {
        String host = java.net.URI.create(queueUrl).getHost();
        String[] parts = host == null ? new String[0] : host.split("\\.");
        if (parts.length >= 3 && parts[0].equals("sqs")) {
            return parts[1];
        }
        throw new IllegalStateException("costwarden.ingest.cloudtrail-queue.region is needed: no region in " + queueUrl);
    }

    void stop(@Observes @Priority(10) ShutdownEvent event) {
        Thread t;
        synchronized (this) {
            stopped = true;
            t = pollerThread;
            if (poller != null) {
                poller.close();
            }
            if (billingPoller != null) {
                billingPoller.close();
                billingThread.interrupt();
            }
        }
        if (t != null) {
            // Let the message in hand finish (bounded by a long poll and one file), then close its clients.
            try {
                t.join(config.ingest().cloudtrailQueue().waitTime().toMillis() + 30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeClients();
    }

    private synchronized void closeClients() {
        if (billingPoller != null) {
            try {
                billingThread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            billingS3.close();
            billingPoller = null;
        }
        if (poller != null) {
            sqs.close();
            s3.close();
            poller = null;
        }
        if (publisher != null) {
            publisher.close();
            publisher = null;
            cloudTrail = null;
            metricStreams = null;
        }
    }
}
