package io.costwarden.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.Mode;
import io.costwarden.model.ResourceKind;
import org.junit.jupiter.api.Test;

class PolicyFileTest {
    static final String VALID = """
            policies:
              - name: gpu-launch-needs-team-tag
                resource: ec2-instance
                detect:
                  launch:
                    required-tags: [team, owner]
                    allowed-instance-types: ["t3.*", "m5.*", "g5.xlarge"]
                action: stop
                mode: enforce
              - name: notebooks
                resource: sagemaker-notebook
                detect:
                  launch:
                    allowed-instance-types: ["ml.t3.*"]
            """;

    @Test
    void readsTheSkeletonFormatWithDefaults() throws InvalidPolicyException {
        PolicySet set = PolicyFile.parse("p.yaml", VALID);
        assertThat(set.policies()).hasSize(2);
        Policy gpu = set.policies().get(0);
        assertThat(gpu.resources()).containsExactly(ResourceKind.EC2_INSTANCE);
        assertThat(((LaunchRule) gpu.detect()).requiredTags()).containsExactly("team", "owner");
        assertThat(gpu.action()).isEqualTo(ActionKind.STOP);
        assertThat(gpu.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(gpu.origin()).isEqualTo("p.yaml:2");
        Policy notebooks = set.policies().get(1);
        assertThat(notebooks.action()).isEqualTo(ActionKind.NOTIFY);
        assertThat(notebooks.mode()).isEqualTo(Mode.DRY_RUN);
        assertThat(set.forResource(ResourceKind.SAGEMAKER_NOTEBOOK)).containsExactly(notebooks);
    }

    @Test
    void theVersionIsAContentHash() throws InvalidPolicyException {
        assertThat(PolicyFile.parse("a.yaml", VALID).version()).isEqualTo(PolicyFile.parse("b.yaml", VALID).version())
                .hasSize(32);
        assertThat(PolicyFile.parse("a.yaml", VALID + "\n# changed\n").version())
                .isNotEqualTo(PolicyFile.parse("a.yaml", VALID).version());
    }

    @Test
    void everyErrorIsReportedWithFileLineAndColumn() {
        String text = """
                policies:
                  - name: a
                    resorce: ec2-instance
                    detect:
                      launch:
                        required-tags: team
                    mode: enforced
                  - name: Bad_Name
                    resource: lambda
                    action: stop
                """;
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", text))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).extracting(Object::toString)
                        .containsExactly(
                                "p.yaml:2:5: policy is missing 'resource'",
                                "p.yaml:3:5: unknown key 'resorce' in a policy (did you mean 'resource'?); allowed: action, detect, exempt, grace, mode, name, notify, resource, scope",
                                "p.yaml:6:24: 'required-tags' must be a list",
                                "p.yaml:7:11: unknown mode 'enforced' (did you mean 'enforce'?); one of dry-run, notify, enforce",
                                "p.yaml:8:5: policy is missing 'detect'",
                                "p.yaml:8:11: policy name 'Bad_Name' must be lower-case letters, digits and dashes, at most 63 characters",
                                "p.yaml:9:15: unknown resource 'lambda'"));
    }

    @Test
    void syntaxErrorsAndEmptyFilesAreLocated() {
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", "policies:\n  - name: [unclosed\n"))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(err -> assertThat(err.toString()).startsWith("p.yaml:3:1: not valid YAML")));
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", ""))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).extracting(Object::toString)
                        .containsExactly("p.yaml:1:1: empty policy file: expected a 'policies' list"));
    }

