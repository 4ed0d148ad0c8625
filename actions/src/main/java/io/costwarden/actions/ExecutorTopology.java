package io.costwarden.actions;

import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ActionsControl;
import io.costwarden.model.Ids;
import io.costwarden.model.Outcome;
import io.costwarden.model.JsonSerde;
import io.costwarden.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The actions role: each request runs at most once per action id, also across restarts, because the
 * {@value #LEDGER} store (changelogged, committed with the output under exactly-once) remembers every
 * action id that has a result. Every result goes to the audit topic.
 *
 * <p>Requests are first moved to one partition ({@value #SERIAL}), so that one task sees every request
 * and the blast-radius counts in {@value #ATTEMPTS} are exact for the whole deployment, not per task.
 * Actions are rare and slow (an AWS call each); one task is not the bottleneck, the limits are. The
 * kill switch is a global store of {@code costwarden.control.v1}, so every instance sees a pause.
 *
 * <p>A crash after the AWS call but before the commit executes the request again on restart: neither
 * the ledger entry nor any marker written here is durable before that commit. What makes the repeat
 * harmless is in the adapters: an enforced action describes the resource first and continues from the
 * state it finds (a stop sends nothing to a stopped instance, a type change already made is not made
 * again, a replacement reuses its image and RunInstances client token).
 *
 * <p>An undo names the action it reverses; the ledger, which holds every result on this one partition,
 * supplies what that action recorded as the state before it.
 */
public final class ExecutorTopology {
    public static final String LEDGER = "action-ledger";
    public static final String ATTEMPTS = "action-attempts";
    public static final String CONTROL = "actions-control";
    public static final String SERIAL = "actions-serial";
    private static final String ALL = "*";
    /** How many attempts at undoing one action the executor looks back over. */
    static final int MAX_UNDO_ATTEMPTS = 20;

    private ExecutorTopology() {
    }

    /** Enforced attempts of one policy (or of all: key {@value #ALL}), epoch millis, pruned to the window. */
    record Attempts(List<Long> at) {
        Attempts {
            at = List.copyOf(at);
        }

        List<Instant> instants() {
            return at.stream().map(Instant::ofEpochMilli).toList();
        }

        Attempts plus(Instant now, Duration window) {
            List<Long> kept = new ArrayList<>(at.stream().filter(t -> t > now.minus(window).toEpochMilli()).toList());
            kept.add(now.toEpochMilli());
            return new Attempts(kept);
        }
    }

    public static Topology build(Executor executor, MeterRegistry meters) {
        return build(executor, Guardrails.DEFAULTS, meters);
    }

    public static Topology build(Executor executor, Guardrails guardrails, MeterRegistry meters) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LEDGER), Serdes.String(),
                JsonSerde.of(ActionResult.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ATTEMPTS), Serdes.String(),
                JsonSerde.of(Attempts.class)));
        builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CONTROL), Serdes.String(),
                        JsonSerde.of(ActionsControl.class)).withLoggingDisabled(), Topics.CONTROL.name(),
                Consumed.with(Topics.CONTROL.keySerde(), Topics.CONTROL.valueSerde()).withName("control"),
                ControlUpdate::new);
        builder.stream(Topics.ACTIONS.name(), Consumed.with(Topics.ACTIONS.keySerde(), Topics.ACTIONS.valueSerde())
                        .withName("action-requests"))
                .filter((k, v) -> v != null, Named.as("drop-tombstones"))
                .repartition(Repartitioned.with(Topics.ACTIONS.keySerde(), Topics.ACTIONS.valueSerde())
                        .withName(SERIAL).withNumberOfPartitions(1))
                .processValues(() -> new Run(executor, guardrails, meters), Named.as("execute"), LEDGER, ATTEMPTS)
                .filter((k, v) -> v != null, Named.as("executed"))
                .to(Topics.ACTION_RESULTS.name(), Produced.with(Topics.ACTION_RESULTS.keySerde(),
                        Topics.ACTION_RESULTS.valueSerde()).withName("action-results"));
        return builder.build();
    }

    /** Keeps the global control store: the latest switch state, or none (not paused). */
    private static final class ControlUpdate implements Processor<String, ActionsControl, Void, Void> {
        private KeyValueStore<String, ActionsControl> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(CONTROL);
        }

        @Override
        public void process(Record<String, ActionsControl> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }

    private static final class Run implements FixedKeyProcessor<String, ActionRequest, ActionResult> {
        private final Executor executor;
        private final Guardrails guardrails;
        private final MeterRegistry meters;
        private FixedKeyProcessorContext<String, ActionResult> context;
        private KeyValueStore<String, ActionResult> ledger;
        private KeyValueStore<String, Attempts> attempts;
        private KeyValueStore<String, ActionsControl> control;

        Run(Executor executor, Guardrails guardrails, MeterRegistry meters) {
            this.executor = executor;
            this.guardrails = guardrails;
            this.meters = meters;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, ActionResult> context) {
            this.context = context;
            this.ledger = context.getStateStore(LEDGER);
            this.attempts = context.getStateStore(ATTEMPTS);
            this.control = context.getStateStore(CONTROL);
        }

        @Override
        public void process(FixedKeyRecord<String, ActionRequest> record) {
            ActionRequest request = record.value();
            if (ledger.get(request.actionId()) != null) {
                meters.counter("costwarden.actions.deduplicated").increment();
                return;
            }
            ActionResult result;
            if (request.isUndo()) {
                ActionResult original = ledger.get(request.undoOf());
                Optional<ActionResult> undone = earlierUndo(request);
                var block = guardrails.checkUndo(original == null ? request : request.at(original));
                if (undone.isPresent()) {
                    result = executor.blocked(request, new Guardrails.Block(Refusal.NOT_UNDOABLE, "action "
                            + request.undoOf() + " was already undone by " + undone.get().actionId()));
                } else {
                    result = block.isPresent() ? executor.blocked(request, block.get()) : executor.execute(request, original);
                }
            } else if (executor.wouldSend(request)) {
                Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
                ActionsControl c = control.get(ActionsControl.KEY);
                Attempts mine = attempts.get(request.policy());
                Attempts all = attempts.get(ALL);
                var block = guardrails.check(request, c != null && c.paused(),
                        mine == null ? List.of() : mine.instants(), all == null ? List.of() : all.instants(), now);
                if (block.isPresent()) {
                    result = executor.blocked(request, block.get());
                } else {
                    // Counted before the call: a call that fails or times out still touched AWS.
                    attempts.put(request.policy(), (mine == null ? new Attempts(List.of()) : mine).plus(now, guardrails.window()));
                    attempts.put(ALL, (all == null ? new Attempts(List.of()) : all).plus(now, guardrails.window()));
                    result = executor.execute(request);
                }
            } else {
                result = executor.execute(request);
            }
            ledger.put(request.actionId(), result);
            context.forward(record.withValue(result));
        }

        /** An earlier attempt at the same undo that succeeded: a later attempt must not restore twice. */
        private Optional<ActionResult> earlierUndo(ActionRequest undo) {
            for (int attempt = 1; attempt <= MAX_UNDO_ATTEMPTS; attempt++) {
                String id = Ids.undo(undo.undoOf(), attempt);
                if (id.equals(undo.actionId())) {
                    return Optional.empty();
                }
                ActionResult earlier = ledger.get(id);
                if (earlier != null && earlier.outcome() == Outcome.SUCCEEDED) {
                    return Optional.of(earlier);
                }
            }
            return Optional.empty();
        }
    }
}
