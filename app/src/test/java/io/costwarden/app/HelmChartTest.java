package io.costwarden.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/helm/costwarden lints and renders with Helm itself (helm-java ships Helm's library), and what it
 * renders keeps the deployment's invariants: only the actions pods carry AWS write rights; every pod has
 * probes on the app's health paths and port, resource limits and a non-root, read-only security context;
 * streams keeps its state on volumes with standby replicas; each workload has a disruption budget.
 */
class HelmChartTest {
    static final Path CHART = Path.of("..", "deploy", "helm", "costwarden");
    static final String ROLE_ARN = "arn:aws:iam::123456789012:role/costwarden-actions";

    static List<Map<String, Object>> render(String valuesFile, Map<String, Object> set) {
        var template = new Helm(CHART).template().withName("cw").withNamespace("costwarden");
        if (valuesFile != null) {
            template.withValuesFile(CHART.resolve(valuesFile));
        }
        set.forEach(template::set);
        String out = template.call();
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml(new LoaderOptions()).loadAll(out)) {
            if (doc != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) doc;
                docs.add(m);
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    static <T> T at(Object node, String... path) {
        Object n = node;
        for (String p : path) {
            n = n == null ? null : ((Map<String, Object>) n).get(p);
        }
        return (T) n;
    }

    static List<Map<String, Object>> kind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    static String name(Map<String, Object> doc) {
        return at(doc, "metadata", "name");
    }

    @Test
    void theChartLintsStrictly() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"values.yaml", "values-small.yaml", "values-large.yaml"})
    void everyPodHasProbesLimitsAndANonRootReadOnlyContext(String values) {
        List<Map<String, Object>> docs = render(values, Map.of("actions.awsRoleArn", ROLE_ARN));
        List<Map<String, Object>> workloads = new ArrayList<>(kind(docs, "Deployment"));
        workloads.addAll(kind(docs, "StatefulSet"));
        assertThat(workloads).extracting(HelmChartTest::name).containsExactlyInAnyOrder("cw-costwarden-ingest",
                "cw-costwarden-actions", "cw-costwarden-alerts", "cw-costwarden-streams");
        for (Map<String, Object> w : workloads) {
            Map<String, Object> pod = at(w, "spec", "template", "spec");
            assertThat((Boolean) at(pod, "securityContext", "runAsNonRoot")).as(name(w)).isTrue();
            List<Map<String, Object>> containers = at(pod, "containers");
            for (Map<String, Object> c : containers) {
                assertThat((String) at(c, "livenessProbe", "httpGet", "path")).isEqualTo("/q/health/live");
                assertThat((String) at(c, "readinessProbe", "httpGet", "path")).isEqualTo("/q/health/ready");
                assertThat((String) at(c, "livenessProbe", "httpGet", "port")).isEqualTo("http");
                List<Map<String, Object>> ports = at(c, "ports");
                // The port the app listens on (quarkus.http.port in application.properties).
                assertThat(ports).singleElement().satisfies(p -> {
                    assertThat(p.get("name")).isEqualTo("http");
                    assertThat(p.get("containerPort")).isEqualTo(8080);
                });
                assertThat((Map<String, Object>) at(c, "resources", "limits")).as(name(w)).containsKeys("cpu", "memory");
                assertThat((Map<String, Object>) at(c, "resources", "requests")).as(name(w)).containsKeys("cpu", "memory");
                assertThat((Boolean) at(c, "securityContext", "readOnlyRootFilesystem")).isTrue();
                assertThat((Boolean) at(c, "securityContext", "allowPrivilegeEscalation")).isFalse();
                List<Map<String, Object>> env = at(c, "env");
                assertThat(env).anySatisfy(e -> assertThat(e.get("name")).isEqualTo("COSTWARDEN_ROLES"));
            }
        }
        assertThat(kind(docs, "PodDisruptionBudget")).hasSize(4);
    }

    @Test
    void onlyTheActionsPodsCarryAnAwsRole() {
        List<Map<String, Object>> docs = render(null, Map.of("actions.awsRoleArn", ROLE_ARN));
        List<Map<String, Object>> withRole = kind(docs, "ServiceAccount").stream()
                .filter(sa -> at(sa, "metadata", "annotations") != null
                        && ((Map<?, ?>) at(sa, "metadata", "annotations")).containsKey("eks.amazonaws.com/role-arn")).toList();
        assertThat(withRole).extracting(HelmChartTest::name).containsExactly("cw-costwarden-actions");
        for (Map<String, Object> w : kind(docs, "Deployment")) {
            String sa = at(w, "spec", "template", "spec", "serviceAccountName");
            String role = roleOf(w);
            assertThat(sa.equals("cw-costwarden-actions")).as(name(w) + " uses " + sa).isEqualTo(role.equals("actions"));
            if (!role.equals("actions")) {
                assertThat((Boolean) at(w, "spec", "template", "spec", "automountServiceAccountToken")).isFalse();
            }
        }
        assertThat((String) at(kind(docs, "StatefulSet").get(0), "spec", "template", "spec", "serviceAccountName"))
                .isEqualTo("cw-costwarden");
    }

    @Test
    void streamsKeepsStateOnVolumesWithStandbysAndAdvertisesItsPod() {
        List<Map<String, Object>> docs = render(null, Map.of());
        Map<String, Object> streams = kind(docs, "StatefulSet").get(0);
        List<Map<String, Object>> claims = at(streams, "spec", "volumeClaimTemplates");
        assertThat(claims).extracting(c -> (String) at(c, "metadata", "name")).containsExactly("data");
        Map<String, Object> config = kind(docs, "ConfigMap").stream().filter(c -> name(c).endsWith("-config"))
                .findFirst().orElseThrow();
        String properties = at(config, "data", "application.properties");
        assertThat(properties).contains("costwarden.streams.config.\"num.standby.replicas\"=1",
                "costwarden.data-dir=/var/lib/costwarden", "quarkus.http.host=0.0.0.0", "costwarden.api.auth.mode=required",
                "costwarden.policies.file=/etc/costwarden/policies/policies.yaml");
        List<Map<String, Object>> env = at(((List<Map<String, Object>>) at(streams, "spec", "template", "spec",
                "containers")).get(0), "env");
        assertThat(env).anySatisfy(e -> {
            assertThat(e.get("name")).isEqualTo("COSTWARDEN_STREAMS_ADVERTISED_ADDRESS");
            assertThat((String) e.get("value")).isEqualTo("$(POD_NAME).cw-costwarden-streams-headless.costwarden.svc:8080");
        });
    }

    @Test
    void optionalPartsRenderWhenAskedFor() {
        List<Map<String, Object>> docs = render("values-large.yaml", Map.of("kafka.topics.strimzi", true));
        assertThat(kind(docs, "KafkaTopic")).hasSize(9).allSatisfy(t ->
                assertThat(Objects.toString(at(t, "spec", "replicas"))).isEqualTo("3"));
        assertThat(kind(docs, "ServiceMonitor")).hasSize(1);
        assertThat(kind(docs, "NetworkPolicy")).hasSize(3);
        assertThat(kind(docs, "HorizontalPodAutoscaler")).hasSize(1);
    }

    private static String roleOf(Map<String, Object> workload) {
        return at(workload, "spec", "template", "metadata", "labels", "app.kubernetes.io/component");
    }
}
