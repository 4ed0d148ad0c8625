package io.costwarden.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/** What a policy asks to be done about a finding. */
public enum ActionKind {
    STOP("stop"), NOTIFY("notify");

    private final String word;

    ActionKind(String word) {
        this.word = word;
    }

    @JsonValue
    public String word() {
        return word;
    }

    @JsonCreator
    public static ActionKind fromWord(String word) {
        return byWord(word).orElseThrow(() -> new IllegalArgumentException("unknown action '" + word + "'"));
    }

    public static Optional<ActionKind> byWord(String word) {
        return Arrays.stream(values()).filter(a -> a.word.equals(word)).findFirst();
    }
}
