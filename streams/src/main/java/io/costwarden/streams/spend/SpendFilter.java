package io.costwarden.streams.spend;

import io.costwarden.model.ResourceKind;
import io.costwarden.model.policy.DetectorType;
import java.util.Set;

/**
 * Which part of a group's spend a figure covers: the resource kinds a policy watches, and whether only
 * resources with GPUs count. Spend is kept per slice (a kind, with or without GPUs) so every policy can
 * sum exactly its part.
 */
public record SpendFilter(Set<ResourceKind> kinds, boolean gpuOnly) {
    /** Every priced kind. */
    public static final SpendFilter ALL = new SpendFilter(DetectorType.PRICED, false);
    /** Every priced kind, GPU resources only. */
    public static final SpendFilter GPU = new SpendFilter(DetectorType.PRICED, true);

    private static final String GPU_SUFFIX = "+gpu";

    public SpendFilter {
        kinds = Set.copyOf(kinds);
    }

    /** The slice a resource's spend goes to, e.g. {@code ec2-instance+gpu}. */
    public static String slice(ResourceKind kind, boolean gpu) {
        return kind.word() + (gpu ? GPU_SUFFIX : "");
    }

    public boolean includes(String slice) {
        boolean gpu = slice.endsWith(GPU_SUFFIX);
        if (gpuOnly && !gpu) {
            return false;
        }
        String word = gpu ? slice.substring(0, slice.length() - GPU_SUFFIX.length()) : slice;
        return ResourceKind.byWord(word).map(kinds::contains).orElse(false);
    }

    public boolean includes(Contribution c) {
        return (!gpuOnly || c.gpus() > 0) && kinds.contains(c.kind());
    }
}
