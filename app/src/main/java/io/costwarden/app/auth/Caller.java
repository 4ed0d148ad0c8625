package io.costwarden.app.auth;

/**
 * Who made an API request, as far as its credential says.
 *
 * @param name the token's configured name, {@code admin-key} for the x-api-key, or {@code anonymous} where the
 *             API is open (loopback only)
 */
public record Caller(String name, Role role) {
    public static final Caller ANONYMOUS_VIEWER = new Caller("anonymous", Role.VIEWER);

    /** What a caller may do: a viewer reads; an operator also pauses, resumes and undoes. */
    public enum Role {
        VIEWER, OPERATOR;

        public boolean allows(Role needed) {
            return this == OPERATOR || needed == VIEWER;
        }
    }
}
