package io.costwarden.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An action's parameters under its word: read, defaulted, and refused with file:line:col when wrong. */
class ActionParamsTest {

    private static Policy only(String resource, String action) throws InvalidPolicyException {
        return PolicyFile.parse("p.yaml", """
                policies:
                  - name: a
                    resource: %s
                    detect:
                      launch: {required-tags: [team]}
                    action: %s
                """.formatted(resource, action)).policies().get(0);
    }

    private static List<String> errors(String resource, String action) {
        try {
            only(resource, action);
            throw new AssertionError("expected errors for " + action);
        } catch (InvalidPolicyException e) {
            return e.errors().stream().map(Object::toString).toList();
        }
    }

    @Test
    void aPlainWordTakesTheDefaults() throws InvalidPolicyException {
        Policy p = only("ec2-instance", "stop");

        assertThat(p.action()).isEqualTo(ActionKind.STOP);
        assertThat(p.options()).isEqualTo(ActionOptions.NONE);
    }

    @Test
    void eachActionReadsItsOwnParameters() throws InvalidPolicyException {
        assertThat(only("ec2-instance", "{stop: {hibernate: true}}").options().hibernate()).isTrue();
        assertThat(only("ec2-instance", "{downscale: {to-type: g5.xlarge}}").options().toType()).isEqualTo("g5.xlarge");
        ActionOptions group = only("autoscaling-group", "{downscale: {capacity: 1, min: 0, max: 4}}").options();
        assertThat(List.of(group.capacity(), group.minSize(), group.maxSize())).containsExactly(1, 0, 4);
        ActionOptions spot = only("autoscaling-group", "{spot-migrate: {types: [g5.xlarge, g6.xlarge], on-demand-base: 1}}")
                .options();
        assertThat(spot.spotTypes()).containsExactly("g5.xlarge", "g6.xlarge");
        assertThat(spot.onDemandBase()).isEqualTo(1);
        assertThat(spot.minHealthyPercent()).isEqualTo(90);
        assertThat(only("ec2-instance", "{spot-migrate: {replace-standalone: true}}").options().replaceStandalone()).isTrue();
        assertThat(only("sagemaker-endpoint", "{tag: {tags: {\"costwarden:flagged\": idle}}}").options().tags())
                .isEqualTo(Map.of("costwarden:flagged", "idle"));
    }

    @Test
    void wrongParametersAreReportedWhereTheyAre() {
        assertThat(errors("ec2-instance", "{downscale: {to-type: huge}}"))
                .containsExactly("p.yaml:6:35: 'to-type' is not an instance type: 'huge' (write g5.xlarge, ml.t3.medium)");
        assertThat(errors("ec2-instance", "{downscale: {}}"))
                .containsExactly("p.yaml:6:25: 'downscale' of ec2-instance needs 'to-type': the smaller instance type");
        assertThat(errors("sagemaker-notebook", "{downscale: {to-type: g5.xlarge}}"))
                .containsExactly("p.yaml:6:25: 'to-type' for a sagemaker-notebook is an ml. type (ml.t3.medium), was g5.xlarge");
        assertThat(errors("autoscaling-group", "{downscale: {capacity: 5, max: 4}}"))
                .containsExactly("p.yaml:6:25: 'capacity' (5) is above 'max' (4)");
        assertThat(errors("ec2-instance", "{stop: {hibernat: true}}")).singleElement().asString()
                .startsWith("p.yaml:6:21: unknown key 'hibernat' in 'stop'").contains("hibernate");
        assertThat(errors("sagemaker-notebook", "{stop: {hibernate: true}}"))
                .containsExactly("p.yaml:6:20: 'hibernate' applies to ec2-instance only");
        assertThat(errors("ec2-instance", "{tag: {tags: {\"aws:owner\": me}}}")).singleElement().asString()
                .contains("tag key 'aws:owner' is refused by AWS");
        assertThat(errors("ec2-instance", "{stop: {}, tag: {}}"))
                .containsExactly("p.yaml:6:13: 'action' names exactly one action, one of stop, downscale, spot-migrate, tag, notify");
        assertThat(errors("sagemaker-notebook", "spot-migrate")).singleElement().asString()
                .contains("action 'spot-migrate' is not available for resource 'sagemaker-notebook'");
    }
}
