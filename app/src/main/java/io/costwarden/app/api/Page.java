package io.costwarden.app.api;

import java.util.List;

/** One page of a list endpoint: {@code items} from {@code offset}, at most {@code limit}, of {@code total}. */
public record Page<T>(List<T> items, int total, int offset, int limit) {
    public static final int MAX_LIMIT = 1000;

    public static <T> Page<T> of(List<T> all, int offset, int limit) {
        int from = Math.min(Math.max(offset, 0), all.size());
        int to = Math.min(from + limit, all.size());
        return new Page<>(List.copyOf(all.subList(from, to)), all.size(), from, limit);
    }

    /** A clear 400 for nonsense paging instead of a silent clamp. */
    public static void check(int offset, int limit) {
        if (offset < 0) {
            throw new BadRequest("offset must be 0 or more, was " + offset);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new BadRequest("limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
        }
    }
}
