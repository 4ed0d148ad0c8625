package io.costwarden.app.api;

import java.util.List;

/** One page of a list endpoint: {@code items} from {@code offset}, at most {@code limit}, of {@code total}. */
public record Page<T>(List<T> items, int total, int offset, int limit) {
    public static final int MAX_LIMIT = 1000;

    /** Which slice of a list a request asks for. */
    public record Paging(int offset, int limit) {
    }

    public static <T> Page<T> of(List<T> all, Paging paging) {
        return of(all, paging.offset(), paging.limit());
    }

    public static <T> Page<T> of(List<T> all, int offset, int limit) {
        int from = Math.min(Math.max(offset, 0), all.size());
        int to = Math.min(from + limit, all.size());
        return new Page<>(List.copyOf(all.subList(from, to)), all.size(), from, limit);
    }

    /**
     * Paging from the raw query values. Taken as text because JAX-RS answers a bare 404 when an int
     * parameter does not parse, and the API promises a 400 that says what was wrong.
     */
    public static Paging parse(String offset, String limit) {
        int o = number("offset", offset, 0);
        int l = number("limit", limit, 100);
        check(o, l);
        return new Paging(o, l);
    }

    private static int number(String name, String value, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ApiProblem.badRequest(name + " must be a whole number, was '" + value + "'");
        }
    }

    /** A clear 400 for nonsense paging instead of a silent clamp. */
    static void check(int offset, int limit) {
        if (offset < 0) {
            throw ApiProblem.badRequest("offset must be 0 or more, was " + offset);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiProblem.badRequest("limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
        }
    }
}
