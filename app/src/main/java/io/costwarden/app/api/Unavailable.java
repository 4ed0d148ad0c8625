package io.costwarden.app.api;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** The part of Costwarden that would answer is not running (here, or yet); a 503 with why. */
public class Unavailable extends RuntimeException {
    public Unavailable(String message) {
        super(message);
    }

    @Provider
    public static class Mapper implements ExceptionMapper<Unavailable> {
        @Override
        public Response toResponse(Unavailable e) {
            return Response.fromResponse(ApiError.response(Response.Status.SERVICE_UNAVAILABLE, e.getMessage()))
                    .header("Retry-After", "5").build();
        }
    }
}
