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

    /** Which roles this process runs: any of ingest, streams, actions, alerts; or none (command-line tools). */
    @WithDefault("ingest,streams,actions,alerts")
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

    Alerts alerts();

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

        /**
         * The form the idle detector's store writes: binary, or json while rolling an upgrade from a version
         * that reads only JSON (docs/operations.md). Both are always read.
         */
        @WithDefault("binary")
        io.costwarden.streams.idle.IdleStateSerde.Format idleStateFormat();
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

        AssumeRole assumeRole();

        /**
         * How long one action may take in all: its reads, changes and waits (an EC2 type change stops, waits,
         * modifies, starts and waits). The role's transaction timeout and poll interval are sized from it, so
         * it must stay below the broker's transaction.max.timeout.ms (15 min by default) minus 30 seconds; and
         * it bounds how long a killed actions instance's open transaction can hold up the one taking over.
         */
        @WithDefault("PT10M")
        Duration timeout();

        /** How often a waiter asks AWS whether a resource reached the state it waits for (EC2's own default). */
        @WithDefault("PT15S")
        Duration waiterPoll();

        /**
         * Cross-account access: in every account other than the one Costwarden's own credentials belong to,
         * calls are signed with credentials from STS AssumeRole of arn:aws:iam::ACCOUNT:role/NAME.
         */
        interface AssumeRole {
            /** The role's name, the same in every account; unset: the own credentials are used for every account. */
            Optional<String> name();

            /** The external id the role's trust policy requires; unset: none is sent. Used only with a name. */
            Optional<String> externalId();
        }

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
         * The key the operator endpoints (POST /api/actions/pause, resume, undo) accept in the x-api-key
         * header, as an operator; unset, only operator tokens open them.
         */
        Optional<String> adminKey();

        Auth auth();

        /** The live stream (GET /api/stream). */
        Stream stream();

        /** Spend rate per group exported as a metric for this many groups, the highest first. */
        @WithDefault("10")
        int metricsTopGroups();

        /**
         * Who may read the API and the dashboard, and who may operate. Ingest endpoints keep their own
         * credentials (costwarden.ingest.*) and are not affected.
         */
        interface Auth {
            /**
             * {@code auto}: tokens are required unless the HTTP server listens on a loopback address only
             * (quarkus.http.host 127.0.0.1, ::1 or localhost, as the laptop demo does); {@code required}: always.
             */
            @WithDefault("auto")
            String mode();

            /**
             * Bearer tokens by name: {@code costwarden.api.auth.tokens.<name>.secret} and {@code .role}
             * ({@code viewer} reads; {@code operator} also pauses, resumes and undoes). The name is recorded
             * as who undid an action.
             */
            Map<String, Token> tokens();

            /**
             * The token instances send each other for interactive queries (a viewer named {@code internal}).
             * Needed when tokens are required and several streams instances advertise addresses.
             */
            Optional<String> internalToken();

            /** Whether /q/metrics stays open to scrapers without a token (it carries no resource ids). */
            @WithDefault("true")
            boolean metricsOpen();

            interface Token {
                String secret();

                @WithDefault("viewer")
                String role();
            }
        }

        interface Stream {
            /** Events kept for clients that reconnect with Last-Event-ID; older ones mean a full reload. */
            @WithDefault("5000")
            int replayBuffer();

            /** Events one client may have unsent before it is disconnected (it reconnects and catches up). */
            @WithDefault("500")
            int clientQueue();

            /** How often the stream sends the spend rate per group. */
            @WithDefault("PT10S")
            Duration spendTick();

            /** How much spend history the dashboard chart gets (at one point per tick). */
            @WithDefault("PT6H")
            Duration spendHistory();
        }
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

    /** Alert webhooks (docs/webhooks.md): Slack, PagerDuty and signed JSON, run by the alerts role. */
    interface Alerts {
        /** Consumer group of the alerts role; offsets are committed after delivery. */
        @WithDefault("costwarden-alerts")
        String groupId();

        /** The channels, by the name policies use in {@code notify}. None configured: the role sends nothing. */
        Map<String, Channel> channels();

        /** The channel that hears alerts no policy channel and no owner route claims; unset, such alerts go nowhere. */
        Optional<String> defaultChannel();

        /**
         * Tag keys naming a resource's owner: the first present is shown in messages; their values, in this
         * order, are looked up in owner-routes (or read as a Slack #channel or @user), the first that routes wins.
         */
        @WithDefault("owner,costwarden:notify")
        List<String> ownerTags();

        /** Owner tag value (or a group finding's group, e.g. team=ml-research) to the channel that hears it. */
        Map<String, String> ownerRoutes();

        /** A Slack channel through which owner tag values {@code #channel} and {@code @user} are sent there. */
        Optional<String> ownerSlack();

        /** Where people reach the API, for links in messages. */
        @WithDefault("http://127.0.0.1:8080")
        URI apiBaseUrl();

        /** Attempts per message, the first included; then the message is dead-lettered. */
        @WithDefault("5")
        int maxAttempts();

        /** Wait before the first retry; doubled for each next one, jittered. */
        @WithDefault("PT1S")
        Duration initialBackoff();

        /** The longest wait between attempts; a Retry-After asking for more dead-letters the message instead. */
        @WithDefault("PT30S")
        Duration maxBackoff();

        /** One attempt's limit. */
        @WithDefault("PT10S")
        Duration requestTimeout();

        /** How long a channel that used up its attempts is not tried (its messages are dead-lettered). */
        @WithDefault("PT1M")
        Duration downPause();

        /** How long an action result waits for its finding to be read before it is sent with what it knows. */
        @WithDefault("PT30S")
        Duration resultWait();

        /** Alerts about state changes older than this are not sent (catching up after an outage, a first start). */
        @WithDefault("PT1H")
        Duration maxAge();
    }

    interface Channel {
        /** {@code slack}, {@code pagerduty} or {@code webhook}. */
        String type();

        /** The Slack incoming webhook URL, or the webhook receiver's; for PagerDuty, unset means https://events.pagerduty.com/v2/enqueue. */
        Optional<URI> url();

        /** The webhook's HMAC-SHA256 secret (at least 16 characters). */
        Optional<String> secret();

        /** The PagerDuty Events API v2 integration key. */
        Optional<String> routingKey();

        /** Messages a minute this channel may send on average. */
        @WithDefault("20")
        int ratePerMinute();

        /** Messages it may send at once. */
        @WithDefault("10")
        int burst();

        /** Alert kinds it hears; unset, every kind its type sends. */
        Optional<List<String>> events();
    }
}
