package io.costwarden.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/** What a policy asks to be done about a finding. */
public enum ActionKind implements PolicyWord {
    STOP("stop"), NOTIFY("notify");

    private final String word;

    ActionKind(String word) {
        this.word = word;
    }

    @JsonValue
    @Override
    public String word() {
        return word;
    }

    @JsonCreator
    public static ActionKind fromWord(String word) {
        return PolicyWord.fromWord(ActionKind.class, word);
    }

    public static Optional<ActionKind> byWord(String word) {
        return PolicyWord.byWord(ActionKind.class, word);
    }
}