    @Test
    void anEmptyRuleListIsRefusedRatherThanCheckingNothing() {
        String text = "policies:\n  - name: a\n    resource: ec2-instance\n    detect:\n      launch: {required-tags: []}\n";
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", text))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).extracting(Object::toString)
                        .containsExactly("p.yaml:5:31: 'required-tags' must not be empty: leave it out to not check it"));
    }

    @Test
    void readsAnIdleRule() throws InvalidPolicyException {
        PolicySet set = PolicyFile.parse("p.yaml", """
                policies:
                  - name: idle-gpu-notebooks
                    resource: sagemaker-notebook
                    detect:
                      idle:
                        for: 90m
                        cpu-below: 5
                        gpu-below: 10
                        missing-data: idle
                    action: stop
                """);
        IdleRule idle = (IdleRule) set.policies().get(0).detect();
        assertThat(idle.duration()).isEqualTo(java.time.Duration.ofMinutes(90));
        assertThat(idle.cpuBelow()).contains(5.0);
        assertThat(idle.gpuBelow()).contains(10.0);
        assertThat(idle.missingData()).isEqualTo(IdleRule.MissingData.IDLE);
    }

    @Test
    void idleRulesAreValidated() {
        String text = """
                policies:
                  - name: a
                    resource: ec2-instance
                    detect:
                      idle:
                        for: soon
                        cpu-below: 150
                        missing-data: maybe
                """;
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", text))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).extracting(Object::toString)
                        .containsExactly(
                                "p.yaml:6:14: 'for' is not a duration: 'soon' (write 90m, 2h, 1d or PT1H30M)",
                                "p.yaml:7:20: 'cpu-below' must be above 0 and at most 100, was 150",
                                "p.yaml:8:23: unknown missing-data 'maybe'; one of active, idle, ignore"));
    }

    @Test
    void aLaunchDetectorNeedsARule() {
        String text = "policies:\n  - name: a\n    resource: ec2-instance\n    detect:\n      launch: {}\n";
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", text))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).extracting(Object::toString)
                        .containsExactly("p.yaml:5:15: 'launch' needs at least one of required-tags, tag-values, allowed-instance-types, allowed-instance-families, allowed-regions, spot-required-for-gpus"));
    }

    @Test
    void duplicateNamesAndKeysAreRefused() {
        String text = """
                policies:
                  - name: a
                    name: b
                    resource: ec2-instance
                    detect: {launch: {required-tags: [team]}}
                  - name: b
                    resource: ec2-instance
                    detect: {launch: {required-tags: [team]}}
                """;
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", text))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).extracting(Object::toString)
                        .containsExactly("p.yaml:3:5: duplicate key 'name'"));
        String twice = "policies:\n" + "  - {name: b, resource: ec2-instance, detect: {launch: {required-tags: [t]}}}\n".repeat(2);
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", twice))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).extracting(Object::toString)
                        .containsExactly("p.yaml:3:5: duplicate policy name 'b'"));
    }

    @Test
    void regionsAndSpotForGpusAreLaunchRulesToo() throws InvalidPolicyException {
        LaunchRule rule = (LaunchRule) PolicyFile.parse("p.yaml", """
                policies:
                  - name: gpus-in-europe-on-spot
                    resource: ec2-instance
                    detect:
                      launch:
                        allowed-regions: ["eu-*"]
                        spot-required-for-gpus: true
                """).policies().get(0).detect();
        io.costwarden.model.Resource r = new io.costwarden.model.Resource(1, "arn", io.costwarden.model.ResourceKind.EC2_INSTANCE,
                "i-1", "123456789012", "us-east-1", "pending", "p5.48xlarge", 8, 1, io.costwarden.model.PurchaseOption.ON_DEMAND,
                java.util.Map.of(), "", java.util.Optional.empty(), java.time.Instant.EPOCH, "", "");
        assertThat(rule.violations(r)).containsExactly("region us-east-1 is not allowed (allowed: eu-*)",
                "on-demand launch of 8 GPU(s); this policy requires spot for GPU instances");
        io.costwarden.model.Resource spotInEurope = new io.costwarden.model.Resource(1, "arn", io.costwarden.model.ResourceKind.EC2_INSTANCE,
                "i-1", "123456789012", "eu-west-1", "pending", "p5.48xlarge", 8, 1, io.costwarden.model.PurchaseOption.SPOT,
                java.util.Map.of(), "", java.util.Optional.empty(), java.time.Instant.EPOCH, "", "");
        assertThat(rule.violations(spotInEurope)).isEmpty();
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", "policies:\n  - name: a\n    resource: ec2-instance\n"
                + "    detect: {launch: {spot-required-for-gpus: yes-please}}\n"))
                .hasMessageContaining("'spot-required-for-gpus' is true or false, was 'yes-please'");
    }

    @Test
    void globsMatchWholeInstanceTypes() {
        assertThat(Glob.matches("g5.*", "g5.xlarge")).isTrue();
        assertThat(Glob.matches("g5.*", "g5g.xlarge")).isFalse();
        assertThat(Glob.matches("g5.xlarge", "g5.2xlarge")).isFalse();
        assertThat(Glob.matches("ml.t3.?large", "ml.t3.xlarge")).isTrue();
        assertThat(Glob.matches("p4d.24xlarge", "p4dx24xlarge")).as("dots are literal").isFalse();
    }

}
