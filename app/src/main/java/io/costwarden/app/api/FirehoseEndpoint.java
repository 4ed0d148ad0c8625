package io.costwarden.app.api;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.roles.IngestRole;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.firehose.FirehoseDelivery;
import io.costwarden.ingest.firehose.MetricStreamIngest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The Kinesis Data Firehose HTTP endpoint destination, for CloudWatch Metric Streams (JSON format).
 * Answers as the Firehose HTTP endpoint delivery spec asks: the request id echoed as {@code requestId},
 * a {@code timestamp}, and on error an {@code errorMessage}. 200 is sent only once every sample is in
 * Kafka; Firehose retries anything else, so a Kafka outage loses nothing.
 */
@Path("/ingest/firehose")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
public class FirehoseEndpoint {
    private static final Logger LOG = Logger.getLogger(FirehoseEndpoint.class);

    private final IngestRole ingest;
    private final CostwardenConfig config;

    public FirehoseEndpoint(IngestRole ingest, CostwardenConfig config) {
        this.ingest = ingest;
        this.config = config;
        if (config.ingest().firehoseAccessKey().isEmpty()) {
            LOG.info("costwarden.ingest.firehose-access-key is unset: /ingest/firehose accepts unauthenticated requests");
        }
    }

    @POST
    public Response deliver(@HeaderParam("X-Amz-Firehose-Request-Id") String requestId,
            @HeaderParam("X-Amz-Firehose-Access-Key") String accessKey, byte[] body) {
        String id = requestId == null ? "" : requestId;
        if (!ingest.enabled()) {
            return answer(Response.Status.SERVICE_UNAVAILABLE, id, "the ingest role is not enabled on this instance");
        }
        if (config.ingest().firehoseAccessKey().isPresent() && !sameKey(config.ingest().firehoseAccessKey().get(), accessKey)) {
            return answer(Response.Status.UNAUTHORIZED, id, "X-Amz-Firehose-Access-Key is missing or wrong");
        }
        try {
            MetricStreamIngest.Report report = ingest.metricStreams().ingest(body == null ? new byte[0] : body);
            if (!report.errors().isEmpty()) {
                LOG.warnf("firehose request %s: %d datapoints dead-lettered, first: %s", id, report.errors().size(),
                        report.errors().get(0));
            }
            return answer(Response.Status.OK, id.isEmpty() ? report.requestId() : id, null);
        } catch (FirehoseDelivery.Invalid e) {
            return answer(Response.Status.BAD_REQUEST, id, e.getMessage());
        } catch (KafkaPublisher.NotDurable e) {
            LOG.warnf("firehose request %s not acknowledged: %s", id, e.getMessage());
            return answer(Response.Status.SERVICE_UNAVAILABLE, id, "not stored, retry: " + e.getMessage());
        }
    }

    /** Constant time, so the key cannot be guessed a byte at a time from response timings. */
    static boolean sameKey(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }

    private static Response answer(Response.Status status, String requestId, String error) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("requestId", requestId);
        body.put("timestamp", System.currentTimeMillis());
        if (error != null) {
            body.put("errorMessage", error);
        }
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
