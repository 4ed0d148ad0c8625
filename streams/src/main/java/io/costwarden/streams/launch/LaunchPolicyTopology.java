package io.costwarden.streams.launch;

import io.costwarden.model.Resource;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.Verb;
import io.costwarden.model.policy.LaunchRule;
import io.costwarden.model.policy.Policy;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.decisions.Verdict;
import io.costwarden.streams.inventory.InventoryTopology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Out-of-policy launches. When a resource is launched, started again or its instance type changes,
 * every launch policy for its kind and scope checks the resulting state. Tag changes re-check the tag rules, so a
 * CreateTags that fixes a launch cancels its finding and an UNTAG of a required tag opens one.
 *
 * <p>A policy with {@code tag-grace} does not judge tags at the launch: it remembers the launch in
 * {@value #PENDING} and judges the tags as they are when the grace ends (wall clock, checked every
 * {@link #CHECK_EVERY}), because CreateTags is a separate call, often in a later CloudTrail file.
 * Type, family, region and spot rules are judged at once.
 *
 * <p>The episode of a finding is the triggering event id, so a replay gives the same finding id.
 */
public final class LaunchPolicyTopology {
    public static final String DETECTOR = "launch";
    public static final String PENDING = "launch-tag-grace";
    public static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    private LaunchPolicyTopology() {
    }

    public static KStream<String, Verdict> build(StreamsBuilder builder, KStream<String, ResourceChange> changes,
            Supplier<PolicySet> policies) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING), Serdes.String(),
                Serdes.String()));
        return changes.filter((id, change) -> change != null && (triggersLaunchCheck(change) || retags(change)),
                        Named.as("launch-retype-or-retag"))
                .process(() -> new Check(policies), Named.as("launch-policy"), PENDING, InventoryTopology.STORE);
    }

    /**
     * A launch, a retype or a start, unless the resource is already gone (CloudTrail can deliver the launch
     * late). A start is checked because a stop ended the earlier finding: starting a non-compliant
     * resource again is a new occurrence.
     */
    static boolean triggersLaunchCheck(ResourceChange change) {
        ResourceEvent e = change.event();
        String state = change.resource().state();
        return (e.verb() == Verb.LAUNCH || (e.verb() == Verb.MODIFY && !e.instanceType().isEmpty())
                || (e.verb() == Verb.START && "running".equals(state)))
                && !"terminated".equals(state);
    }

    /** A tag change on a resource that runs (or may: its state unknown); a stopped one is judged when it starts. */
    static boolean retags(ResourceChange change) {
        Verb v = change.event().verb();
        String state = change.resource().state();
        return (v == Verb.TAG || v == Verb.UNTAG) && !"terminated".equals(state) && !"stopped".equals(state);
    }

    static final class Check implements Processor<String, ResourceChange, String, Verdict> {
        private final Supplier<PolicySet> policies;
        private ProcessorContext<String, Verdict> context;
        /** {@code resourceId|policy} → {@code dueEpochMillis|episode|triggerEventId}. */
        private KeyValueStore<String, String> pending;
        private KeyValueStore<String, Resource> inventory;

        Check(Supplier<PolicySet> policies) {
            this.policies = policies;
        }

        @Override
        public void init(ProcessorContext<String, Verdict> context) {
            this.context = context;
            this.pending = context.getStateStore(PENDING);
            this.inventory = context.getStateStore(InventoryTopology.STORE);
            context.schedule(CHECK_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> judgeEndedTagGrace(Instant.ofEpochMilli(now)));
        }

        @Override
        public void process(Record<String, ResourceChange> record) {
            ResourceChange change = record.value();
            Resource r = change.resource();
            ResourceEvent e = change.event();
            Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
            for (Policy p : policies.get().forResource(r.kind(), LaunchRule.class)) {
                LaunchRule rule = (LaunchRule) p.detect();
                if (!p.scope().matches(r)) {
                    // Out of scope now (a tag changed): whatever was open no longer applies.
                    forward(Verdict.clears(p, r, "resource is no longer in the policy's scope", e.time()));
                    continue;
                }
                String pendingKey = r.id() + "|" + p.name();
                if (triggersLaunchCheck(change)) {
                    List<String> shape = rule.shapeViolations(r);
                    List<String> tags = rule.tagViolations(r);
                    boolean waitForTags = !rule.tagGrace().isZero() && !tags.isEmpty() && e.verb() == Verb.LAUNCH;
                    if (waitForTags) {
                        pending.put(pendingKey, now.plus(rule.tagGrace()).toEpochMilli() + "|" + e.eventId() + "|" + e.eventId());
                    }
                    List<String> violations = new ArrayList<>(shape);
                    if (!waitForTags) {
                        violations.addAll(tags);
                    }
                    forward(violations.isEmpty()
                            ? Verdict.clears(p, r, "the resource complies after " + e.eventName(), e.time())
                            : Verdict.holds(p, r, "event:" + e.eventId(), violations, e.time(), e.eventId()));
                } else if (pending.get(pendingKey) == null && rule.checksTags()) {
                    // A tag change outside any tag grace: the tag rules decide on their own, the rest stand.
                    List<String> violations = rule.violations(r);
                    forward(violations.isEmpty()
                            ? Verdict.clears(p, r, "required tags present after " + e.eventName(), e.time())
                            : Verdict.holds(p, r, "event:" + e.eventId(), violations, e.time(), e.eventId()));
                }
            }
        }

        private void judgeEndedTagGrace(Instant now) {
            List<String> due = new ArrayList<>();
            try (KeyValueIterator<String, String> it = pending.all()) {
                it.forEachRemaining(kv -> {
                    if (Long.parseLong(kv.value.substring(0, kv.value.indexOf('|'))) <= now.toEpochMilli()) {
                        due.add(kv.key);
                    }
                });
            }
            PolicySet set = policies.get();
            for (String key : due) {
                String[] parts = pending.get(key).split("\\|", 3);
                pending.delete(key);
                int bar = key.lastIndexOf('|');
                Resource r = inventory.get(key.substring(0, bar));
                Policy p = set.named(key.substring(bar + 1)).orElse(null);
                // Stopped or gone by now: judged again at its next start; out of scope: not this policy's business.
                if (r == null || p == null || !(p.detect() instanceof LaunchRule rule) || "terminated".equals(r.state())
                        || "stopped".equals(r.state()) || !p.scope().matches(r)) {
                    continue;
                }
                List<String> violations = rule.violations(r);
                if (!violations.isEmpty()) {
                    forward(Verdict.holds(p, r, "event:" + parts[1], violations, r.launchedAt().orElse(r.lastEventAt()),
                            parts[2]));
                }
            }
        }

        private void forward(Verdict v) {
            context.forward(new Record<>(v.subjectId(), v, v.at().toEpochMilli()));
        }
    }
}
