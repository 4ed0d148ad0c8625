package io.costwarden.model.policy;

import io.costwarden.model.PurchaseOption;
import io.costwarden.model.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a launch must look like: required tags, allowed instance types and regions (globs such as
 * {@code g5.*}, {@code eu-*}), and spot for anything with GPUs. An empty list means that rule is not checked.
 */
public record LaunchRule(List<String> requiredTags, List<String> allowedInstanceTypes, List<String> allowedRegions,
        boolean spotRequiredForGpus) implements Detector {

    public LaunchRule {
        requiredTags = List.copyOf(requiredTags);
        allowedInstanceTypes = List.copyOf(allowedInstanceTypes);
        allowedRegions = List.copyOf(allowedRegions);
    }

    public LaunchRule(List<String> requiredTags, List<String> allowedInstanceTypes) {
        this(requiredTags, allowedInstanceTypes, List.of(), false);
    }

    @Override
    public String word() {
        return "launch";
    }

    /** Every rule the resource breaks, as a sentence each; empty when it complies. */
    public List<String> violations(Resource r) {
        List<String> out = new ArrayList<>();
        if (!allowedInstanceTypes.isEmpty() && !r.instanceType().isEmpty()
                && allowedInstanceTypes.stream().noneMatch(glob -> globMatches(glob, r.instanceType()))) {
            out.add("instance type " + r.instanceType() + " is not allowed (allowed: "
                    + String.join(", ", allowedInstanceTypes) + ")");
        }
        if (!allowedRegions.isEmpty() && allowedRegions.stream().noneMatch(glob -> globMatches(glob, r.region()))) {
            out.add("region " + r.region() + " is not allowed (allowed: " + String.join(", ", allowedRegions) + ")");
        }
        // Unknown purchase option (an event that does not say) is no verdict, not a violation.
        if (spotRequiredForGpus && r.gpuCount() > 0 && r.purchase() == PurchaseOption.ON_DEMAND) {
            out.add("on-demand launch of " + r.gpuCount() + " GPU(s); this policy requires spot for GPU instances");
        }
        TreeSet<String> missing = new TreeSet<>();
        for (String tag : requiredTags) {
            String value = r.tags().get(tag);
            if (value == null || value.isBlank()) {
                missing.add(tag);
            }
        }
        if (!missing.isEmpty()) {
            out.add("missing required tags: " + String.join(", ", missing));
        }
        return out;
    }

    /** {@code *} matches any run of characters, {@code ?} one character; everything else is literal. */
    static boolean globMatches(String glob, String value) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.matches(regex.toString(), value);
    }
}
