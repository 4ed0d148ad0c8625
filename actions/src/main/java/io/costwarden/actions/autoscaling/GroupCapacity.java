package io.costwarden.actions.autoscaling;

import io.costwarden.actions.Adapter;
import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.Refusal;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionOptions;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ResourceKind;
import java.util.Map;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.SetDesiredCapacityRequest;
import software.amazon.awssdk.services.autoscaling.model.UpdateAutoScalingGroupRequest;

/**
 * {@code downscale} of an Auto Scaling group. SetDesiredCapacity (HonorCooldown false: the policy already
 * waited its grace period) when the new capacity fits the group's bounds and they stay; otherwise
 * UpdateAutoScalingGroup with MinSize, MaxSize and DesiredCapacity together, MinSize lowered to the capacity
 * when it is above it. The previous three are recorded; undo sets them back with UpdateAutoScalingGroup. The
 * group then removes instances by its own termination policy; nothing waits for that.
 */
public final class GroupCapacity implements Adapter {
    public static final String MIN = "minSize";
    public static final String MAX = "maxSize";
    public static final String DESIRED = "desiredCapacity";

    @Override
    public ActionKind action() {
        return ActionKind.DOWNSCALE;
    }

    @Override
    public ResourceKind kind() {
        return ResourceKind.AUTOSCALING_GROUP;
    }

    @Override
    public Done act(Calls calls, ActionRequest r) {
        ActionOptions o = r.options();
        if (o.capacity() == null) {
            throw new Refusal(Refusal.UNSUPPORTED, "downscale of an autoscaling-group needs 'capacity' in the policy");
        }
        String name = r.nativeId();
        int desired = o.capacity();
        if (calls.dryRun()) {
            // Without DescribeAutoScalingGroups the bounds are unknown: the dry-run shows the update the policy
            // names in full, or the plain capacity change.
            if (o.minSize() != null || o.maxSize() != null) {
                update(calls, name, o.minSize(), o.maxSize(), desired);
            } else {
                setDesired(calls, name, desired);
            }
            return Done.changed("desired -> " + desired, Map.of());
        }
        AutoScalingGroup g = Groups.describe(calls, name);
        calls.checkNotExempt(Groups.tags(g));
        if (g.minSize() == null || g.maxSize() == null || g.desiredCapacity() == null) {
            throw new Refusal(Refusal.STATE, "DescribeAutoScalingGroups gave no size for " + name);
        }
        int min = o.minSize() != null ? o.minSize() : Math.min(g.minSize(), desired);
        int max = o.maxSize() != null ? o.maxSize() : g.maxSize();
        if (min == g.minSize() && max == g.maxSize() && desired == g.desiredCapacity()) {
            return Done.unchanged("already min " + min + ", max " + max + ", desired " + desired + "; nothing sent");
        }
        if (min == g.minSize() && max == g.maxSize()) {
            setDesired(calls, name, desired);
        } else {
            update(calls, name, min, max, desired);
        }
        return Done.changed("min/max/desired " + g.minSize() + "/" + g.maxSize() + "/" + g.desiredCapacity() + " -> "
                + min + "/" + max + "/" + desired, Map.of(MIN, Integer.toString(g.minSize()), MAX,
                Integer.toString(g.maxSize()), DESIRED, Integer.toString(g.desiredCapacity())));
    }

    @Override
    public Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        Map<String, String> p = original.previous();
        if (!p.containsKey(MIN) || !p.containsKey(MAX) || !p.containsKey(DESIRED)) {
            throw new Refusal(Refusal.NOT_UNDOABLE, "the action did not record the group's previous size");
        }
        update(calls, original.nativeId(), Integer.parseInt(p.get(MIN)), Integer.parseInt(p.get(MAX)),
                Integer.parseInt(p.get(DESIRED)));
        return Done.changed("min/max/desired back to " + p.get(MIN) + "/" + p.get(MAX) + "/" + p.get(DESIRED), Map.of());
    }

    private static void setDesired(Calls calls, String name, int desired) {
        calls.change(() -> calls.autoScaling().setDesiredCapacity(SetDesiredCapacityRequest.builder()
                .autoScalingGroupName(name).desiredCapacity(desired).honorCooldown(false)
                .overrideConfiguration(calls.timeLeft()).build()));
    }

    private static void update(Calls calls, String name, Integer min, Integer max, int desired) {
        calls.change(() -> calls.autoScaling().updateAutoScalingGroup(UpdateAutoScalingGroupRequest.builder()
                .autoScalingGroupName(name).minSize(min).maxSize(max).desiredCapacity(desired)
                .overrideConfiguration(calls.timeLeft()).build()));
    }
}
