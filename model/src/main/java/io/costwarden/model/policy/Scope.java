package io.costwarden.model.policy;

import io.costwarden.model.Resource;
import java.util.List;
import java.util.Map;

/**
 * Which resources a policy looks at: an empty list or map means "any". Tag filters all must match
 * (a resource without the tag does not); values are globs. Group policies (spend, GPU quota) are
 * scoped by group name instead, e.g. {@code ml-*}.
 */
public record Scope(List<String> accounts, List<String> regions, Map<String, List<String>> tags, List<String> groups) {
    public static final Scope EVERYTHING = new Scope(List.of(), List.of(), Map.of(), List.of());

    public Scope {
        accounts = List.copyOf(accounts);
        regions = List.copyOf(regions);
        tags = Map.copyOf(tags);
        groups = List.copyOf(groups);
    }

    public boolean matches(Resource r) {
        return matches(r.account(), r.region(), r.tags());
    }

    public boolean matches(String account, String region, Map<String, String> resourceTags) {
        if (!accounts.isEmpty() && !accounts.contains(account)) {
            return false;
        }
        if (!regions.isEmpty() && !Glob.matchesAny(regions, region)) {
            return false;
        }
        for (Map.Entry<String, List<String>> want : tags.entrySet()) {
            String value = resourceTags.get(want.getKey());
            if (value == null || !Glob.matchesAny(want.getValue(), value)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a group is in scope. The globs match the group's value ({@code ml-*} matches
     * {@code team=ml-research}) or its whole key ({@code team=ml-*}), so one scope can name either.
     */
    public boolean matchesGroup(String groupKey) {
        if (groups.isEmpty()) {
            return true;
        }
        int eq = groupKey.indexOf('=');
        String value = eq < 0 ? groupKey : groupKey.substring(eq + 1);
        return Glob.matchesAny(groups, value) || Glob.matchesAny(groups, groupKey);
    }
}
