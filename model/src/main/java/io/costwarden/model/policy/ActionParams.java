package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionOptions;
import io.costwarden.model.ResourceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parameters each action takes under its word ({@code action: {downscale: {to-type: g5.xlarge}}}),
 * declared once: validation and the generated reference in docs/policies.md both read them from here.
 */
public final class ActionParams {
    static final Param<Boolean> HIBERNATE = Param.withDefault("hibernate", ParamType.BOOLEAN, false,
            "EC2 only: StopInstances with Hibernate=true, so memory survives; AWS refuses it for an instance launched"
                    + " without hibernation enabled (recorded as a failure, not retried)");
    static final Param<String> TO_TYPE = Param.optional("to-type", ParamType.INSTANCE_TYPE,
            "`ec2-instance` and `sagemaker-notebook`: the smaller type to change to (`ml.` types for notebooks)");
    static final Param<Integer> CAPACITY = Param.optional("capacity", ParamType.count(0),
            "`sagemaker-endpoint`: instances per production variant; `autoscaling-group`: the desired capacity");
    static final Param<Integer> MIN = Param.optional("min", ParamType.count(0),
            "`autoscaling-group`: the new MinSize (else kept, lowered to `capacity` when above it)");
    static final Param<Integer> MAX = Param.optional("max", ParamType.count(0),
            "`autoscaling-group`: the new MaxSize (else kept)");
    static final Param<List<String>> TYPES = Param.optional("types", ParamType.INSTANCE_TYPES,
            "`autoscaling-group`: equivalent types the group may use as spot (overrides); else the launch template's type alone");
    static final Param<Integer> ON_DEMAND_BASE = Param.withDefault("on-demand-base", ParamType.count(0), 0,
            "`autoscaling-group`: instances kept on demand before any spot (OnDemandBaseCapacity); above it, 0% on demand");
    static final Param<Integer> MIN_HEALTHY = Param.withDefault("min-healthy-percentage", ParamType.count(1, 100),
            ActionOptions.DEFAULT_MIN_HEALTHY_PERCENT, "`autoscaling-group`: the instance refresh's MinHealthyPercentage");
    static final Param<Boolean> REPLACE_STANDALONE = Param.withDefault("replace-standalone", ParamType.BOOLEAN, false,
            "`ec2-instance`: the opt-in to replace the instance (image, spot launch, terminate the old one after its"
                    + " replacement passes status checks); without it the action records a recommendation with the saving");
    static final Param<Map<String, String>> TAGS = Param.optional("tags", ParamType.TAG_VALUES,
            "tags to set, on top of `costwarden:finding` and `costwarden:policy`");

    private ActionParams() {
    }

    /** The parameters {@code action} takes, in the order the reference lists them. */
    public static List<Param<?>> of(ActionKind action) {
        return switch (action) {
            case STOP -> List.of(HIBERNATE);
            case DOWNSCALE -> List.of(TO_TYPE, CAPACITY, MIN, MAX);
            case SPOT_MIGRATE -> List.of(TYPES, ON_DEMAND_BASE, MIN_HEALTHY, REPLACE_STANDALONE);
            case TAG -> List.of(TAGS);
            case NOTIFY -> List.of();
        };
    }

    static ActionOptions build(ActionKind action, Params p) {
        return switch (action) {
            case STOP -> new ActionOptions(p.get(HIBERNATE), null, null, null, null, List.of(), 0,
                    ActionOptions.DEFAULT_MIN_HEALTHY_PERCENT, false, Map.of());
            case DOWNSCALE -> new ActionOptions(false, p.find(TO_TYPE).orElse(null), p.find(CAPACITY).orElse(null),
                    p.find(MIN).orElse(null), p.find(MAX).orElse(null), List.of(), 0,
                    ActionOptions.DEFAULT_MIN_HEALTHY_PERCENT, false, Map.of());
            case SPOT_MIGRATE -> new ActionOptions(false, null, null, null, null, p.find(TYPES).orElse(List.of()),
                    p.get(ON_DEMAND_BASE), p.get(MIN_HEALTHY), p.get(REPLACE_STANDALONE), Map.of());
            case TAG -> new ActionOptions(false, null, null, null, null, List.of(), 0,
                    ActionOptions.DEFAULT_MIN_HEALTHY_PERCENT, false, p.find(TAGS).orElse(Map.of()));
            case NOTIFY -> ActionOptions.NONE;
        };
    }

    /** What the options leave out or get wrong for the resource kinds the policy watches. */
    static List<String> checks(ActionKind action, ActionOptions o, Set<ResourceKind> kinds) {
        List<String> problems = new ArrayList<>();
        if (action == ActionKind.STOP && o.hibernate() && !kinds.equals(Set.of(ResourceKind.EC2_INSTANCE))) {
            problems.add("'hibernate' applies to ec2-instance only");
        }
        if (action != ActionKind.DOWNSCALE) {
            return problems;
        }
        boolean typed = kinds.contains(ResourceKind.EC2_INSTANCE) || kinds.contains(ResourceKind.SAGEMAKER_NOTEBOOK);
        boolean sized = kinds.contains(ResourceKind.SAGEMAKER_ENDPOINT) || kinds.contains(ResourceKind.AUTOSCALING_GROUP);
        if (typed && o.toType() == null) {
            problems.add("'downscale' of " + words(kinds, ResourceKind.EC2_INSTANCE, ResourceKind.SAGEMAKER_NOTEBOOK)
                    + " needs 'to-type': the smaller instance type");
        }
        if (sized && o.capacity() == null) {
            problems.add("'downscale' of " + words(kinds, ResourceKind.SAGEMAKER_ENDPOINT, ResourceKind.AUTOSCALING_GROUP)
                    + " needs 'capacity'");
        }
        if (o.toType() != null) {
            boolean ml = o.toType().startsWith("ml.");
            if (kinds.contains(ResourceKind.SAGEMAKER_NOTEBOOK) && !ml) {
                problems.add("'to-type' for a sagemaker-notebook is an ml. type (ml.t3.medium), was " + o.toType());
            }
            if (kinds.contains(ResourceKind.EC2_INSTANCE) && ml) {
                problems.add("'to-type' for an ec2-instance is an EC2 type (g5.xlarge), not an ml. type: " + o.toType());
            }
        }
        if (o.minSize() != null && o.maxSize() != null && o.minSize() > o.maxSize()) {
            problems.add("'min' (" + o.minSize() + ") is above 'max' (" + o.maxSize() + ")");
        }
        if (o.capacity() != null && o.maxSize() != null && o.capacity() > o.maxSize()) {
            problems.add("'capacity' (" + o.capacity() + ") is above 'max' (" + o.maxSize() + ")");
        }
        if (o.capacity() != null && o.minSize() != null && o.capacity() < o.minSize()) {
            problems.add("'capacity' (" + o.capacity() + ") is below 'min' (" + o.minSize() + ")");
        }
        return problems;
    }

    private static String words(Set<ResourceKind> kinds, ResourceKind... among) {
        return java.util.Arrays.stream(among).filter(kinds::contains).map(ResourceKind::word)
                .collect(java.util.stream.Collectors.joining(" and "));
    }
}
