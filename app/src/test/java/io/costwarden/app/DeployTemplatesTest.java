package io.costwarden.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/** The CloudFormation templates under deploy/aws are well-formed: typed resources, resolvable references. */
class DeployTemplatesTest {
    private static final Pattern SUB = Pattern.compile("\\$\\{([A-Za-z0-9:]+)(\\.[A-Za-z0-9.]+)?}");
    private static final Pattern TYPE = Pattern.compile("AWS::[A-Za-z0-9]+::[A-Za-z0-9]+");

    static Stream<Path> templates() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "deploy", "aws"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("templates")
    @SuppressWarnings("unchecked")
    void everyResourceIsTypedAndEveryReferenceResolves(Path template) throws IOException {
        Map<String, Object> t = new Yaml().load(Files.readString(template));
        assertThat(t.get("AWSTemplateFormatVersion")).isEqualTo("2010-09-09");
        assertThat(t).containsKey("Description");
        Map<String, Object> resources = (Map<String, Object>) t.get("Resources");
        Map<String, Object> parameters = (Map<String, Object>) t.getOrDefault("Parameters", Map.of());
        assertThat(resources).isNotEmpty();
        resources.forEach((name, r) -> assertThat(((Map<String, Object>) r).get("Type")).as(name)
                .asString().matches(TYPE));

        List<String> references = new ArrayList<>();
        collect(t, references);
        Set<String> known = new HashSet<>(resources.keySet());
        known.addAll(parameters.keySet());
        assertThat(references).as("references in " + template.getFileName())
                .allSatisfy(ref -> assertThat(known.contains(ref) || ref.startsWith("AWS::")).as(ref).isTrue());
        assertThat(parameters.keySet()).as("parameters used").allSatisfy(p -> assertThat(references).contains(p));
    }

    /** Every Ref, Fn::GetAtt target, Fn::Sub variable and DependsOn in the tree. */
    @SuppressWarnings("unchecked")
    private static void collect(Object node, List<String> out) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                switch (String.valueOf(k)) {
                    case "Ref" -> out.add(String.valueOf(v));
                    case "Fn::GetAtt" -> out.add(String.valueOf(((List<Object>) v).get(0)));
                    case "Fn::Sub" -> {
                        Matcher m = SUB.matcher(String.valueOf(v));
                        while (m.find()) {
                            out.add(m.group(1));
                        }
                    }
                    case "DependsOn" -> {
                        if (v instanceof List<?> list) {
                            list.forEach(x -> out.add(String.valueOf(x)));
                        } else {
                            out.add(String.valueOf(v));
                        }
                    }
                    default -> collect(v, out);
                }
            });
        } else if (node instanceof List<?> list) {
            list.forEach(x -> collect(x, out));
        }
    }
}
