package io.costwarden.model.policy;

import java.util.List;
import java.util.regex.Pattern;

/** Shell-style globs as policies write them: {@code *} any run of characters, {@code ?} one character. */
public final class Glob {
    private Glob() {
    }

    public static boolean matches(String glob, String value) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.matches(regex.toString(), value);
    }

    public static boolean matchesAny(List<String> globs, String value) {
        return globs.stream().anyMatch(g -> matches(g, value));
    }
}
