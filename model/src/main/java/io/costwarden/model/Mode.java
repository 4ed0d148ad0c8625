package io.costwarden.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/** How far a policy may go: record what it would do, only tell people, or act. */
public enum Mode implements PolicyWord {
    DRY_RUN("dry-run"), NOTIFY("notify"), ENFORCE("enforce");

    private final String word;

    Mode(String word) {
        this.word = word;
    }

    @JsonValue
    @Override
    public String word() {
        return word;
    }

    @JsonCreator
    public static Mode fromWord(String word) {
        return PolicyWord.fromWord(Mode.class, word);
    }

    public static Optional<Mode> byWord(String word) {
        return PolicyWord.byWord(Mode.class, word);
    }
}
