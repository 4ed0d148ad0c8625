package io.costwarden.actions.ec2;

import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.Refusal;
import io.costwarden.actions.TypeChange;
import io.costwarden.model.ResourceKind;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.AttributeValue;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceLifecycleType;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.ModifyInstanceAttributeRequest;
import software.amazon.awssdk.services.ec2.model.StartInstancesRequest;
import software.amazon.awssdk.services.ec2.model.StopInstancesRequest;

/**
 * {@code downscale} of an EC2 instance: the type can only change while it is stopped, so StopInstances,
 * wait until stopped, ModifyInstanceAttribute, StartInstances and wait until running. An instance that was
 * stopped stays stopped. The previous type is recorded; undo runs the same sequence back to it.
 *
 * <p>Each run starts from what DescribeInstances says, so a run repeated after a crash continues where the
 * first one got to: a stop already under way is waited for, a type already changed is not changed again.
 * An instance found already of the target type is left as it is, stopped or not: a first run interrupted
 * between the change and the start leaves it stopped rather than have Costwarden start a machine it did
 * not see running.
 */
public final class InstanceTypeChange extends TypeChange {
    @Override
    public ResourceKind kind() {
        return ResourceKind.EC2_INSTANCE;
    }

    @Override
    protected Done change(Calls calls, String instanceId, String to, boolean checkExempt, String knownType) {
        boolean wasRunning = true;
        String from = knownType;
        if (!calls.dryRun()) {
            Instance i = Ec2Instances.instance(calls, instanceId).orElseThrow(() -> new Refusal(Refusal.STATE,
                    "instance " + instanceId + " is not listed by DescribeInstances"));
            if (checkExempt) {
                calls.checkNotExempt(Ec2Instances.tags(i));
            }
            from = i.instanceTypeAsString();
            if (i.state() == null) {
                throw new Refusal(Refusal.STATE, "DescribeInstances gave no state for " + instanceId);
            }
            if (i.instanceLifecycle() == InstanceLifecycleType.SPOT) {
                // A spot instance may be interrupted rather than stopped, and its type is its request's: leave it.
                throw new Refusal(Refusal.STATE, "instance " + instanceId + " is a spot instance; its type is not changed");
            }
            InstanceStateName state = i.state().name();
            if (state == InstanceStateName.TERMINATED || state == InstanceStateName.SHUTTING_DOWN) {
                throw new Refusal(Refusal.STATE, "instance " + instanceId + " is " + i.state().nameAsString());
            }
            if (to.equals(from)) {
                // Also when stopped: that may be a first run interrupted after the change, but it may as well be
                // an instance someone stopped, and starting what Costwarden did not see running is not its call.
                return Done.unchanged("already " + to + " and " + i.state().nameAsString() + "; nothing sent");
            }
            // Only what runs is started again: one found stopping is on its way down by someone else's hand.
            wasRunning = state == InstanceStateName.RUNNING || state == InstanceStateName.PENDING;
            if (state == InstanceStateName.RUNNING || state == InstanceStateName.PENDING) {
                stop(calls, instanceId);
            }
            if (state != InstanceStateName.STOPPED) {
                Ec2Instances.awaitStopped(calls, instanceId);
            }
        } else {
            stop(calls, instanceId);
        }
        if (calls.dryRun() || !to.equals(from)) {
            calls.change(() -> calls.ec2().modifyInstanceAttribute(ModifyInstanceAttributeRequest.builder()
                    .instanceId(instanceId).instanceType(AttributeValue.builder().value(to).build())
                    .overrideConfiguration(calls.timeLeft()).build()));
        }
        if (wasRunning) {
            calls.change(() -> calls.ec2().startInstances(StartInstancesRequest.builder().instanceIds(instanceId)
                    .overrideConfiguration(calls.timeLeft()).build()));
            Ec2Instances.awaitRunning(calls, instanceId);
        }
        String fromText = from == null || from.isEmpty() ? "its type" : from;
        return Done.changed(fromText + " -> " + to + (wasRunning ? ", started again" : ", left stopped"),
                from == null || from.isEmpty() || from.equals(to) ? Map.of() : Map.of(TYPE, from, STATE,
                        wasRunning ? "running" : "stopped"));
    }

    private static void stop(Calls calls, String instanceId) {
        calls.change(() -> calls.ec2().stopInstances(StopInstancesRequest.builder().instanceIds(instanceId)
                .overrideConfiguration(calls.timeLeft()).build()));
    }
}
