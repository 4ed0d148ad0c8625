package io.costwarden.app;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** Every {@code costwarden.*} setting, with its default. docs/configuration.md lists each one. */
@ConfigMapping(prefix = "costwarden")
public interface CostwardenConfig {

    /** Which roles this process runs: any of ingest, streams, actions; or none (command-line tools). */
    @WithDefault("ingest,streams,actions")
    List<String> roles();

    /** Where local state lives: the embedded broker's log, Kafka Streams state. */
    @WithDefault(".costwarden")
    Path dataDir();

    Topics topics();

    EmbeddedKafka embeddedKafka();

    Streams streams();

    Actions actions();

    Ingest ingest();

    Policies policies();

    Api api();

    Spend spend();

    Catalog catalog();

    interface Topics {
        /** Partitions of each topic Costwarden creates; the ceiling on streams and actions parallelism. */
        @WithDefault("3")
        int partitions();

        /** Replication factor of created topics and of Kafka Streams' internal topics; unset means the broker default. */
        OptionalInt replicationFactor();

        /** Create missing topics at start-up (needs the CreateTopics permission on the cluster). */
        @WithDefault("true")
        boolean create();
    }

    interface EmbeddedKafka {
        /** Start a broker in this process when no kafka.bootstrap.servers is set and no local one runs. */
        @WithDefault("true")
        boolean enabled();

        /** Port of the embedded broker when no kafka.bootstrap.servers is set; 0 picks a free one. */
        @WithDefault("0")
        int port();
    }

    interface Streams {
        @WithDefault("costwarden-streams")
        String applicationId();

        @WithDefault("1")
        int threads();

        /** host:port other instances reach this one's API at, for interactive queries; unset for one instance. */
        Optional<String> advertisedAddress();

        /** Passed to Kafka Streams as is, e.g. costwarden.streams.config."num.standby.replicas"=1. */
        Map<String, String> config();
    }

    interface Actions {
        @WithDefault("costwarden-actions")
        String applicationId();

        /** Never send an AWS request, whatever a policy's mode says. The demo always sets this. */
        @WithDefault("false")
        boolean forceDryRun();

        /** Send AWS calls to this endpoint instead of AWS's (VPC endpoint, proxy, test server). */
        Optional<URI> awsEndpointOverride();

        /**
         * The kill switch in configuration: true blocks every enforced action of this instance (recorded as
         * skipped, ActionsPaused). The cluster-wide switch is POST /api/actions/pause.
         */
        @WithDefault("false")
        boolean paused();

        /** Accounts whose resources may be acted on; unset: every account. */
        Optional<java.util.List<String>> allowedAccounts();

        Limits limits();

        /** Blast-radius limits on enforced actions, counted over the whole deployment. */
        interface Limits {
            /** At most this many enforced actions per policy in any window. */
            @WithDefault("10")
            int perPolicy();

            /** At most this many enforced actions in all in any window. */
            @WithDefault("50")
            int global();

            @WithDefault("PT1H")
            Duration window();
        }
    }

    interface Ingest {
        /** A gzipped body may inflate to at most this many bytes. */
        @WithDefault("67108864")
        long maxDecompressedBytes();

        /** JSON nested deeper than this is refused. */
        @WithDefault("64")
        int maxNestingDepth();

        /** How long to wait for Kafka to acknowledge a batch before answering 503. */
        @WithDefault("PT30S")
        Duration ackTimeout();

        /**
         * The access key a Firehose HTTP endpoint destination sends in X-Amz-Firehose-Access-Key. Unset,
         * /ingest/firehose accepts any request (fine on loopback; set it everywhere else).
         */
        Optional<String> firehoseAccessKey();

        /** The output format of the metric stream feeding /ingest/firehose: {@code json} or {@code opentelemetry1.0}. */
        @WithDefault("json")
        String metricStreamFormat();

        CloudTrailQueue cloudtrailQueue();

        BillingExport billingExport();

        /**
         * The API key an EventBridge connection (authorization type API_KEY) sends, required on
         * /ingest/events and /ingest/cloudtrail when set. Unset, and no basic-auth either, they are open.
         */
        Optional<String> apiKey();

        /** The header that carries {@code api-key}. */
        @WithDefault("x-api-key")
        String apiKeyHeader();

        /** {@code user:password} for an EventBridge connection of authorization type BASIC. */
        Optional<String> basicAuth();
    }

    /** CloudTrail log files announced on SQS (S3 notifications, SNS, EventBridge or CloudTrail's own). */
    interface CloudTrailQueue {
        /** The queue URL; unset, no queue is polled. */
        Optional<String> url();

        /** Region of the queue and the bucket; unset, read from the queue URL. */
        Optional<String> region();

        /** Send SQS calls here instead of AWS (VPC endpoint, test server). */
        Optional<java.net.URI> sqsEndpoint();

        /** Send S3 calls here instead of AWS, path-style (VPC endpoint, S3-compatible server). */
        Optional<java.net.URI> s3Endpoint();

        /** How long a received message stays hidden; extended every half of it while its files are read. */
        @WithDefault("PT5M")
        Duration visibilityTimeout();

        /** SQS long-poll wait. */
        @WithDefault("PT20S")
        Duration waitTime();

        /** Receives after which a failing message is dead-lettered and deleted. */
        @WithDefault("5")
        int maxReceives();
    }

    /** Billing exports (CUR 2.0, FOCUS, legacy CUR) delivered to S3, found by their manifests. */
    interface BillingExport {
        /** The export's bucket; unset, no bucket is polled. */
        Optional<String> bucket();

        /** The export's S3 prefix (everything under it is searched for manifests); unset, the whole bucket. */
        Optional<String> prefix();

        /** Region of the bucket. */
        @WithDefault("us-east-1")
        String region();

        /** Send S3 calls here instead of AWS, path-style (VPC endpoint, S3-compatible server). */
        Optional<java.net.URI> s3Endpoint();

        /** How often the prefix is listed for new or changed manifests. */
        @WithDefault("PT15M")
        Duration pollInterval();

        /** One export file may inflate to at most this many bytes (it is read into memory whole). */
        @WithDefault("1073741824")
        long maxFileBytes();
    }

    interface Policies {
        /** The policy file; unset means the bundled default policies. */
        Optional<Path> file();

        /** How often the policy file is looked at for changes (which take effect without a restart). */
        @WithDefault("PT5S")
        Duration reloadInterval();

        /**
         * Where policies come from: {@code file} (each instance reads its own file, or the bundled defaults)
         * or {@code topic} (every instance follows the compacted costwarden.policies.v1; an instance with
         * a file publishes each valid version of it there).
         */
        @WithDefault("file")
        String distribution();

        /** In topic mode, how long start-up may take to read the policy topic to its end. */
        @WithDefault("PT30S")
        Duration topicStartTimeout();
    }

    interface Api {
        /** The findings and action results each instance keeps in memory for the API; oldest go first. */
        @WithDefault("10000")
        int recentLimit();

        /**
         * The key the operator endpoints (POST /api/actions/pause and resume) require in the x-api-key
         * header; unset, those endpoints answer 403.
         */
        Optional<String> adminKey();
    }

    interface Spend {
        /**
         * Dimensions the live spend rate is aggregated by: tag keys, or {@code account}. Every group-by a
         * spend policy names is aggregated as well.
         */
        @WithDefault("team,owner,project,account")
        List<String> groupBy();
    }

    interface Catalog {
        /**
         * An instance catalog file (as costwarden refresh-prices writes it) laid over the bundled catalog:
         * its rows replace the bundled rows of the same type and region. Unset, the bundled catalog alone.
         */
        Optional<Path> file();
    }
}
