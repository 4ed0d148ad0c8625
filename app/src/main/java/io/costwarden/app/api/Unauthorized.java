package io.costwarden.app.api;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** A request without the credentials its endpoint needs; a 401 with why. */
public class Unauthorized extends RuntimeException {
    public Unauthorized(String message) {
        super(message);
    }

    @Provider
    public static class Mapper implements ExceptionMapper<Unauthorized> {
        @Override
        public Response toResponse(Unauthorized e) {
            return ApiError.response(Response.Status.UNAUTHORIZED, e.getMessage());
        }
    }
}
