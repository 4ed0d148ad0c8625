package io.costwarden.streams;

import io.costwarden.model.PurchaseOption;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Verb;
import java.time.Instant;
import java.util.Map;

/** ResourceEvents as the CloudTrail parser makes them, for topology tests. */
public final class Events {
    public static final String ACCOUNT = "123456789012";
    public static final String REGION = "us-east-1";

    private Events() {
    }

    public static ResourceEvent launch(String instanceId, String type, int gpus, Map<String, String> tags, String at) {
        return event("RunInstances", Verb.LAUNCH, instanceId, type, gpus, tags, at);
    }

    public static ResourceEvent event(String name, Verb verb, String instanceId, String type, int gpus,
            Map<String, String> tags, String at) {
        ResourceKind kind = ResourceKind.EC2_INSTANCE;
        return new ResourceEvent(ResourceEvent.SCHEMA_VERSION, name + "-" + instanceId + "-" + at, name,
                Instant.parse(at), ACCOUNT, REGION, "arn:aws:iam::" + ACCOUNT + ":user/ana", verb, kind,
                kind.arn(REGION, ACCOUNT, instanceId), instanceId, type, gpus,
                verb == Verb.LAUNCH ? PurchaseOption.ON_DEMAND : PurchaseOption.UNKNOWN, tags, 1);
    }

    public static String arn(String instanceId) {
        return ResourceKind.EC2_INSTANCE.arn(REGION, ACCOUNT, instanceId);
    }
}
