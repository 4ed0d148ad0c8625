package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.ResourceKind;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads and validates a policy file. Works on SnakeYAML's node tree rather than on bound objects so
 * that every error can name the file, line and column it is about; all errors are collected, not
 * just the first.
 */
public final class PolicyFile {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Set<String> ROOT_KEYS = Set.of("policies");
    private static final Set<String> POLICY_KEYS = Set.of("name", "resource", "detect", "action", "mode");
    private static final Set<String> DETECTORS = Set.of("launch", "idle");
    private static final Set<String> LAUNCH_KEYS = Set.of("required-tags", "allowed-instance-types", "allowed-regions",
            "spot-required-for-gpus");
    private static final Set<String> IDLE_KEYS = Set.of("for", "cpu-below", "gpu-below", "missing-data");
    private static final Pattern DURATION = Pattern.compile("([0-9]+)(s|m|h|d)");

    private final String file;
    private final List<PolicyError> errors = new ArrayList<>();

    private PolicyFile(String file) {
        this.file = file;
    }

    public static PolicySet load(Path path) throws InvalidPolicyException, IOException {
        byte[] bytes = Files.readAllBytes(path);
        return parse(path.toString(), new String(bytes, StandardCharsets.UTF_8));
    }

    public static PolicySet parse(String file, String text) throws InvalidPolicyException {
        return new PolicyFile(file).read(text);
    }

