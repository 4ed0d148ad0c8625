package io.costwarden.streams.launch;

import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Ids;
import io.costwarden.model.Resource;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.Topics;
import io.costwarden.model.Verb;
import io.costwarden.model.policy.LaunchRule;
import io.costwarden.model.policy.Policy;
import io.costwarden.model.policy.PolicySet;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Out-of-policy launches: when a resource is launched, or its instance type is changed, every launch
 * policy for its kind checks the resulting state; each policy it breaks is one finding.
 *
 * <p>The finding id hashes policy, resource and the triggering event id, so a replay of the same
 * CloudTrail records yields the same ids and the executor acts at most once.
 */
public final class LaunchPolicyTopology {
    public static final String DETECTOR = "launch";

    private LaunchPolicyTopology() {
    }

    public static KStream<String, Finding> build(KStream<String, ResourceChange> changes, Supplier<PolicySet> policies,
            MeterRegistry meters) {
        KStream<String, Finding> findings = changes
                .filter((id, change) -> triggersLaunchCheck(change), Named.as("launch-or-retype"))
                .flatMapValues(change -> check(change, policies.get(), meters), Named.as("launch-policy"));
        findings.to(Topics.FINDINGS.name(), Produced.with(Topics.FINDINGS.keySerde(), Topics.FINDINGS.valueSerde())
                .withName("launch-findings"));
        return findings;
    }

    /** A launch or a retype, unless the resource is already gone (CloudTrail can deliver the launch late). */
    static boolean triggersLaunchCheck(ResourceChange change) {
        ResourceEvent e = change.event();
        return (e.verb() == Verb.LAUNCH || (e.verb() == Verb.MODIFY && !e.instanceType().isEmpty()))
                && !"terminated".equals(change.resource().state());
    }

    static List<Finding> check(ResourceChange change, PolicySet policies, MeterRegistry meters) {
        Resource r = change.resource();
        List<Finding> out = new ArrayList<>();
        for (Policy p : policies.forResource(r.kind(), LaunchRule.class)) {
            List<String> violations = ((LaunchRule) p.detect()).violations(r);
            if (violations.isEmpty()) {
                continue;
            }
            ResourceEvent trigger = change.event();
            out.add(new Finding(Finding.SCHEMA_VERSION, Ids.finding(p.name(), r.id(), "event:" + trigger.eventId()),
                    p.name(), policies.version(), DETECTOR, FindingState.OPEN, r.id(), r.kind(), r.nativeId(),
                    r.account(), r.region(), r.instanceType(), r.gpuCount(), r.launchedBy(), r.tags(), violations,
                    p.action(), p.mode(), trigger.time(), trigger.eventId()));
            meters.counter("costwarden.findings", "policy", p.name(), "detector", DETECTOR, "state", "open").increment();
        }
        return out;
    }
}
