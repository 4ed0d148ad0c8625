package io.costwarden.actions.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Outcome;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An undo's result makes one alert: undone when it reverted the action, failed when it did not. */
class UndoAlertTest {

    private static ActionResult undoResult(Outcome outcome) {
        Finding f = AlertFixtures.launch(FindingState.ACTED);
        ActionResult original = AlertFixtures.result(f, Outcome.SUCCEEDED, Instant.parse("2026-11-20T10:00:00Z"));
        ActionRequest undo = ActionRequest.undo(original, "ops@example.com", Instant.parse("2026-11-20T11:00:00Z"));
        return new ActionResult(ActionResult.SCHEMA_VERSION, undo.actionId(), f.id(), f.policy(), original.action(),
                undo.mode(), f.resourceId(), f.kind(), f.nativeId(), f.account(), f.region(), outcome, original.request(),
                List.of(original.request()), outcome == Outcome.FAILED ? "IncorrectInstanceState" : "", "StartInstances sent",
                "req-1", Map.of(), null, original.actionId(), "ops@example.com", Instant.parse("2026-11-20T11:00:01Z"));
    }

    @Test
    void aSucceededUndoIsUndoneAndAFailedOrRefusedOneIsFailed() {
        assertThat(AlertEvents.kindOf(undoResult(Outcome.SUCCEEDED))).contains(AlertKind.UNDONE);
        assertThat(AlertEvents.kindOf(undoResult(Outcome.FAILED))).contains(AlertKind.FAILED);
        assertThat(AlertEvents.kindOf(undoResult(Outcome.SKIPPED))).contains(AlertKind.FAILED);
    }

    @Test
    void theUndoneAlertNamesTheFindingAndTheUndoAction() {
        AlertEvents events = new AlertEvents(List.of("owner"), AlertEvents.Pricing.NONE, policy -> List.of("ops"));
        Finding f = AlertFixtures.launch(FindingState.ACTED);
        ActionResult r = undoResult(Outcome.SUCCEEDED);

        AlertEvent e = events.of(r, java.util.Optional.of(f)).orElseThrow();

        assertThat(e.kind()).isEqualTo(AlertKind.UNDONE);
        assertThat(e.findingId()).isEqualTo(f.id());
        assertThat(e.action().actionId()).isEqualTo(r.actionId());
        assertThat(e.action().outcome()).isEqualTo("succeeded");
    }
}
