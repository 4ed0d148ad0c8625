package io.costwarden.model.policy;

import java.util.Optional;

/**
 * One parameter a detector or a policy section accepts, declared once: validation, defaults and the
 * reference tables in {@code docs/policies.md} all come from this declaration.
 *
 * @param fallback the value when the key is absent; empty for a required parameter or one with no default
 * @param meaning  one sentence for the docs
 */
public record Param<T>(String key, ParamType<T> type, boolean required, Optional<T> fallback, String meaning) {

    public static <T> Param<T> required(String key, ParamType<T> type, String meaning) {
        return new Param<>(key, type, true, Optional.empty(), meaning);
    }

    public static <T> Param<T> optional(String key, ParamType<T> type, String meaning) {
        return new Param<>(key, type, false, Optional.empty(), meaning);
    }

    public static <T> Param<T> withDefault(String key, ParamType<T> type, T fallback, String meaning) {
        return new Param<>(key, type, false, Optional.of(fallback), meaning);
    }

    /** How the docs show the default: the value as a policy file would spell it. */
    public String defaultText() {
        if (required) {
            return "required";
        }
        return fallback.map(type::spell).orElse("none");
    }
}
