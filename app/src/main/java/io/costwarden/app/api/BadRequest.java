package io.costwarden.app.api;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** A request the API cannot answer as asked; becomes a 400 with the message. */
public class BadRequest extends RuntimeException {
    public BadRequest(String message) {
        super(message);
    }

    @Provider
    public static class Mapper implements ExceptionMapper<BadRequest> {
        @Override
        public Response toResponse(BadRequest e) {
            return ApiError.response(Response.Status.BAD_REQUEST, e.getMessage());
        }
    }
}
