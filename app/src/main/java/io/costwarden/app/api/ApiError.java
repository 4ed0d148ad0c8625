package io.costwarden.app.api;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** The one error body every endpoint answers with: what went wrong, and the details when there are several. */
public record ApiError(int status, String error, List<String> details) {

    public static Response response(Response.Status status, String error) {
        return response(status, error, List.of());
    }

    public static Response response(Response.Status status, String error, List<String> details) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(new ApiError(status.getStatusCode(), error, details)).build();
    }
}
