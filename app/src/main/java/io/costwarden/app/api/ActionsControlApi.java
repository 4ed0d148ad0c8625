package io.costwarden.app.api;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.model.ActionsControl;
import io.costwarden.model.Topics;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * The cluster-wide kill switch: a pause is a record on the compacted costwarden.control.v1 that every
 * executor follows, so it holds for every instance, also those started later. Answers only once the
 * broker has the record. Requires costwarden.api.admin-key.
 */
@Path("/api/actions")
@Produces(MediaType.APPLICATION_JSON)
public class ActionsControlApi {
    private static final Logger LOG = Logger.getLogger(ActionsControlApi.class);

    private final CostwardenConfig config;
    private final KafkaCluster kafka;

    public ActionsControlApi(CostwardenConfig config, KafkaCluster kafka) {
        this.config = config;
        this.kafka = kafka;
    }

    @POST
    @Path("pause")
    public ActionsControl pause(@HeaderParam("x-api-key") String key, @QueryParam("reason") String reason,
            @QueryParam("by") String by) {
        return write(key, true, reason, by);
    }

    @POST
    @Path("resume")
    public ActionsControl resume(@HeaderParam("x-api-key") String key, @QueryParam("reason") String reason,
            @QueryParam("by") String by) {
        return write(key, false, reason, by);
    }

    private ActionsControl write(String key, boolean paused, String reason, String by) {
        if (config.api().adminKey().isEmpty()) {
            throw ApiProblem.forbidden("operator endpoints are off: set costwarden.api.admin-key to use them");
        }
        if (!IngestCredentials.same(config.api().adminKey().get(), key)) {
            throw ApiProblem.unauthorized("missing or wrong x-api-key for the operator endpoints");
        }
        ActionsControl control = new ActionsControl(ActionsControl.SCHEMA_VERSION, paused, by == null ? "api" : by,
                reason == null ? "" : reason, Clock.systemUTC().instant());
        Map<String, Object> props = new HashMap<>(kafka.clientSettings());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, ActionsControl> producer = new KafkaProducer<>(props, Topics.CONTROL.keySerde().serializer(),
                Topics.CONTROL.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.CONTROL.name(), ActionsControl.KEY, control)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiProblem.unavailable("interrupted while writing the switch");
        } catch (ExecutionException | TimeoutException e) {
            throw ApiProblem.unavailable("cannot write " + Topics.CONTROL.name() + ": " + e.getMessage());
        }
        LOG.warnf("actions %s by %s: %s", paused ? "PAUSED" : "resumed", control.by(), control.reason());
        return control;
    }
}
