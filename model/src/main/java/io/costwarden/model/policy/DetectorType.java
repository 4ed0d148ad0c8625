package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ResourceKind;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A detector as the policy language knows it: the word under {@code detect}, the resource kinds and
 * actions it makes sense for, and its parameters. {@link PolicyFile} validates against this, and the
 * reference tables in {@code docs/policies.md} are generated from it ({@link PolicyReference}).
 *
 * @param groupScoped  true for detectors that judge a group (a tag value or an account) rather than one
 *                     resource: their scope is {@code scope.groups}
 * @param atLeastOneOf sets of parameters of which a policy must give at least one each
 * @param checks       rules across parameters, each problem as a sentence (e.g. a grace for tags with no tag rule)
 */
public record DetectorType(String word, String summary, Set<ResourceKind> resources, boolean groupScoped,
        Set<ActionKind> actions, List<Param<?>> params, List<List<Param<?>>> atLeastOneOf,
        Function<Params, List<String>> checks, Function<Params, Detector> build) {

    public DetectorType(String word, String summary, Set<ResourceKind> resources, boolean groupScoped,
            Set<ActionKind> actions, List<Param<?>> params, List<List<Param<?>>> atLeastOneOf,
            Function<Params, Detector> build) {
        this(word, summary, resources, groupScoped, actions, params, atLeastOneOf, p -> List.of(), build);
    }

    public DetectorType {
        resources = Set.copyOf(resources);
        actions = Set.copyOf(actions);
        params = List.copyOf(params);
        atLeastOneOf = List.copyOf(atLeastOneOf);
    }

    public static final Set<ResourceKind> PRICED = Set.of(ResourceKind.EC2_INSTANCE, ResourceKind.SAGEMAKER_NOTEBOOK,
            ResourceKind.SAGEMAKER_APP, ResourceKind.SAGEMAKER_ENDPOINT, ResourceKind.SAGEMAKER_TRAINING_JOB);

    /** Every detector, in the order the docs list them. */
    public static List<DetectorType> all() {
        return List.of(LaunchRule.TYPE, IdleRule.TYPE, GpuQuotaRule.TYPE, LifetimeRule.TYPE, SpendRateRule.TYPE,
                BudgetRule.TYPE, BurnRateRule.TYPE);
    }

    public static java.util.Optional<DetectorType> byWord(String word) {
        return all().stream().filter(t -> t.word().equals(word)).findFirst();
    }

    /** {@code group-by}: a tag key such as {@code team}, or {@code account}. */
    static Param<String> groupBy() {
        return Param.withDefault("group-by", GROUP_BY, "team",
                "what a group is: a tag key (`team`, `owner`, `project`; resources without it form the group `(untagged)`) or `account`");
    }

    static Param<Boolean> gpuOnly() {
        return Param.withDefault("gpu-only", ParamType.BOOLEAN, false,
                "count only resources with GPUs or other accelerators");
    }

    static final ParamType<String> GROUP_BY = new ParamType<>() {
        @Override
        public String read(org.yaml.snakeyaml.nodes.Node node, String key, Problems problems) {
            String v = ParamType.scalar(node, key, problems);
            if (v != null && (v.length() > 128 || v.startsWith("aws:"))) {
                problems.at(node, "'" + key + "' must be a tag key of at most 128 characters (not aws:*) or 'account', was '" + v + "'");
                return null;
            }
            return v;
        }

        @Override
        public String describe() {
            return "a tag key, or `account`";
        }
    };
}
