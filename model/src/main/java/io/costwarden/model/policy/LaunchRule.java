package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a launch must look like: required tags (optionally with allowed values), allowed instance
 * types, families and regions, and spot for anything with GPUs. An empty list means that rule is not
 * checked.
 *
 * @param tagGrace tags added this long after the launch still count: CreateTags is a separate API call
 *                 and often a separate CloudTrail log file, so the tag check waits this long
 */
public record LaunchRule(List<String> requiredTags, Map<String, List<String>> tagValues, Duration tagGrace,
        List<String> allowedInstanceTypes, List<String> allowedFamilies, List<String> allowedRegions,
        boolean spotRequiredForGpus) implements Detector {

    static final Param<List<String>> REQUIRED_TAGS = Param.optional("required-tags", ParamType.list("tag keys"),
            "tag keys that must be present with a non-blank value");
    static final Param<Map<String, List<String>>> TAG_VALUES = Param.optional("tag-values", ParamType.TAG_PATTERNS,
            "tags that must be present with a value matching one of the globs, e.g. `{env: [dev, test, prod]}`");
    static final Param<Duration> TAG_GRACE = Param.withDefault("tag-grace",
            ParamType.duration(Duration.ZERO, Duration.ofDays(1)), Duration.ZERO,
            "tags added within this time after the launch count; the tag rules are checked when it ends");
    static final Param<List<String>> TYPES = Param.optional("allowed-instance-types", ParamType.GLOBS,
            "instance types allowed (`t3.*`, `g5.xlarge`); SageMaker types keep their `ml.` prefix");
    static final Param<List<String>> FAMILIES = Param.optional("allowed-instance-families", ParamType.list("families"),
            "instance families allowed (`t3`, `g5`, `ml.g5`): the part of the type before the first dot after any `ml.`");
    static final Param<List<String>> REGIONS = Param.optional("allowed-regions", ParamType.GLOBS,
            "regions allowed (`eu-*`, `us-east-1`)");
    static final Param<Boolean> SPOT_FOR_GPUS = Param.withDefault("spot-required-for-gpus", ParamType.BOOLEAN, false,
            "an on-demand launch with GPUs or other accelerators is a violation (launches whose purchase option the event does not say are not)");

    public static final DetectorType TYPE = new DetectorType("launch",
            "checks a resource when it is launched or its instance type changes",
            Set.of(ResourceKind.values()), false, Set.of(ActionKind.values()),
            List.of(REQUIRED_TAGS, TAG_VALUES, TAG_GRACE, TYPES, FAMILIES, REGIONS, SPOT_FOR_GPUS),
            List.of(List.of(REQUIRED_TAGS, TAG_VALUES, TYPES, FAMILIES, REGIONS, SPOT_FOR_GPUS)),
            LaunchRule::crossChecks,
            p -> new LaunchRule(p.find(REQUIRED_TAGS).orElse(List.of()), p.find(TAG_VALUES).orElse(Map.of()),
                    p.get(TAG_GRACE), p.find(TYPES).orElse(List.of()), p.find(FAMILIES).orElse(List.of()),
                    p.find(REGIONS).orElse(List.of()), p.get(SPOT_FOR_GPUS)));

    static List<String> crossChecks(Params p) {
        boolean tagRules = p.has(REQUIRED_TAGS) || p.has(TAG_VALUES);
        List<String> out = new ArrayList<>();
        if (!tagRules && !p.has(TYPES) && !p.has(FAMILIES) && !p.has(REGIONS) && !p.get(SPOT_FOR_GPUS)) {
            out.add("'launch' checks nothing: spot-required-for-gpus: false is its only rule");
        }
        if (p.has(TAG_GRACE) && !tagRules) {
            out.add("'tag-grace' needs a tag rule to wait for: required-tags or tag-values");
        }
        return out;
    }

    public LaunchRule {
        requiredTags = List.copyOf(requiredTags);
        tagValues = Map.copyOf(tagValues);
        allowedInstanceTypes = List.copyOf(allowedInstanceTypes);
        allowedFamilies = List.copyOf(allowedFamilies);
        allowedRegions = List.copyOf(allowedRegions);
    }

    public LaunchRule(List<String> requiredTags, List<String> allowedInstanceTypes) {
        this(requiredTags, Map.of(), Duration.ZERO, allowedInstanceTypes, List.of(), List.of(), false);
    }

    @Override
    public DetectorType type() {
        return TYPE;
    }

    /** Every rule the resource breaks, as a sentence each; empty when it complies. */
    public List<String> violations(Resource r) {
        List<String> out = new ArrayList<>(shapeViolations(r));
        out.addAll(tagViolations(r));
        return out;
    }

    /** Type, family, region and purchase rules: settled at launch, nothing later changes them but a retype. */
    public List<String> shapeViolations(Resource r) {
        List<String> out = new ArrayList<>();
        String type = r.instanceType();
        if (!allowedInstanceTypes.isEmpty() && !type.isEmpty() && !Glob.matchesAny(allowedInstanceTypes, type)) {
            out.add("instance type " + type + " is not allowed (allowed: " + String.join(", ", allowedInstanceTypes) + ")");
        }
        if (!allowedFamilies.isEmpty() && !type.isEmpty() && !allowedFamilies.contains(family(type))) {
            out.add("instance family " + family(type) + " is not allowed (allowed: " + String.join(", ", allowedFamilies) + ")");
        }
        if (!allowedRegions.isEmpty() && !Glob.matchesAny(allowedRegions, r.region())) {
            out.add("region " + r.region() + " is not allowed (allowed: " + String.join(", ", allowedRegions) + ")");
        }
        // Unknown purchase option (an event that does not say) is no verdict, not a violation.
        if (spotRequiredForGpus && r.gpuCount() > 0 && r.purchase() == PurchaseOption.ON_DEMAND) {
            out.add("on-demand launch of " + r.gpuCount() + " GPU(s); this policy requires spot for GPU instances");
        }
        return out;
    }

    /** Required tags and tag values: these can still be fixed by a CreateTags within {@link #tagGrace}. */
    public List<String> tagViolations(Resource r) {
        List<String> out = new ArrayList<>();
        TreeSet<String> missing = new TreeSet<>();
        for (String tag : requiredTags) {
            String value = r.tags().get(tag);
            if (value == null || value.isBlank()) {
                missing.add(tag);
            }
        }
        for (Map.Entry<String, List<String>> rule : new java.util.TreeMap<>(tagValues).entrySet()) {
            String value = r.tags().get(rule.getKey());
            if (value == null || value.isBlank()) {
                missing.add(rule.getKey());
            } else if (!Glob.matchesAny(rule.getValue(), value)) {
                out.add("tag " + rule.getKey() + "=" + value + " is not allowed (allowed: "
                        + String.join(", ", rule.getValue()) + ")");
            }
        }
        if (!missing.isEmpty()) {
            out.add(0, "missing required tags: " + String.join(", ", missing));
        }
        return out;
    }

    public boolean checksTags() {
        return !requiredTags.isEmpty() || !tagValues.isEmpty();
    }

    /** {@code p4d.24xlarge} → {@code p4d}; {@code ml.g5.xlarge} → {@code ml.g5}. */
    static String family(String type) {
        int from = type.startsWith("ml.") ? 3 : 0;
        int dot = type.indexOf('.', from);
        return dot < 0 ? type : type.substring(0, dot);
    }
}