    private PolicySet read(String text) throws InvalidPolicyException {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(10);
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new InvalidPolicyException(List.of(new PolicyError(file, mark == null ? 1 : mark.getLine() + 1,
                    mark == null ? 1 : mark.getColumn() + 1, "not valid YAML: " + e.getProblem())));
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            // Control characters, alias bombs and size limits carry no mark.
            throw new InvalidPolicyException(List.of(new PolicyError(file, 1, 1, "not valid YAML: " + e.getMessage())));
        }
        List<Policy> policies = new ArrayList<>();
        if (root == null) {
            errors.add(new PolicyError(file, 1, 1, "empty policy file: expected a 'policies' list"));
        } else {
            Map<String, NodeTuple> top = mapping(root, "the policy file", ROOT_KEYS);
            NodeTuple list = top.get("policies");
            if (list == null && root instanceof MappingNode) {
                error(root, "missing 'policies': a policy file is a mapping with a 'policies' list");
            } else if (list != null) {
                if (list.getValueNode() instanceof SequenceNode seq) {
                    Set<String> names = new HashSet<>();
                    for (Node item : seq.getValue()) {
                        policy(item).ifPresent(p -> {
                            if (!names.add(p.name())) {
                                error(item, "duplicate policy name '" + p.name() + "'");
                            }
                            policies.add(p);
                        });
                    }
                } else {
                    error(list.getValueNode(), "'policies' must be a list");
                }
            }
        }
        if (!errors.isEmpty()) {
            errors.sort(Comparator.comparingInt(PolicyError::line).thenComparingInt(PolicyError::column));
            throw new InvalidPolicyException(errors);
        }
        return new PolicySet(file, Ids.hash(text.getBytes(StandardCharsets.UTF_8)), policies);
    }

    private Optional<Policy> policy(Node node) {
        int before = errors.size();
        Map<String, NodeTuple> keys = mapping(node, "a policy", POLICY_KEYS);
        if (!(node instanceof MappingNode)) {
            return Optional.empty();
        }
        String name = requiredScalar(node, keys, "name");
        if (name != null && !NAME.matcher(name).matches()) {
            error(keys.get("name").getValueNode(), "policy name '" + name
                    + "' must be lower-case letters, digits and dashes, at most 63 characters");
        }
        ResourceKind resource = null;
        String resourceWord = requiredScalar(node, keys, "resource");
        if (resourceWord != null) {
            resource = ResourceKind.byWord(resourceWord).orElse(null);
            if (resource == null) {
                error(keys.get("resource").getValueNode(), "unknown resource '" + resourceWord + "'"
                        + didYouMean(resourceWord, Arrays.stream(ResourceKind.values()).map(ResourceKind::word).toList()));
            }
        }
        ActionKind action = ActionKind.NOTIFY;
        if (keys.containsKey("action")) {
            String word = scalar(keys.get("action").getValueNode(), "action");
            if (word != null) {
                action = ActionKind.byWord(word).orElse(null);
                if (action == null) {
                    error(keys.get("action").getValueNode(), "unknown action '" + word + "'"
                            + didYouMean(word, Arrays.stream(ActionKind.values()).map(ActionKind::word).toList()));
                }
            }
        }
        Mode mode = Mode.DRY_RUN;
        if (keys.containsKey("mode")) {
            String word = scalar(keys.get("mode").getValueNode(), "mode");
            if (word != null) {
                mode = Mode.byWord(word).orElse(null);
                if (mode == null) {
                    error(keys.get("mode").getValueNode(), "unknown mode '" + word + "'"
                            + didYouMean(word, Arrays.stream(Mode.values()).map(Mode::word).toList()));
                }
            }
        }
        Detector detector = null;
        NodeTuple detect = keys.get("detect");
        if (detect == null) {
            error(node, "policy is missing 'detect'");
        } else {
            Map<String, NodeTuple> detectors = mapping(detect.getValueNode(), "'detect'", DETECTORS);
            if (detect.getValueNode() instanceof MappingNode && detectors.size() != 1) {
                error(detect.getValueNode(), "'detect' names exactly one detector, one of " + sorted(DETECTORS));
            }
            NodeTuple launchNode = detectors.get("launch");
            NodeTuple idleNode = detectors.get("idle");
            if (launchNode != null) {
                detector = launchRule(launchNode.getValueNode());
            } else if (idleNode != null) {
                detector = idleRule(idleNode.getValueNode());
            }
        }
        if (errors.size() > before || name == null || resource == null || detector == null || action == null
                || mode == null) {
            return Optional.empty();
        }
        return Optional.of(new Policy(name, resource, detector, action, mode, file + ":" + (node.getStartMark().getLine() + 1)));
    }

    private LaunchRule launchRule(Node node) {
        Map<String, NodeTuple> keys = mapping(node, "'launch'", LAUNCH_KEYS);
        if (!(node instanceof MappingNode)) {
            return null;
        }
        List<String> tags = keys.containsKey("required-tags")
                ? stringList(keys.get("required-tags").getValueNode(), "required-tags") : List.of();
        List<String> types = keys.containsKey("allowed-instance-types")
                ? stringList(keys.get("allowed-instance-types").getValueNode(), "allowed-instance-types") : List.of();
        List<String> regions = keys.containsKey("allowed-regions")
                ? stringList(keys.get("allowed-regions").getValueNode(), "allowed-regions") : List.of();
        boolean spot = keys.containsKey("spot-required-for-gpus") && bool(keys.get("spot-required-for-gpus").getValueNode(),
                "spot-required-for-gpus");
        if (keys.isEmpty()) {
            error(node, "'launch' needs at least one of " + sorted(LAUNCH_KEYS));
        }
        return new LaunchRule(tags, types, regions, spot);
    }

    private IdleRule idleRule(Node node) {
        Map<String, NodeTuple> keys = mapping(node, "'idle'", IDLE_KEYS);
        if (!(node instanceof MappingNode)) {
            return null;
        }
        Duration duration = null;
        if (!keys.containsKey("for")) {
            error(node, "'idle' needs 'for': how long the resource must stay below every threshold, e.g. 60m");
        } else {
            duration = duration(keys.get("for").getValueNode(), "for");
        }
        Optional<Double> cpu = keys.containsKey("cpu-below") ? percent(keys.get("cpu-below").getValueNode(), "cpu-below") : Optional.empty();
        Optional<Double> gpu = keys.containsKey("gpu-below") ? percent(keys.get("gpu-below").getValueNode(), "gpu-below") : Optional.empty();
        if (!keys.containsKey("cpu-below") && !keys.containsKey("gpu-below")) {
            error(node, "'idle' needs at least one signal: cpu-below, gpu-below");
        }
        IdleRule.MissingData missing = IdleRule.MissingData.ACTIVE;
        if (keys.containsKey("missing-data")) {
            String word = scalar(keys.get("missing-data").getValueNode(), "missing-data");
            if (word != null) {
                try {
                    missing = IdleRule.MissingData.valueOf(word.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    error(keys.get("missing-data").getValueNode(), "unknown missing-data '" + word + "'"
                            + didYouMean(word, List.of("idle", "active", "ignore")) + "; one of idle, active, ignore");
                }
            }
        }
        return duration == null ? null : new IdleRule(duration, cpu, gpu, missing);
    }

    /** {@code 90m}, {@code 2h}, {@code 1d}, or ISO-8601 {@code PT1H30M}; between a minute and 30 days. */
    private Duration duration(Node node, String key) {
        String v = scalar(node, key);
        if (v == null) {
            return null;
        }
        Duration d = null;
        Matcher m = DURATION.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                d = Duration.parse(v);
            } catch (java.time.format.DateTimeParseException e) {
                error(node, "'" + key + "' is not a duration: '" + v + "' (write 90m, 2h, 1d or PT1H30M)");
                return null;
            }
        }
        if (d.compareTo(Duration.ofMinutes(1)) < 0 || d.compareTo(Duration.ofDays(30)) > 0) {
            error(node, "'" + key + "' must be between 1m and 30d, was " + v);
            return null;
        }
        return d;
    }

    private Optional<Double> percent(Node node, String key) {
        String v = scalar(node, key);
        if (v == null) {
            return Optional.empty();
        }
        try {
            double d = Double.parseDouble(v);
            if (d <= 0 || d > 100) {
                error(node, "'" + key + "' is a percentage above 0 and at most 100, was " + v);
                return Optional.empty();
            }
            return Optional.of(d);
        } catch (NumberFormatException e) {
            error(node, "'" + key + "' must be a number (percent), was '" + v + "'");
            return Optional.empty();
        }
    }

    /** The mapping's entries by key; reports a non-mapping, unknown keys (with a suggestion) and duplicates. */
    private Map<String, NodeTuple> mapping(Node node, String what, Set<String> allowed) {
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        if (!(node instanceof MappingNode map)) {
            error(node, what + " must be a mapping of keys to values");
            return out;
        }
        for (NodeTuple t : map.getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
            if (key == null) {
                error(t.getKeyNode(), "keys must be plain words");
            } else if (!allowed.contains(key)) {
                error(t.getKeyNode(), "unknown key '" + key + "' in " + what + didYouMean(key, allowed)
                        + "; allowed: " + sorted(allowed));
            } else if (out.putIfAbsent(key, t) != null) {
                error(t.getKeyNode(), "duplicate key '" + key + "'");
            }
        }
        return out;
    }

    private String requiredScalar(Node parent, Map<String, NodeTuple> keys, String key) {
        NodeTuple t = keys.get(key);
        if (t == null) {
            error(parent, "policy is missing '" + key + "'");
            return null;
        }
        return scalar(t.getValueNode(), key);
    }

    private String scalar(Node node, String key) {
        if (node instanceof ScalarNode s && !s.getValue().isBlank()) {
            return s.getValue();
        }
        error(node, "'" + key + "' must be a single non-empty value");
        return null;
    }

    private boolean bool(Node node, String key) {
        String v = scalar(node, key);
        if ("true".equals(v)) {
            return true;
        }
        if (v != null && !"false".equals(v)) {
            error(node, "'" + key + "' is true or false, was '" + v + "'");
        }
        return false;
    }

    private List<String> stringList(Node node, String key) {
        if (!(node instanceof SequenceNode seq)) {
            error(node, "'" + key + "' must be a list");
            return List.of();
        }
        if (seq.getValue().isEmpty()) {
            error(node, "'" + key + "' must not be empty: leave it out to not check it");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Node item : seq.getValue()) {
            String v = scalar(item, key + " item");
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }

    private void error(Node node, String message) {
        Mark m = node.getStartMark();
        errors.add(new PolicyError(file, m.getLine() + 1, m.getColumn() + 1, message));
    }

    private static String sorted(Set<String> words) {
        return words.stream().sorted().collect(Collectors.joining(", "));
    }

    /** A suggestion when a word is within two edits of a known one: the typo most people make. */
    static String didYouMean(String word, java.util.Collection<String> known) {
        return known.stream()
                .filter(k -> distance(word, k) <= 2)
                .min(Comparator.comparingInt(k -> distance(word, k)))
                .map(k -> " (did you mean '" + k + "'?)")
                .orElse("");
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
