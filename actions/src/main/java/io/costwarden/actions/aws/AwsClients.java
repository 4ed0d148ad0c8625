package io.costwarden.actions.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityRequest;

/**
 * SDK clients, built once per service, account, region and mode and then reused.
 *
 * <p>Live clients sign with the default credential chain in Costwarden's own account. In any other
 * account, when a role is configured, they sign with credentials from STS AssumeRole of
 * {@code arn:<partition>:iam::<account>:role/<name>} with the external id, kept and refreshed by the SDK
 * before they expire. Costwarden's own account is the one GetCallerIdentity reports for the default
 * credentials, asked once, only when a role is configured. Without a role every account gets the
 * default credentials.
 *
 * <p>Every live client retries with the SDK's standard strategy ({@link Retries}): throttling errors,
 * 5xx and transient network errors, with exponential backoff and full jitter; any other 4xx
 * (IncorrectInstanceState, UnauthorizedOperation, ValidationException, ...) is not retried. Dry-run
 * clients carry no credentials, never retry and never send (see {@link WireCapture}).
 */
public final class AwsClients implements AutoCloseable {
    /** The longest one AWS call may take, retries included; an action's calls also share one deadline. */
    public static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(20);
    /** One attempt: a hung connection is given up and retried within the call's timeout. */
    static final Duration API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(8);
    /**
     * An STS call, retries included. They fetch credentials before the action's own calls and outside their
     * deadline (once an hour per account and region, and GetCallerIdentity once), so they are kept short.
     */
    public static final Duration STS_CALL_TIMEOUT = Duration.ofSeconds(5);
    /** Shows in the target account's CloudTrail as the assumed-role session, naming who acted. */
    public static final String ROLE_SESSION_NAME = "costwarden-actions";

    /**
     * The role Costwarden assumes in the accounts it acts on (other than its own).
     *
     * @param externalId the external id the role's trust policy requires; empty: none is sent
     */
    public record AssumeRole(String roleName, String externalId) {
        public AssumeRole {
            if (roleName == null || roleName.isBlank()) {
                throw new IllegalArgumentException("costwarden.actions.assume-role.name must not be blank");
            }
            externalId = externalId == null ? "" : externalId;
        }

        /** The partition follows the region, so a cn-* resource assumes an aws-cn role. */
        public String roleArn(String account, String region) {
            return "arn:" + PartitionMetadata.of(Region.of(region)).id() + ":iam::" + account + ":role/" + roleName;
        }
    }

    /**
     * The SDK's standard retry mode with its backoff spelled out, so tests can shrink the delays.
     *
     * @param maxAttempts         attempts per call, the first included
     * @param baseDelay           exponential backoff base for 5xx and transient errors (full jitter)
     * @param throttlingBaseDelay exponential backoff base for throttling errors (full jitter)
     * @param maxBackoff          no single wait is longer
     */
    public record Retries(int maxAttempts, Duration baseDelay, Duration throttlingBaseDelay, Duration maxBackoff) {
        /** The SDK's standard mode: 3 attempts, 100 ms base, 1 s base when throttled, at most 20 s. */
        public static final Retries STANDARD = new Retries(3, Duration.ofMillis(100), Duration.ofSeconds(1),
                Duration.ofSeconds(20));

