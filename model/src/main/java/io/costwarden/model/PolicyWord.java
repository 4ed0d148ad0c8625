package io.costwarden.model;

import java.util.Arrays;
import java.util.Optional;

/** A closed set whose members are named in policy files and the API by a word such as {@code dry-run}. */
public interface PolicyWord {
    String word();

    static <E extends Enum<E> & PolicyWord> Optional<E> byWord(Class<E> type, String word) {
        return Arrays.stream(type.getEnumConstants()).filter(e -> e.word().equals(word)).findFirst();
    }

    static <E extends Enum<E> & PolicyWord> E fromWord(Class<E> type, String word) {
        return byWord(type, word).orElseThrow(() -> new IllegalArgumentException("unknown "
                + type.getSimpleName() + " '" + word + "'"));
    }
}
