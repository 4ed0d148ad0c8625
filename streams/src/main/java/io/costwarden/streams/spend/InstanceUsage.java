package io.costwarden.streams.spend;

import io.costwarden.model.CostLineItem;
import java.util.Locale;

/**
 * Which billed resource-hours reconcile against the estimate: instance usage of the kinds the spend
 * rate prices, nothing else (storage, data transfer, requests and other services have no estimate).
 */
final class InstanceUsage {
    private InstanceUsage() {
    }

    /**
     * An EC2 instance or a SageMaker resource whose lines include instance usage: CUR usage types with
     * {@code BoxUsage} or {@code SpotUsage} (EC2) or {@code :ml.} (SageMaker instance hours such as
     * {@code USE1-Notebk:ml.t3.medium}); FOCUS, which carries charge descriptions there, an
     * "instance hour". The item sums every line of its resource and hour, so charges billed to the same
     * instance id (data transfer, for one) come along with its instance usage.
     */
    static boolean matches(CostLineItem item) {
        String id = item.resourceId();
        boolean priced = id.startsWith("arn:") && (id.contains(":ec2:") && id.contains(":instance/") || id.contains(":sagemaker:"));
        if (!priced) {
            return false;
        }
        for (String u : item.usageTypes()) {
            String lower = u.toLowerCase(Locale.ROOT);
            if (u.contains("BoxUsage") || u.contains("SpotUsage") || u.contains(":ml.") || lower.contains("instance hour")
                    || lower.contains("instance-hour")) {
                return true;
            }
        }
        return false;
    }
}
