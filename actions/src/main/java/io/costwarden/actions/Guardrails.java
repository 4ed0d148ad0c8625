package io.costwarden.actions;

import io.costwarden.model.ActionRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What every enforced action must pass before it may reach AWS, checked in the executor whatever
 * upstream decided: the kill switch, the account allowlist and the blast-radius limits. A blocked
 * action is recorded as skipped and never retried: a limit must not turn into a queued burst.
 *
 * @param pausedByConfig  the kill switch in configuration, on top of the one on costwarden.control.v1
 * @param allowedAccounts empty: every account
 * @param perPolicy       at most this many enforced actions per policy in any {@code window}
 * @param global          at most this many enforced actions in all in any {@code window}
 */
public record Guardrails(boolean pausedByConfig, Set<String> allowedAccounts, int perPolicy, int global, Duration window) {

    public static final Guardrails DEFAULTS = new Guardrails(false, Set.of(), 10, 50, Duration.ofHours(1));

    public Guardrails(Set<String> allowedAccounts, int perPolicy, int global, Duration window) {
        this(false, allowedAccounts, perPolicy, global, window);
    }

    public Guardrails {
        allowedAccounts = Set.copyOf(allowedAccounts);
        if (perPolicy < 0 || global < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("blast-radius limits must be 0 or more and the window positive");
        }
    }

    /** Why an enforced action may not run now, with the code the result carries; empty when it may. */
    public record Block(String code, String message) {
    }

    /**
     * What an operator's undo must pass: the account allowlist alone. An undo restores what Costwarden changed,
     * so neither a pause (often the moment an operator starts undoing) nor the blast-radius limits hold it back,
     * and it does not count towards them.
     */
    public Optional<Block> checkUndo(ActionRequest r) {
        if (!allowedAccounts.isEmpty() && !allowedAccounts.contains(r.account())) {
            return Optional.of(new Block("AccountNotAllowed", "account " + r.account()
                    + " is not in costwarden.actions.allowed-accounts"));
        }
        return Optional.empty();
    }

    /**
     * @param policyAttempts enforced attempts of the request's policy so far (times, any order)
     * @param allAttempts    enforced attempts of every policy so far
     */
    public Optional<Block> check(ActionRequest r, boolean paused, List<Instant> policyAttempts, List<Instant> allAttempts,
            Instant now) {
        if (pausedByConfig) {
            return Optional.of(new Block("ActionsPaused", "actions are paused by costwarden.actions.paused"));
        }
        if (paused) {
            return Optional.of(new Block("ActionsPaused", "actions are paused (POST /api/actions/resume to resume)"));
        }
        if (!allowedAccounts.isEmpty() && !allowedAccounts.contains(r.account())) {
            return Optional.of(new Block("AccountNotAllowed", "account " + r.account()
                    + " is not in costwarden.actions.allowed-accounts"));
        }
        Instant since = now.minus(window);
        long mine = policyAttempts.stream().filter(t -> t.isAfter(since)).count();
        if (mine >= perPolicy) {
            return Optional.of(new Block("BlastRadiusLimit", "policy " + r.policy() + " has acted " + mine + " times in the last "
                    + window + "; the limit is " + perPolicy + " (costwarden.actions.limits.per-policy)"));
        }
        long all = allAttempts.stream().filter(t -> t.isAfter(since)).count();
        if (all >= global) {
            return Optional.of(new Block("BlastRadiusLimit", "all policies have acted " + all + " times in the last " + window
                    + "; the limit is " + global + " (costwarden.actions.limits.global)"));
        }
        return Optional.empty();
    }
}