        RetryStrategy strategy() {
            // The standard strategy as AWS configures it (which errors are throttling, which are retryable),
            // with only the attempts and delays replaced.
            return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                    .maxAttempts(maxAttempts)
                    .backoffStrategy(BackoffStrategy.exponentialDelay(baseDelay, maxBackoff))
                    .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(throttlingBaseDelay, maxBackoff))
                    .build();
        }
    }

    private final Optional<URI> endpointOverride;
    private final AwsCredentialsProvider credentials;
    private final Optional<AssumeRole> assumeRole;
    private final Retries retries;
    private final Map<String, SdkClient> clients = new ConcurrentHashMap<>();
    private final Map<String, StsClient> sts = new ConcurrentHashMap<>();
    private final Map<String, StsAssumeRoleCredentialsProvider> roles = new ConcurrentHashMap<>();
    private volatile String ownAccount;

    /** Default credentials for every account, standard retries. */
    public AwsClients(Optional<URI> endpointOverride, AwsCredentialsProvider credentials) {
        this(endpointOverride, credentials, Optional.empty(), Retries.STANDARD);
    }

    /**
     * @param endpointOverride send every call here instead of the AWS endpoint, STS included (tests, VPC
     *                         endpoints, proxies)
     * @param credentials      Costwarden's own credentials: used in its own account, and to call STS
     * @param assumeRole       the role to assume in other accounts; empty: the own credentials everywhere
     */
    public AwsClients(Optional<URI> endpointOverride, AwsCredentialsProvider credentials, Optional<AssumeRole> assumeRole,
            Retries retries) {
        this.endpointOverride = endpointOverride;
        this.credentials = credentials;
        this.assumeRole = assumeRole;
        this.retries = retries;
    }

    public static AwsClients withDefaultCredentials(Optional<URI> endpointOverride, Optional<AssumeRole> assumeRole) {
        return new AwsClients(endpointOverride, DefaultCredentialsProvider.builder().build(), assumeRole, Retries.STANDARD);
    }

    public Ec2Client ec2(String account, String region, boolean dryRun) {
        AwsCredentialsProvider signer = signer(account, region, dryRun);
        return (Ec2Client) clients.computeIfAbsent(key("ec2", account, region, dryRun),
                k -> configure(Ec2Client.builder(), region, dryRun, signer).build());
    }

    public SageMakerClient sageMaker(String account, String region, boolean dryRun) {
        AwsCredentialsProvider signer = signer(account, region, dryRun);
        return (SageMakerClient) clients.computeIfAbsent(key("sagemaker", account, region, dryRun),
                k -> configure(SageMakerClient.builder(), region, dryRun, signer).build());
    }

    public AutoScalingClient autoScaling(String account, String region, boolean dryRun) {
        AwsCredentialsProvider signer = signer(account, region, dryRun);
        return (AutoScalingClient) clients.computeIfAbsent(key("autoscaling", account, region, dryRun),
                k -> configure(AutoScalingClient.builder(), region, dryRun, signer).build());
    }

    private static String key(String service, String account, String region, boolean dryRun) {
        return service + "|" + account + "|" + region + "|" + dryRun;
    }

    /**
     * Whose credentials sign calls to this account. Resolved before any client map is touched: it may call
     * STS, and a remote call inside {@code computeIfAbsent} would hold the map's lock for its duration.
     */
    private AwsCredentialsProvider signer(String account, String region, boolean dryRun) {
        if (dryRun) {
            return AnonymousCredentialsProvider.create();
        }
        if (assumeRole.isEmpty() || account.equals(ownAccount(region))) {
            return credentials;
        }
        AssumeRole role = assumeRole.get();
        StsClient stsClient = sts(region);
        return roles.computeIfAbsent(account + "|" + region, k -> StsAssumeRoleCredentialsProvider.builder()
                .stsClient(stsClient)
                .refreshRequest(AssumeRoleRequest.builder()
                        .roleArn(role.roleArn(account, region))
                        .roleSessionName(ROLE_SESSION_NAME)
                        .externalId(role.externalId().isEmpty() ? null : role.externalId())
                        .build())
                .build());
    }

    /** The account of the default credentials; a failure is not remembered, so the next action asks again. */
    private String ownAccount(String region) {
        String own = ownAccount;
        if (own == null) {
            own = sts(region).getCallerIdentity(GetCallerIdentityRequest.builder().build()).account();
            ownAccount = own;
        }
        return own;
    }

    /** Regional STS in the resource's region: it works in every partition and opt-in region. */
    private StsClient sts(String region) {
        return sts.computeIfAbsent(region, r -> {
            StsClientBuilder b = StsClient.builder()
                    .region(Region.of(r))
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .credentialsProvider(credentials)
                    .overrideConfiguration(o -> o.apiCallTimeout(STS_CALL_TIMEOUT).retryStrategy(retries.strategy()));
            endpointOverride.ifPresent(b::endpointOverride);
            return b.build();
        });
    }

    private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, String region,
            boolean dryRun, AwsCredentialsProvider signer) {
        builder.region(Region.of(region))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(signer)
                .overrideConfiguration(o -> {
                    // Bounded: calls run inside the actions role's exactly-once transaction (see ActionsRole).
                    o.apiCallTimeout(API_CALL_TIMEOUT).apiCallAttemptTimeout(API_CALL_ATTEMPT_TIMEOUT);
                    o.addExecutionInterceptor(new WireCapture(dryRun));
                    o.retryStrategy(dryRun ? AwsRetryStrategy.doNotRetry() : retries.strategy());
                });
        endpointOverride.ifPresent(builder::endpointOverride);
        return builder;
    }

    @Override
    public void close() {
        roles.values().forEach(StsAssumeRoleCredentialsProvider::close);
        roles.clear();
        clients.values().forEach(SdkClient::close);
        clients.clear();
        sts.values().forEach(SdkClient::close);
        sts.clear();
    }
}
