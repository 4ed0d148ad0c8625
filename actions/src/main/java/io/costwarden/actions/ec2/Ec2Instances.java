package io.costwarden.actions.ec2;

import io.costwarden.actions.StopAdapter;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.actions.aws.Target;
import io.costwarden.model.ResourceKind;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.StopInstancesRequest;

/** EC2 instance actions (query protocol). */
public final class Ec2Instances implements StopAdapter {
    /** Not running and not coming back by itself: a stop has nothing left to do. */
    private static final Set<InstanceStateName> DOWN = EnumSet.of(InstanceStateName.STOPPING, InstanceStateName.STOPPED,
            InstanceStateName.SHUTTING_DOWN, InstanceStateName.TERMINATED);

    private final AwsClients clients;

    public Ec2Instances(AwsClients clients) {
        this.clients = clients;
    }

    @Override
    public ResourceKind kind() {
        return ResourceKind.EC2_INSTANCE;
    }

    @Override
    public String describeCall() {
        return "DescribeInstances";
    }

    @Override
    public String stopCall() {
        return "StopInstances";
    }

    /**
     * DescribeInstances for one instance. An instance the answer does not list (AWS normally refuses an
     * unknown id with InvalidInstanceID.NotFound instead) is reported as not stopped, so the stop is sent and
     * AWS's own answer to it is what gets recorded.
     */
    @Override
    public State describe(Target target, String instanceId) {
        DescribeInstancesResponse response = clients.ec2(target.account(), target.region(), target.dryRun())
                .describeInstances(DescribeInstancesRequest.builder().instanceIds(instanceId)
                        .overrideConfiguration(target.timeLeft()).build());
        String requestId = response.responseMetadata().requestId();
        Optional<Instance> instance = response.reservations().stream().flatMap(r -> r.instances().stream())
                .filter(i -> instanceId.equals(i.instanceId())).findFirst();
        if (instance.isEmpty() || instance.get().state() == null) {
            return new State("not listed", false, requestId);
        }
        InstanceStateName state = instance.get().state().name();
        return new State(instance.get().state().nameAsString(), DOWN.contains(state), requestId);
    }

    /** StopInstances without hibernation: what the {@code stop} action sends. */
    @Override
    public String stop(Target target, String instanceId) {
        return stop(target, instanceId, false);
    }

    /**
     * StopInstances for one instance; returns the AWS request id.
     *
     * @param hibernate send {@code Hibernate=true}: memory is saved to the root volume and restored at the next
     *                  start. AWS refuses it (a permanent error, recorded) for an instance launched without
     *                  hibernation enabled; no policy option asks for it yet.
     */
    public String stop(Target target, String instanceId, boolean hibernate) {
        StopInstancesRequest.Builder request = StopInstancesRequest.builder().instanceIds(instanceId)
                .overrideConfiguration(target.timeLeft());
        if (hibernate) {
            request.hibernate(true);
        }
        return clients.ec2(target.account(), target.region(), target.dryRun()).stopInstances(request.build())
                .responseMetadata().requestId();
    }
}
