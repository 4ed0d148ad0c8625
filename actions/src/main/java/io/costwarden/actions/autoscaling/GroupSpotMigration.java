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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.InstancesDistribution;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplate;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateOverrides;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.autoscaling.model.MixedInstancesPolicy;
import software.amazon.awssdk.services.autoscaling.model.RefreshPreferences;
import software.amazon.awssdk.services.autoscaling.model.RefreshStrategy;
import software.amazon.awssdk.services.autoscaling.model.StartInstanceRefreshRequest;
import software.amazon.awssdk.services.autoscaling.model.StartInstanceRefreshResponse;
import software.amazon.awssdk.services.autoscaling.model.UpdateAutoScalingGroupRequest;

/**
 * {@code spot-migrate} of an Auto Scaling group: UpdateAutoScalingGroup with a MixedInstancesPolicy on the
 * group's own launch template (0% on demand above {@code on-demand-base}, {@code price-capacity-optimized},
 * the policy's {@code types} as overrides), then StartInstanceRefresh so the running on-demand instances are
 * replaced (SkipMatching off: a matching launch template says nothing about the purchase option).
 *
 * <p>What the group had before (its launch template, or its mixed instances policy) is recorded; undo puts
 * it back and refreshes again. Groups on a launch configuration (a mixed policy needs a launch template) and
 * mixed policies this record cannot restore exactly (weights, per-type launch templates or images, attribute-
 * based types) are refused: migrate those by hand.
 */
public final class GroupSpotMigration implements Adapter {
    public static final String SPOT_STRATEGY = "price-capacity-optimized";
    static final String LT_ID = "launchTemplateId";
    static final String LT_NAME = "launchTemplateName";
    static final String LT_VERSION = "launchTemplateVersion";
    static final String MIXED = "mixed";
    static final String OVERRIDES = "overrides";
    static final String OD_BASE = "onDemandBaseCapacity";
    static final String OD_PERCENT = "onDemandPercentageAboveBaseCapacity";
    static final String OD_STRATEGY = "onDemandAllocationStrategy";
    static final String SPOT = "spotAllocationStrategy";
    static final String SPOT_POOLS = "spotInstancePools";
    static final String SPOT_MAX_PRICE = "spotMaxPrice";
    /** The refresh's MinHealthyPercentage, used again by the undo's refresh. */
    static final String MIN_HEALTHY = "minHealthyPercentage";
    private static final String REFRESH_RUNNING = "InstanceRefreshInProgress";
    /** Dry-runs do not read the group, so the template is named by where enforce reads it from. */
    static final String FROM_DESCRIBE = "{from DescribeAutoScalingGroups}";

    @Override
    public ActionKind action() {
        return ActionKind.SPOT_MIGRATE;
    }

    @Override
    public ResourceKind kind() {
        return ResourceKind.AUTOSCALING_GROUP;
    }

    @Override
    public Done act(Calls calls, ActionRequest r) {
        ActionOptions o = r.options();
        String name = r.nativeId();
        if (calls.dryRun()) {
            update(calls, name, mixed(LaunchTemplateSpecification.builder().launchTemplateName(FROM_DESCRIBE)
                    .version(FROM_DESCRIBE).build(), o.spotTypes(), o.onDemandBase()));
            refresh(calls, name, o.minHealthyPercent());
            return Done.changed("mixed instances policy, spot above " + o.onDemandBase() + " on demand; refresh", Map.of());
        }
        AutoScalingGroup g = Groups.describe(calls, name);
        calls.checkNotExempt(Groups.tags(g));
        Map<String, String> previous = previous(g);
        MixedInstancesPolicy before = g.mixedInstancesPolicy();
        List<String> types = !o.spotTypes().isEmpty() || before == null || before.launchTemplate() == null ? o.spotTypes()
                : before.launchTemplate().overrides()
                .stream().map(LaunchTemplateOverrides::instanceType).toList();
        MixedInstancesPolicy wanted = mixed(template(g), types, o.onDemandBase());
        if (before != null && alreadySpot(before, wanted)) {
            // No refresh: with SkipMatching off it would replace every instance again, on each new finding. A
            // first run interrupted between the update and the refresh leaves the running instances as they
            // are until the group replaces them (docs/actions.md).
            return Done.unchanged("already spot above " + o.onDemandBase() + " on demand; nothing sent");
        }
        update(calls, name, wanted);
        previous.put(MIN_HEALTHY, Integer.toString(o.minHealthyPercent()));
        return Done.changed("mixed instances policy, spot above " + o.onDemandBase() + " on demand over "
                + (types.isEmpty() ? "the launch template's type" : String.join(", ", types)) + "; "
                + refresh(calls, name, o.minHealthyPercent()), previous);
    }

