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

    static ActionRequest stop(ResourceKind kind, String nativeId, Mode mode) {
        String findingId = Ids.finding("p", kind.arn(REGION, ACCOUNT, nativeId), "event:e1");
        return new ActionRequest(ActionRequest.SCHEMA_VERSION, Ids.action(findingId, ActionKind.STOP), findingId, "p", "v1",
                ActionKind.STOP, mode, kind.arn(REGION, ACCOUNT, nativeId), kind, nativeId, ACCOUNT, REGION,
                Instant.parse("2026-11-20T10:00:00Z"));
    }
}
