package io.costwarden.app.api;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * A request the API answers with an error status and a message, in the one {@link ApiError} body. A 503
 * also says when to retry: it means the part that would answer is not running here or not ready yet.
 */
public final class ApiProblem extends RuntimeException {
    private final Response.Status status;

    private ApiProblem(Response.Status status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The request cannot be answered as asked (400). */
    public static ApiProblem badRequest(String message) {
        return new ApiProblem(Response.Status.BAD_REQUEST, message);
    }

    /** The request lacks the credentials its endpoint needs (401). */
    public static ApiProblem unauthorized(String message) {
        return new ApiProblem(Response.Status.UNAUTHORIZED, message);
    }

    /** The endpoint is switched off by configuration (403). */
    public static ApiProblem forbidden(String message) {
        return new ApiProblem(Response.Status.FORBIDDEN, message);
    }

    /** There is no such thing (404). */
    public static ApiProblem notFound(String message) {
        return new ApiProblem(Response.Status.NOT_FOUND, message);
    }

    /** The thing is in a state that refuses the request (409). */
    public static ApiProblem conflict(String message) {
        return new ApiProblem(Response.Status.CONFLICT, message);
    }

    /** The part of Costwarden that would answer is not running here, or not yet (503). */
    public static ApiProblem unavailable(String message) {
        return new ApiProblem(Response.Status.SERVICE_UNAVAILABLE, message);
    }

    @Provider
    public static class Mapper implements ExceptionMapper<ApiProblem> {
        @Override
        public Response toResponse(ApiProblem e) {
            Response r = ApiError.response(e.status, e.getMessage());
            return e.status == Response.Status.SERVICE_UNAVAILABLE
                    ? Response.fromResponse(r).header("Retry-After", "5").build() : r;
        }
    }
}
