package io.costwarden.model.policy;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The parameter values one policy section gave, read against its declared {@link Param}s. */
public final class Params {
    private final Map<Param<?>, Object> values = new HashMap<>();

    <T> void put(Param<T> param, T value) {
        values.put(param, value);
    }

    public boolean has(Param<?> param) {
        return values.containsKey(param);
    }

    /** The given value, else the declared default; throws for an absent parameter without one. */
    @SuppressWarnings("unchecked")
    public <T> T get(Param<T> param) {
        Object v = values.get(param);
        if (v != null) {
            return (T) v;
        }
        return param.fallback().orElseThrow(() -> new IllegalStateException("'" + param.key() + "' was not given"));
    }

    @SuppressWarnings("unchecked")
    public <T> Optional<T> find(Param<T> param) {
        Object v = values.get(param);
        return v != null ? Optional.of((T) v) : param.fallback();
    }
}
