package io.costwarden.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/** How far a policy may go: record what it would do, only tell people, or act. */
public enum Mode {
    DRY_RUN("dry-run"), NOTIFY("notify"), ENFORCE("enforce");

    private final String word;

    Mode(String word) {
        this.word = word;
    }

    @JsonValue
    public String word() {
        return word;
    }

    @JsonCreator
    public static Mode fromWord(String word) {
        return byWord(word).orElseThrow(() -> new IllegalArgumentException("unknown mode '" + word + "'"));
    }

    public static Optional<Mode> byWord(String word) {
        return Arrays.stream(values()).filter(m -> m.word.equals(word)).findFirst();
    }
}
