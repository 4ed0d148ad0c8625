package io.costwarden.model;

import java.util.List;
import java.util.Map;

/**
 * How a policy wants its action done, from the parameters under its action word (see
 * {@code policy.ActionParams} for each one's meaning and default). One flat record for every action
 * kind: each action reads only its own fields, and the rest stay at their neutral values.
 *
 * @param hibernate         stop: EC2 StopInstances with Hibernate=true
 * @param toType            downscale of an EC2 instance or notebook instance: the type to change to
 * @param capacity          downscale of an endpoint (instances per variant) or Auto Scaling group (desired)
 * @param minSize           downscale of an Auto Scaling group: new MinSize; null keeps it (lowered to capacity if needed)
 * @param maxSize           downscale of an Auto Scaling group: new MaxSize; null keeps it
 * @param spotTypes         spot-migrate of an Auto Scaling group: the equivalent types to override with; empty keeps
 *                          the launch template's type alone
 * @param onDemandBase      spot-migrate of an Auto Scaling group: instances kept on demand before any spot
 * @param minHealthyPercent spot-migrate of an Auto Scaling group: the instance refresh's MinHealthyPercentage
 * @param replaceStandalone spot-migrate of an EC2 instance: replace it (image, spot launch, terminate) rather than
 *                          record a recommendation
 * @param tags              tag: the tags to set, on top of {@code costwarden:finding} and {@code costwarden:policy}
 */
public record ActionOptions(boolean hibernate, String toType, Integer capacity, Integer minSize, Integer maxSize,
        List<String> spotTypes, int onDemandBase, int minHealthyPercent, boolean replaceStandalone,
        Map<String, String> tags) {

    public static final int DEFAULT_MIN_HEALTHY_PERCENT = 90;
    public static final ActionOptions NONE = new ActionOptions(false, null, null, null, null, List.of(), 0,
            DEFAULT_MIN_HEALTHY_PERCENT, false, Map.of());

    public ActionOptions {
        spotTypes = spotTypes == null ? List.of() : List.copyOf(spotTypes);
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        // Absent in JSON written before the field existed: the documented default, not 0 (which would allow
        // a refresh to replace every instance at once).
        minHealthyPercent = minHealthyPercent == 0 ? DEFAULT_MIN_HEALTHY_PERCENT : minHealthyPercent;
    }
}
