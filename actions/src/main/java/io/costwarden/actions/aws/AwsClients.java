package io.costwarden.actions.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * SDK clients, built once per service, region and mode and then reused. Live clients use the default
 * credential chain and the SDK's standard retry strategy; dry-run clients carry no credentials and
 * never send (see {@link WireCapture}).
 */
public final class AwsClients implements AutoCloseable {
    /** The longest one AWS call may take, retries included. */
    public static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(20);

    private final Optional<URI> endpointOverride;
    private final AwsCredentialsProvider credentials;
    private final Map<String, SdkClient> clients = new ConcurrentHashMap<>();

    /**
     * @param endpointOverride send every call here instead of the AWS endpoint (tests, VPC endpoints, proxies)
     */
    public AwsClients(Optional<URI> endpointOverride, AwsCredentialsProvider credentials) {
        this.endpointOverride = endpointOverride;
        this.credentials = credentials;
    }

    public static AwsClients withDefaultCredentials(Optional<URI> endpointOverride) {
        return new AwsClients(endpointOverride, DefaultCredentialsProvider.builder().build());
    }

    public Ec2Client ec2(String region, boolean dryRun) {
        return (Ec2Client) clients.computeIfAbsent("ec2|" + region + "|" + dryRun,
                k -> configure(Ec2Client.builder(), region, dryRun).build());
    }

    public SageMakerClient sageMaker(String region, boolean dryRun) {
        return (SageMakerClient) clients.computeIfAbsent("sagemaker|" + region + "|" + dryRun,
                k -> configure(SageMakerClient.builder(), region, dryRun).build());
    }

    private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, String region,
            boolean dryRun) {
        builder.region(Region.of(region))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(dryRun ? AnonymousCredentialsProvider.create() : credentials)
                .overrideConfiguration(o -> {
                    // Bounded: calls run inside the actions role's exactly-once transaction (see ActionsRole).
                    o.apiCallTimeout(API_CALL_TIMEOUT).apiCallAttemptTimeout(Duration.ofSeconds(8));
                    o.addExecutionInterceptor(new WireCapture(dryRun));
                    if (dryRun) {
                        o.retryStrategy(AwsRetryStrategy.doNotRetry());
                    }
                });
        endpointOverride.ifPresent(builder::endpointOverride);
        return builder;
    }

    @Override
    public void close() {
        clients.values().forEach(SdkClient::close);
        clients.clear();
    }
}
