package io.costwarden.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.costwarden.model.ResourceKind;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The full language: scope, grace, exempt, notify, every detector, and one file with every error class. */
class PolicyLanguageTest {

    static String resource(String name) throws IOException {
        try (InputStream in = PolicyLanguageTest.class.getResourceAsStream("/policies/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theFileInTheDocsGivesExactlyTheErrorsTheDocsShow() throws IOException {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class,
                () -> PolicyFile.parse("p.yaml", resource("every-error-class.yaml")));
        assertThat(e.errors().stream().map(PolicyError::toString).toList())
                .containsExactlyElementsOf(resource("every-error-class.errors").lines().toList());
    }

    @Test
    void readsEveryPartOfAPolicy() throws InvalidPolicyException {
        PolicySet set = PolicyFile.parse("p.yaml", """
                policies:
                  - name: gpu-launches
                    resource: ec2-instance
                    scope:
                      accounts: ["012345678901"]
                      regions: ["us-*"]
                      tags: {env: [prod, staging]}
                    detect:
                      launch:
                        tag-values: {team: ["ml-*"]}
                        tag-grace: 10m
                        allowed-instance-families: [g5, p4d]
                    action: stop
                    mode: enforce
                    grace: 15m
                    exempt: {lifecycle: keep}
                    notify: [ml-platform]
                  - name: team-gpu-spend
                    resource: [ec2-instance, sagemaker-notebook]
                    scope: {groups: ["ml-*"]}
                    detect: {spend-rate: {group-by: team, gpu-only: true, above: 250.50}}
                  - name: idle-apps
                    resource: sagemaker-app
                    detect: {idle: {for: 2h, notebook-activity: true, network-below: 1.5MB/s}}
                """);
        Policy launch = set.policies().get(0);
        assertThat(launch.grace()).isEqualTo(Duration.ofMinutes(15));
        assertThat(launch.channels()).containsExactly("ml-platform");
        assertThat(launch.scope().matches("012345678901", "us-east-1", Map.of("env", "prod"))).isTrue();
        assertThat(launch.scope().matches("012345678901", "eu-west-1", Map.of("env", "prod"))).isFalse();
        assertThat(launch.scope().matches("012345678901", "us-east-1", Map.of())).isFalse();
        assertThat(launch.exempt().reason(Map.of("lifecycle", "keep"), Instant.now())).isPresent();
        LaunchRule rule = (LaunchRule) launch.detect();
        assertThat(rule.tagGrace()).isEqualTo(Duration.ofMinutes(10));
        assertThat(rule.allowedFamilies()).containsExactly("g5", "p4d");

        Policy spend = set.policies().get(1);
        assertThat(spend.resources()).containsExactlyInAnyOrder(ResourceKind.EC2_INSTANCE, ResourceKind.SAGEMAKER_NOTEBOOK);
        assertThat(((SpendRateRule) spend.detect()).aboveUsdPerHour()).isEqualByComparingTo(new BigDecimal("250.50"));
        assertThat(spend.scope().matchesGroup("team=ml-research")).isTrue();
        assertThat(spend.scope().matchesGroup("team=web")).isFalse();

        IdleRule idle = (IdleRule) set.policies().get(2).detect();
        assertThat(idle.networkBelow()).contains(1_500_000.0);
        assertThat(idle.notebookActivity()).isTrue();
    }

    @Test
    void resourceScopesCheckAccountIdsAndGroupPoliciesOnlyNotify() {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class, () -> PolicyFile.parse("p.yaml", """
                policies:
                  - name: a
                    resource: ec2-instance
                    scope: {accounts: [12345]}
                    detect: {lifetime: {max: 5m}}
                    grace: 8d
                    notify: [Slack!]
                  - name: b
                    resource: ec2-instance
                    detect: {launch: {}, idle: {for: 1h, cpu-below: 5}}
                """));
        assertThat(e.errors().stream().map(PolicyError::toString).toList()).containsExactly(
                "p.yaml:4:24: '12345' is not an AWS account id (12 digits; quote it in YAML to keep leading zeros)",
                "p.yaml:5:30: 'max' must be between 10m and 365d, was 5m",
                "p.yaml:6:12: 'grace' must be between 0m and 7d, was 8d",
                "p.yaml:7:14: alert channel 'Slack!' must be lower-case letters, digits and dashes",
                "p.yaml:10:13: 'detect' names exactly one detector, one of launch, idle, gpu-quota, lifetime, spend-rate, budget, burn-rate");
    }

    @Test
    void exemptionTagValues() {
        Instant now = Instant.parse("2026-11-20T10:00:00Z");
        assertThat(Exemption.NONE.reason(Map.of("costwarden:exempt", ""), now)).isPresent();
        assertThat(Exemption.NONE.reason(Map.of("costwarden:exempt", "true"), now)).isPresent();
        assertThat(Exemption.NONE.reason(Map.of("costwarden:exempt", "2026-11-20"), now)).as("to the end of the day").isPresent();
        assertThat(Exemption.NONE.reason(Map.of("costwarden:exempt", "2026-11-19"), now)).isEmpty();
        assertThat(Exemption.NONE.reason(Map.of("costwarden:exempt", "2026-11-20T09:59:59Z"), now)).isEmpty();
        assertThat(Exemption.NONE.reason(Map.of("costwarden:exempt", "until friday"), now)).isEmpty();
        assertThat(Exemption.ignoredTag(Map.of("costwarden:exempt", "until friday"), now)).isPresent();
        assertThat(Exemption.ignoredTag(Map.of("costwarden:exempt", "2026-12-01"), now)).isEmpty();
        assertThat(Exemption.ignoredTag(Map.of(), now)).isEmpty();
        assertThat(List.of(Exemption.TAG)).containsExactly("costwarden:exempt");
    }

    @Test
    void rulesAcrossParametersAndStrictNumbers() {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class, () -> PolicyFile.parse("p.yaml", """
                policies:
                  - name: a
                    resource: ec2-instance
                    detect: {launch: {spot-required-for-gpus: false}}
                  - name: b
                    resource: ec2-instance
                    detect: {launch: {tag-grace: 10m, allowed-regions: [eu-west-1]}}
                  - name: c
                    resource: ec2-instance
                    detect: {idle: {for: 1h, cpu-below: 5d}}
                  - name: d
                    resource: ec2-instance
                    detect: {spend-rate: {above: 1e3}}
                """));
        assertThat(e.errors().stream().map(PolicyError::toString).toList()).containsExactly(
                "p.yaml:4:22: 'launch' checks nothing: spot-required-for-gpus: false is its only rule",
                "p.yaml:7:22: 'tag-grace' needs a tag rule to wait for: required-tags or tag-values",
                "p.yaml:10:41: 'cpu-below' must be a number (percent), was '5d'",
                "p.yaml:13:34: 'above' must be an amount of US dollars such as 250 or 1200.50, was '1e3'");
    }
}
