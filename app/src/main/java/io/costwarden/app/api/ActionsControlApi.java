package io.costwarden.app.api;

import io.costwarden.app.auth.ApiAccess;
import io.costwarden.app.auth.Caller;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.app.roles.RecentActivity;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ActionsControl;
import io.costwarden.model.Outcome;
import io.costwarden.model.Topics;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.jboss.logging.Logger;

/**
 * The operator endpoints: ApiAccess lets only operators (an operator token, or costwarden.api.admin-key in
 * x-api-key) through.
 *
 * <p>The cluster-wide kill switch: a pause is a record on the compacted costwarden.control.v1 that every
 * executor follows, so it holds for every instance, also those started later.
 *
 * <p>Undo: a request on costwarden.actions.v1 naming the action to reverse. The executor takes what that
 * action changed from its ledger; this endpoint only checks, from the results this instance holds, that
 * there is something to undo, so that an operator hears why not at once rather than from the audit trail.
 *
 * <p>Both answer only once the broker has the record.
 */
@Path("/api/actions")
@Produces(MediaType.APPLICATION_JSON)
public class ActionsControlApi {
    private static final Logger LOG = Logger.getLogger(ActionsControlApi.class);

    private final KafkaCluster kafka;
    private final RecentActivity recent;
    private final CurrentVertxRequest request;

    public ActionsControlApi(KafkaCluster kafka, RecentActivity recent, CurrentVertxRequest request) {
        this.kafka = kafka;
        this.recent = recent;
        this.request = request;
    }

    @POST
    @Path("pause")
    public ActionsControl pause(@QueryParam("reason") String reason,
            @QueryParam("by") String by) {
        return write(true, reason, by);
    }

    @POST
    @Path("resume")
    public ActionsControl resume(@QueryParam("reason") String reason,
            @QueryParam("by") String by) {
        return write(false, reason, by);
    }

    /** The undo as it was accepted: the id its result will carry on costwarden.action-results.v1. */
    public record UndoAccepted(String undoActionId, String undoOf, String requestedBy, String status) {
    }

    @POST
    @Path("{id}/undo")
    public Response undo(@PathParam("id") String actionId, @QueryParam("by") String by) {
        String operator = operator(by);
        ActionResult original = recent.results().stream().filter(a -> a.actionId().equals(actionId)).findFirst()
                .orElseThrow(() -> ApiProblem.notFound("no action " + actionId + " among the " + recent.results().size()
                        + " most recent results this instance holds (costwarden.api.recent-limit)"));
        List<ActionResult> earlier = recent.results().stream().filter(a -> a.undoOf().equals(actionId)).toList();
        Optional<ActionResult> succeeded = earlier.stream().filter(a -> a.outcome() == Outcome.SUCCEEDED).findFirst();
        if (succeeded.isPresent()) {
            throw ApiProblem.conflict("action " + actionId + " was already undone by " + succeeded.get().actionId());
        }
        if (original.isUndo()) {
            throw ApiProblem.conflict("action " + actionId + " is itself an undo; act again instead");
        }
        if (!original.changedSomething()) {
            throw ApiProblem.conflict("action " + actionId + " changed nothing (" + original.outcome()
                    + (original.message().isEmpty() ? "" : ": " + original.message()) + "), so there is nothing to undo");
        }
        // An earlier attempt that failed or was refused does not use up the undo: this is the next attempt.
        ActionRequest undo = ActionRequest.undo(original, operator, Clock.systemUTC().instant(), earlier.size() + 1);
        send(Topics.ACTIONS.name(), undo.resourceId(), undo, Topics.ACTIONS.keySerde().serializer(),
                Topics.ACTIONS.valueSerde().serializer());
        LOG.warnf("undo of action %s (%s of %s) requested by %s", actionId, original.action().word(), original.resourceId(),
                operator);
        return Response.accepted(new UndoAccepted(undo.actionId(), actionId, operator, "requested")).build();
    }

    /**
     * The operator: ApiAccess let the request through only with an operator credential. A named token is who
     * acted; the shared admin key names no one, so its caller's own {@code by} is recorded (self-reported).
     */
    private String operator(String by) {
        Caller caller = request.getCurrent().get(ApiAccess.CALLER);
        if (caller == null || !caller.role().allows(Caller.Role.OPERATOR)) {
            throw ApiProblem.unauthorized("the operator endpoints need an operator credential");
        }
        if (!caller.name().equals("admin-key")) {
            return caller.name();
        }
        return by == null || by.isBlank() ? "admin-key" : by;
    }

    private ActionsControl write(boolean paused, String reason, String by) {
        ActionsControl control = new ActionsControl(ActionsControl.SCHEMA_VERSION, paused, operator(by),
                reason == null ? "" : reason, Clock.systemUTC().instant());
        send(Topics.CONTROL.name(), ActionsControl.KEY, control, Topics.CONTROL.keySerde().serializer(),
                Topics.CONTROL.valueSerde().serializer());
        LOG.warnf("actions %s by %s: %s", paused ? "PAUSED" : "resumed", control.by(), control.reason());
        return control;
    }

    private <V> void send(String topic, String recordKey, V value, Serializer<String> keys, Serializer<V> values) {
        Map<String, Object> props = new HashMap<>(kafka.clientSettings());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(props, keys, values)) {
            producer.send(new ProducerRecord<>(topic, recordKey, value)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiProblem.unavailable("interrupted while writing to " + topic);
        } catch (ExecutionException | TimeoutException e) {
            throw ApiProblem.unavailable("cannot write " + topic + ": " + e.getMessage());
        }
    }
}
