package io.costwarden.app.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.WireRequest;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** "Saved so far": saving per hour times hours since the action, until an undo; dry-runs apart, as projected. */
class SavingsTest {
    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    static final WireRequest STOP = new WireRequest("ec2", "StopInstances", "POST", "https://ec2", Map.of(), "Action=StopInstances");

    static Finding finding(String id, String team) {
        return new Finding(Finding.SCHEMA_VERSION, id, id + "-t", "idle", "v1", "idle", FindingState.ACTED, "",
                "arn:aws:ec2:us-east-1:123456789012:instance/" + id, ResourceKind.EC2_INSTANCE, id, "123456789012",
                "us-east-1", "g5.xlarge", 1, "", team == null ? Map.of() : Map.of("team", team), "", Map.of(), List.of(),
                ActionKind.STOP, Mode.ENFORCE, List.of(), T0, T0, T0, "");
    }

    static ActionResult result(String actionId, String findingId, Outcome outcome, String saving, Instant at, String undoOf) {
        return new ActionResult(ActionResult.SCHEMA_VERSION, actionId, findingId, "idle", ActionKind.STOP,
                outcome == Outcome.DRY_RUN ? Mode.DRY_RUN : Mode.ENFORCE, "arn:aws:ec2:us-east-1:123456789012:instance/"
                        + findingId, ResourceKind.EC2_INSTANCE, findingId,
                "123456789012", "us-east-1", outcome, STOP, List.of(STOP), "", "", "", outcome == Outcome.SUCCEEDED
                        && undoOf.isEmpty() ? Map.of("state", "running") : Map.of(),
                saving == null ? null : new BigDecimal(saving), undoOf, "policy", at);
    }

    @Test
    void savedIsTheRateTimesTheHoursUntilNowOrTheUndoAndDryRunsAreProjected() {
        List<Finding> findings = List.of(finding("i-ml", "ml"), finding("i-web", "web"), finding("i-none", null));
        List<ActionResult> results = List.of(
                // Enforced 10 h ago, $1.006/h, still stopped: $10.06.
                result("a1", "i-ml", Outcome.SUCCEEDED, "1.006", T0, ""),
                // Enforced 10 h ago, $2/h, undone after 3 h: $6, and nothing per hour any more.
                result("a2", "i-web", Outcome.SUCCEEDED, "2", T0, ""),
                result("u2", "i-web", Outcome.SUCCEEDED, null, T0.plusSeconds(3 * 3600), "a2"),
                // A dry-run 4 h ago at $0.5/h: projected $2.
                result("a3", "i-none", Outcome.DRY_RUN, "0.5", T0.plusSeconds(6 * 3600), ""),
                // Failed, or without a price: not counted (the latter as unpriced).
                result("a4", "i-ml", Outcome.FAILED, "9", T0, ""),
                result("a5", "i-ml", Outcome.SUCCEEDED, null, T0, ""));

        Savings.Report r = Savings.compute("team", results, findings, T0.plusSeconds(10 * 3600));

        assertThat(r.savedUsd()).isEqualTo(16.06);
        assertThat(r.projectedUsd()).isEqualTo(2.0);
        assertThat(r.unpriced()).isEqualTo(1);
        assertThat(r.groups()).containsExactly(
                new Savings.GroupSavings("team=ml", 10.06, 1.01, 1, 0, 0, 0),
                new Savings.GroupSavings("team=web", 6.0, 0, 1, 0, 0, 0),
                new Savings.GroupSavings("team=(untagged)", 0, 0, 0, 2.0, 0.5, 1));
        assertThat(r.method()).contains("until an undo");
    }

    @Test
    void aResourceActedOnAgainCountsItsHoursOnce() {
        List<Finding> findings = List.of(finding("i-ml", "ml"));
        // Stopped at T0 ($1/h), started by hand, stopped again at T0+4h ($1/h): 10 h, not 10 + 6.
        List<ActionResult> results = List.of(result("a1", "i-ml", Outcome.SUCCEEDED, "1", T0, ""),
                result("a2", "i-ml", Outcome.SUCCEEDED, "1", T0.plusSeconds(4 * 3600), ""));

        Savings.Report r = Savings.compute("team", results, findings, T0.plusSeconds(10 * 3600));

        assertThat(r.savedUsd()).isEqualTo(10.0);
        assertThat(r.groups().get(0).savingUsdPerHour()).as("the rate now counts the newest action only").isEqualTo(1.0);
    }
}