    @Override
    public Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        Map<String, String> p = original.previous();
        String name = original.nativeId();
        if (p.get(LT_ID) == null && p.get(LT_NAME) == null) {
            throw new Refusal(Refusal.NOT_UNDOABLE, "the action did not record the group's launch template");
        }
        LaunchTemplateSpecification spec = LaunchTemplateSpecification.builder().launchTemplateId(p.get(LT_ID))
                .launchTemplateName(p.get(LT_ID) == null ? p.get(LT_NAME) : null).version(p.get(LT_VERSION)).build();
        if (Boolean.parseBoolean(p.get(MIXED))) {
            List<LaunchTemplateOverrides> overrides = p.getOrDefault(OVERRIDES, "").isEmpty() ? List.of()
                    : Arrays.stream(p.get(OVERRIDES).split(",")).map(t -> LaunchTemplateOverrides.builder().instanceType(t)
                    .build()).toList();
            update(calls, name, MixedInstancesPolicy.builder()
                    .launchTemplate(LaunchTemplate.builder().launchTemplateSpecification(spec).overrides(overrides).build())
                    .instancesDistribution(InstancesDistribution.builder()
                            .onDemandBaseCapacity(integer(p.get(OD_BASE)))
                            .onDemandPercentageAboveBaseCapacity(integer(p.get(OD_PERCENT)))
                            .onDemandAllocationStrategy(p.get(OD_STRATEGY))
                            .spotAllocationStrategy(p.get(SPOT))
                            .spotInstancePools(integer(p.get(SPOT_POOLS)))
                            .spotMaxPrice(p.get(SPOT_MAX_PRICE))
                            .build())
                    .build());
        } else {
            calls.change(() -> calls.autoScaling().updateAutoScalingGroup(UpdateAutoScalingGroupRequest.builder()
                    .autoScalingGroupName(name).launchTemplate(spec).overrideConfiguration(calls.timeLeft()).build()));
        }
        int minHealthy = p.containsKey(MIN_HEALTHY) ? Integer.parseInt(p.get(MIN_HEALTHY))
                : ActionOptions.DEFAULT_MIN_HEALTHY_PERCENT;
        return Done.changed("purchase options restored; " + refresh(calls, name, minHealthy), Map.of());
    }

    /** What an undo needs to put back; refuses what it could not. */
    private static Map<String, String> previous(AutoScalingGroup g) {
        Map<String, String> p = new LinkedHashMap<>();
        if (g.mixedInstancesPolicy() == null && g.launchTemplate() == null) {
            throw new Refusal(Refusal.UNSUPPORTED, "group " + g.autoScalingGroupName() + " uses launch configuration "
                    + g.launchConfigurationName() + "; a mixed instances policy needs a launch template");
        }
        MixedInstancesPolicy m = g.mixedInstancesPolicy();
        LaunchTemplateSpecification spec = template(g);
        if (m != null && m.launchTemplate() == null) {
            throw new Refusal(Refusal.UNSUPPORTED, "group " + g.autoScalingGroupName() + " has a mixed instances policy"
                    + " without a launch template");
        }
        put(p, LT_ID, spec.launchTemplateId());
        put(p, LT_NAME, spec.launchTemplateName());
        put(p, LT_VERSION, spec.version());
        if (m != null) {
            for (LaunchTemplateOverrides o : m.launchTemplate().overrides()) {
                if (o.weightedCapacity() != null || o.launchTemplateSpecification() != null || o.instanceRequirements() != null
                        || o.imageId() != null) {
                    throw new Refusal(Refusal.UNSUPPORTED, "group " + g.autoScalingGroupName() + " has a mixed instances"
                            + " policy with weights, per-type templates or images, or attribute-based types, which an undo"
                            + " could not restore exactly; migrate it by hand");
                }
            }
            p.put(MIXED, "true");
            p.put(OVERRIDES, String.join(",", m.launchTemplate().overrides().stream()
                    .map(LaunchTemplateOverrides::instanceType).toList()));
            InstancesDistribution d = m.instancesDistribution();
            if (d != null) {
                put(p, OD_BASE, d.onDemandBaseCapacity());
                put(p, OD_PERCENT, d.onDemandPercentageAboveBaseCapacity());
                put(p, OD_STRATEGY, d.onDemandAllocationStrategy());
                put(p, SPOT, d.spotAllocationStrategy());
                put(p, SPOT_POOLS, d.spotInstancePools());
                put(p, SPOT_MAX_PRICE, d.spotMaxPrice());
            }
        }
        return p;
    }

    /**
     * The group's launch template as a request may name it: by id, or by name when there is no id, never both
     * (AWS refuses a specification with both, which is how DescribeAutoScalingGroups answers).
     */
    private static LaunchTemplateSpecification template(AutoScalingGroup g) {
        LaunchTemplateSpecification seen = g.mixedInstancesPolicy() != null && g.mixedInstancesPolicy().launchTemplate() != null
                ? g.mixedInstancesPolicy().launchTemplate().launchTemplateSpecification() : g.launchTemplate();
        if (seen == null) {
            throw new Refusal(Refusal.UNSUPPORTED, "group " + g.autoScalingGroupName() + " names no launch template");
        }
        return LaunchTemplateSpecification.builder().launchTemplateId(seen.launchTemplateId())
                .launchTemplateName(seen.launchTemplateId() == null ? seen.launchTemplateName() : null)
                .version(seen.version()).build();
    }

    private static MixedInstancesPolicy mixed(LaunchTemplateSpecification spec, List<String> types, int onDemandBase) {
        return MixedInstancesPolicy.builder()
                .launchTemplate(LaunchTemplate.builder().launchTemplateSpecification(spec)
                        .overrides(types.stream().map(t -> LaunchTemplateOverrides.builder().instanceType(t).build()).toList())
                        .build())
                .instancesDistribution(InstancesDistribution.builder().onDemandBaseCapacity(onDemandBase)
                        .onDemandPercentageAboveBaseCapacity(0).spotAllocationStrategy(SPOT_STRATEGY).build())
                .build();
    }

    private static boolean alreadySpot(MixedInstancesPolicy before, MixedInstancesPolicy wanted) {
        InstancesDistribution d = before.instancesDistribution();
        return d != null && before.launchTemplate() != null && Integer.valueOf(0).equals(d.onDemandPercentageAboveBaseCapacity())
                && SPOT_STRATEGY.equals(d.spotAllocationStrategy())
                && wanted.instancesDistribution().onDemandBaseCapacity().equals(
                        Optional.ofNullable(d.onDemandBaseCapacity()).orElse(0))
                && before.launchTemplate().overrides().stream().map(LaunchTemplateOverrides::instanceType).toList()
                        .equals(wanted.launchTemplate().overrides().stream().map(LaunchTemplateOverrides::instanceType).toList());
    }

    private static void update(Calls calls, String name, MixedInstancesPolicy policy) {
        calls.change(() -> calls.autoScaling().updateAutoScalingGroup(UpdateAutoScalingGroupRequest.builder()
                .autoScalingGroupName(name).mixedInstancesPolicy(policy).overrideConfiguration(calls.timeLeft()).build()));
    }

    /**
     * StartInstanceRefresh; a refresh already running (a first run interrupted after it started it) is left to
     * finish rather than reported as a failure.
     */
    private static String refresh(Calls calls, String name, int minHealthy) {
        try {
            Optional<StartInstanceRefreshResponse> started = calls.change(() -> calls.autoScaling().startInstanceRefresh(
                    StartInstanceRefreshRequest.builder().autoScalingGroupName(name).strategy(RefreshStrategy.ROLLING)
                            .preferences(RefreshPreferences.builder().minHealthyPercentage(minHealthy).skipMatching(false)
                                    .build())
                            .overrideConfiguration(calls.timeLeft()).build()));
            return started.map(s -> "instance refresh " + s.instanceRefreshId() + " started").orElse("instance refresh");
        } catch (AwsServiceException e) {
            if (e.awsErrorDetails() != null && REFRESH_RUNNING.equals(e.awsErrorDetails().errorCode())) {
                return "an instance refresh was already in progress";
            }
            throw e;
        }
    }

    private static void put(Map<String, String> p, String key, Object value) {
        if (value != null) {
            p.put(key, value.toString());
        }
    }

    private static Integer integer(String v) {
        return v == null ? null : Integer.valueOf(v);
    }
}
