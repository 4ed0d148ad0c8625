package io.costwarden.actions.ec2;

import io.costwarden.actions.aws.AwsClients;
import software.amazon.awssdk.services.ec2.model.StopInstancesRequest;
import software.amazon.awssdk.services.ec2.model.StopInstancesResponse;

/** EC2 instance actions. */
public final class Ec2Instances {
    private final AwsClients clients;

    public Ec2Instances(AwsClients clients) {
        this.clients = clients;
    }

    /** StopInstances for one instance; returns the AWS request id. */
    public String stop(String region, String instanceId, boolean dryRun) {
        StopInstancesResponse response = clients.ec2(region, dryRun)
                .stopInstances(StopInstancesRequest.builder().instanceIds(instanceId).build());
        return response.responseMetadata().requestId();
    }
}
