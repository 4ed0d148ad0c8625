package io.costwarden.actions.autoscaling;

import io.costwarden.actions.Calls;
import io.costwarden.actions.Refusal;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.DescribeAutoScalingGroupsRequest;
import software.amazon.awssdk.services.autoscaling.model.TagDescription;

/** Reading one Auto Scaling group, which every group action starts with in enforce. */
final class Groups {
    private Groups() {
    }

    /** DescribeAutoScalingGroups for one name; refuses when AWS lists no such group. */
    static AutoScalingGroup describe(Calls calls, String name) {
        return calls.read(() -> calls.autoScaling().describeAutoScalingGroups(DescribeAutoScalingGroupsRequest.builder()
                        .autoScalingGroupNames(name).overrideConfiguration(calls.timeLeft()).build()))
                .orElseThrow().autoScalingGroups().stream().filter(g -> name.equals(g.autoScalingGroupName())).findFirst()
                .orElseThrow(() -> new Refusal(Refusal.STATE, "Auto Scaling group " + name
                        + " is not listed by DescribeAutoScalingGroups"));
    }

    static Map<String, String> tags(AutoScalingGroup g) {
        return g.tags().stream().filter(t -> t.key() != null && t.value() != null)
                .collect(Collectors.toMap(TagDescription::key, TagDescription::value, (a, b) -> b));
    }
}
