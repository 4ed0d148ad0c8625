package io.costwarden.streams.decisions;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.Topics;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * From findings to action requests: an open finding whose policy asks for an action, in dry-run or
 * enforce mode, becomes one request. Notify-mode findings and notify actions stop here. The executor
 * re-checks everything (guardrails are enforced there, not trusted from here).
 */
public final class DecisionTopology {
    private DecisionTopology() {
    }

    public static void build(StreamsBuilder builder) {
        builder.stream(Topics.FINDINGS.name(), Consumed.with(Topics.FINDINGS.keySerde(), Topics.FINDINGS.valueSerde())
                        .withName("findings"))
                .filter((id, f) -> f != null && wantsAction(f), Named.as("wants-action"))
                .mapValues(DecisionTopology::request, Named.as("decide"))
                .to(Topics.ACTIONS.name(), Produced.with(Topics.ACTIONS.keySerde(), Topics.ACTIONS.valueSerde())
                        .withName("action-requests"));
    }

    static boolean wantsAction(Finding f) {
        return f.state() == FindingState.OPEN && f.action() != ActionKind.NOTIFY && f.mode() != Mode.NOTIFY;
    }

    static ActionRequest request(Finding f) {
        return new ActionRequest(ActionRequest.SCHEMA_VERSION, Ids.action(f.id(), f.action()), f.id(), f.policy(),
                f.policyVersion(), f.action(), f.mode(), f.resourceId(), f.kind(), f.nativeId(), f.account(), f.region(),
                f.detectedAt());
    }
}
