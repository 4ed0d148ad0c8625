package io.costwarden.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/**
 * Where a finding is in its life: {@code open} (the warning, during the grace period), then
 * {@code acted} (the grace period ended with the condition still holding: the action was requested),
 * {@code cancelled} (the condition stopped holding, or the resource was exempted, stopped or removed
 * before the action) or {@code resolved} (the condition stopped holding after the action).
 */
public enum FindingState implements PolicyWord {
    OPEN("open"), ACTED("acted"), CANCELLED("cancelled"), RESOLVED("resolved");

    private final String word;

    FindingState(String word) {
        this.word = word;
    }

    @JsonValue
    @Override
    public String word() {
        return word;
    }

    /** Also reads the upper-case names that findings of schema version 1 were written with. */
    @JsonCreator
    public static FindingState fromWord(String word) {
        return word != null && word.equals(word.toUpperCase(java.util.Locale.ROOT))
                ? valueOf(word) : PolicyWord.fromWord(FindingState.class, word);
    }

    public static Optional<FindingState> byWord(String word) {
        return PolicyWord.byWord(FindingState.class, word);
    }

    /** Open and acted findings are still current; cancelled and resolved ones are history. */
    public boolean current() {
        return this == OPEN || this == ACTED;
    }
}
