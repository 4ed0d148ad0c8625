package io.costwarden.actions.ec2;

import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.Refusal;
import io.costwarden.actions.Stop;
import io.costwarden.actions.StopAdapter;
import io.costwarden.model.ActionOptions;
import io.costwarden.model.ResourceKind;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.StartInstancesRequest;
import software.amazon.awssdk.services.ec2.model.StopInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Tag;

/** EC2 instances: stop (optionally hibernate) and start again (query protocol). */
public final class Ec2Instances implements StopAdapter {
    /** Not running and not coming back by itself: a stop has nothing left to do. */
    private static final Set<InstanceStateName> DOWN = EnumSet.of(InstanceStateName.STOPPING, InstanceStateName.STOPPED,
            InstanceStateName.SHUTTING_DOWN, InstanceStateName.TERMINATED);

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
    public State describe(Calls calls, String instanceId) {
        Optional<Instance> instance = instance(calls, instanceId);
        if (instance.isEmpty() || instance.get().state() == null) {
            return new State("not listed", false, Map.of(), Map.of());
        }
        InstanceStateName state = instance.get().state().name();
        return new State(instance.get().state().nameAsString(), DOWN.contains(state), tags(instance.get()), Map.of());
    }

    /**
     * StopInstances for one instance. With {@code hibernate}, memory is saved to the root volume and restored at
     * the next start; AWS refuses it (a permanent error, recorded) for an instance launched without hibernation.
     */
    @Override
    public void stop(Calls calls, String instanceId, ActionOptions options) {
        StopInstancesRequest.Builder request = StopInstancesRequest.builder().instanceIds(instanceId)
                .overrideConfiguration(calls.timeLeft());
        if (options.hibernate()) {
            request.hibernate(true);
        }
        calls.change(() -> calls.ec2().stopInstances(request.build()));
    }

    /** StartInstances, after waiting for a stop still under way; nothing when the instance already runs. */
    @Override
    public Done start(Calls calls, String instanceId, Map<String, String> previous) {
        if (!calls.dryRun()) {
            Instance i = instance(calls, instanceId).orElseThrow(() -> new Refusal(Refusal.STATE,
                    "instance " + instanceId + " is not listed by DescribeInstances"));
            if (i.state() == null) {
                throw new Refusal(Refusal.STATE, "DescribeInstances gave no state for " + instanceId);
            }
            InstanceStateName state = i.state().name();
            if (state == InstanceStateName.RUNNING || state == InstanceStateName.PENDING) {
                return Done.unchanged("already " + i.state().nameAsString() + "; StartInstances not sent");
            }
            if (state == InstanceStateName.TERMINATED || state == InstanceStateName.SHUTTING_DOWN) {
                throw new Refusal(Refusal.STATE, "instance " + instanceId + " is " + i.state().nameAsString()
                        + " and cannot be started");
            }
            if (state == InstanceStateName.STOPPING) {
                awaitStopped(calls, instanceId);
            }
        }
        calls.change(() -> calls.ec2().startInstances(StartInstancesRequest.builder().instanceIds(instanceId)
                .overrideConfiguration(calls.timeLeft()).build()));
        return Done.changed("StartInstances sent", Map.of(Stop.STATE, "stopped"));
    }

    static Optional<Instance> instance(Calls calls, String instanceId) {
        DescribeInstancesResponse response = calls.read(() -> calls.ec2().describeInstances(DescribeInstancesRequest.builder()
                .instanceIds(instanceId).overrideConfiguration(calls.timeLeft()).build())).orElseThrow();
        return response.reservations().stream().flatMap(r -> r.instances().stream())
                .filter(i -> instanceId.equals(i.instanceId())).findFirst();
    }

    static Map<String, String> tags(Instance i) {
        return i.tags().stream().filter(t -> t.key() != null && t.value() != null)
                .collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> b));
    }

    static void awaitStopped(Calls calls, String instanceId) {
        calls.await("instance " + instanceId + " stopped", config -> calls.ec2().waiter().waitUntilInstanceStopped(
                DescribeInstancesRequest.builder().instanceIds(instanceId).overrideConfiguration(calls.timeLeft()).build(),
                config));
    }

    static void awaitRunning(Calls calls, String instanceId) {
        calls.await("instance " + instanceId + " running", config -> calls.ec2().waiter().waitUntilInstanceRunning(
                DescribeInstancesRequest.builder().instanceIds(instanceId).overrideConfiguration(calls.timeLeft()).build(),
                config));
    }
}
