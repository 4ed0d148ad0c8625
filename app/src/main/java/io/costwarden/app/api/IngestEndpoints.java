package io.costwarden.app.api;

import io.costwarden.app.roles.IngestRole;
import io.costwarden.ingest.IngestReport;
import io.costwarden.ingest.KafkaPublisher;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

/**
 * HTTP ingest. 200 when every record was used or skipped, and also when some were rejected but others
 * accepted (the rejected ones are listed and dead-lettered); 400 when nothing in the body was usable;
 * 503 when Kafka did not acknowledge, in which case nothing is acknowledged and the sender should retry.
 */
@Path("/ingest")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
public class IngestEndpoints {
    private static final Logger LOG = Logger.getLogger(IngestEndpoints.class);

    private final IngestRole ingest;
    private final IngestCredentials credentials;

    public IngestEndpoints(IngestRole ingest, IngestCredentials credentials) {
        this.ingest = ingest;
        this.credentials = credentials;
    }

    /** CloudTrail in any form: one record, an array, an S3 log file, newline-delimited, gzipped or not. */
    @POST
    @Path("/cloudtrail")
    public Response cloudTrail(@Context HttpHeaders headers, byte[] body) {
        credentials.check(headers);
        return ingest("http:/ingest/cloudtrail", body);
    }

    /** What an EventBridge API destination sends: one event per request. */
    @POST
    @Path("/events")
    public Response events(@Context HttpHeaders headers, byte[] body) {
        credentials.check(headers);
        return ingest("http:/ingest/events", body);
    }

    private Response ingest(String source, byte[] body) {
        if (!ingest.enabled()) {
            throw ApiProblem.unavailable("the ingest role is not enabled on this instance (costwarden.roles)");
        }
        try {
            IngestReport report = ingest.cloudTrail().ingest(source, body == null ? new byte[0] : body);
            if (report.accepted() == 0 && report.rejected() > 0) {
                return Response.status(Response.Status.BAD_REQUEST).entity(report).build();
            }
            return Response.ok(report).build();
        } catch (KafkaPublisher.NotDurable e) {
            LOG.warnf("ingest from %s not acknowledged: %s", source, e.getMessage());
            throw ApiProblem.unavailable("not stored, retry: " + e.getMessage());
        }
    }
}
