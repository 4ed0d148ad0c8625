package io.costwarden.actions;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionOptions;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.ResourceKind;
import java.time.Instant;

final class Requests {
    static final String ACCOUNT = "123456789012";
    static final String REGION = "us-east-1";

    private Requests() {
    }

    static final ActionOptions HIBERNATE = new ActionOptions(true, null, null, null, null, java.util.List.of(), 0,
            ActionOptions.DEFAULT_MIN_HEALTHY_PERCENT, false, java.util.Map.of());

    /** A policy's request for any action, with the options a policy would give and the type the inventory knew. */
    static ActionRequest request(ActionKind action, ResourceKind kind, String nativeId, Mode mode, ActionOptions options,
            String instanceType) {
        String findingId = Ids.finding("p", kind.arn(REGION, ACCOUNT, nativeId), "event:e1");
        return new ActionRequest(ActionRequest.SCHEMA_VERSION, Ids.action(findingId, action), findingId, "p", "v1", action,
                mode, kind.arn(REGION, ACCOUNT, nativeId), kind, nativeId, ACCOUNT, REGION, instanceType, options,
                java.util.Map.of(), "", ActionRequest.BY_POLICY, Instant.parse("2026-11-20T10:00:00Z"));
    }

    static ActionOptions toType(String type) {
        return new ActionOptions(false, type, null, null, null, java.util.List.of(), 0,
                ActionOptions.DEFAULT_MIN_HEALTHY_PERCENT, false, java.util.Map.of());
    }

    static ActionOptions capacity(Integer capacity, Integer min, Integer max) {
        return new ActionOptions(false, null, capacity, min, max, java.util.List.of(), 0,
                ActionOptions.DEFAULT_MIN_HEALTHY_PERCENT, false, java.util.Map.of());
    }

    static ActionOptions spot(java.util.List<String> types, int onDemandBase, boolean replaceStandalone) {
        return new ActionOptions(false, null, null, null, null, types, onDemandBase, ActionOptions.DEFAULT_MIN_HEALTHY_PERCENT,
                replaceStandalone, java.util.Map.of());
    }

    static ActionOptions tags(java.util.Map<String, String> tags) {
        return new ActionOptions(false, null, null, null, null, java.util.List.of(), 0,
                ActionOptions.DEFAULT_MIN_HEALTHY_PERCENT, false, tags);
    }

    /** An executor on these clients whose waiters poll every millisecond. */
    static Executor fastExecutor(io.costwarden.actions.aws.AwsClients clients) {
        return Executor.over(clients, false, new Executor.Timing(java.time.Duration.ofSeconds(30),
                java.time.Duration.ofMillis(1)), io.costwarden.model.InstanceCatalog.bundled(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), java.time.Clock.systemUTC());
    }

    static ActionRequest stop(ResourceKind kind, String nativeId, Mode mode) {
        String findingId = Ids.finding("p", kind.arn(REGION, ACCOUNT, nativeId), "event:e1");
        return new ActionRequest(ActionRequest.SCHEMA_VERSION, Ids.action(findingId, ActionKind.STOP), findingId, "p", "v1",
                ActionKind.STOP, mode, kind.arn(REGION, ACCOUNT, nativeId), kind, nativeId, ACCOUNT, REGION,
                Instant.parse("2026-11-20T10:00:00Z"));
    }
}
