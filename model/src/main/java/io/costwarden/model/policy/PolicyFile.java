package io.costwarden.model.policy;

import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionOptions;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * just the first. Detector parameters are read from their {@link DetectorType} declarations.
 */
public final class PolicyFile {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern CHANNEL = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Set<String> ROOT_KEYS = Set.of("policies");

    /** The policy's own keys, declared like detector parameters so the docs list them the same way. */
    static final Param<Duration> GRACE = Param.withDefault("grace", ParamType.duration(Duration.ZERO, Duration.ofDays(7)),
            Duration.ZERO, "time from the warning finding to the action; the action happens only if the condition still holds then");
    static final Param<Map<String, java.util.List<String>>> EXEMPT = Param.optional("exempt", ParamType.TAG_PATTERNS,
            "tag filters that exempt a resource, on top of the `costwarden:exempt` tag every policy honours");
    static final Param<java.util.List<String>> NOTIFY = Param.optional("notify", ParamType.list("alert channel names"),
            "alert channels (configured in the actions role) told about each finding");
    static final Param<java.util.List<String>> ACCOUNTS = Param.optional("accounts", ParamType.ACCOUNTS,
            "only resources in these accounts");
    static final Param<java.util.List<String>> REGIONS = Param.optional("regions", ParamType.GLOBS,
            "only resources in these regions (`us-*`)");
    static final Param<Map<String, java.util.List<String>>> TAGS = Param.optional("tags", ParamType.TAG_PATTERNS,
            "only resources with all these tags, values matching (`{notebook-host: \"true\"}`)");
    static final Param<java.util.List<String>> GROUPS = Param.optional("groups", ParamType.GLOBS,
            "group policies only: only these groups (`ml-*`, `123456789012`)");

    static final List<String> POLICY_KEYS = List.of("name", "resource", "detect", "scope", "action", "mode", "grace",
            "exempt", "notify");
    static final List<Param<?>> RESOURCE_SCOPE = List.of(ACCOUNTS, REGIONS, TAGS);
    static final List<Param<?>> GROUP_SCOPE = List.of(GROUPS);

    private final Problems problems;

    private PolicyFile(String file) {
        this.problems = new Problems(file);
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
            problems.at(mark == null ? 1 : mark.getLine() + 1, mark == null ? 1 : mark.getColumn() + 1,
                    "not valid YAML: " + e.getProblem());
            throw new InvalidPolicyException(problems.sorted());
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            // Control characters, alias bombs and size limits carry no mark.
            problems.at(1, 1, "not valid YAML: " + e.getMessage());
            throw new InvalidPolicyException(problems.sorted());
        }
        List<Policy> policies = new ArrayList<>();
        if (root == null) {
            problems.at(1, 1, "empty policy file: expected a 'policies' list");
        } else {
            Map<String, NodeTuple> top = mapping(root, "the policy file", ROOT_KEYS);
            NodeTuple list = top.get("policies");
            if (list == null && root instanceof MappingNode) {
                problems.at(root, "missing 'policies': a policy file is a mapping with a 'policies' list");
            } else if (list != null) {
                if (list.getValueNode() instanceof SequenceNode seq) {
                    Set<String> names = new HashSet<>();
                    for (Node item : seq.getValue()) {
                        policy(item).ifPresent(p -> {
                            if (!names.add(p.name())) {
                                problems.at(item, "duplicate policy name '" + p.name() + "'");
                            }
                            policies.add(p);
                        });
                    }
                } else {
                    problems.at(list.getValueNode(), "'policies' must be a list");
                }
            }
        }
        if (problems.count() > 0) {
            throw new InvalidPolicyException(problems.sorted());
        }
        return new PolicySet(problems.file(), Ids.hash(text.getBytes(StandardCharsets.UTF_8)), policies);
    }

    private Optional<Policy> policy(Node node) {
        int before = problems.count();
        Map<String, NodeTuple> keys = mapping(node, "a policy", new LinkedHashSet<>(POLICY_KEYS));
        if (!(node instanceof MappingNode)) {
            return Optional.empty();
        }
        String name = required(node, keys, "name");
        if (name != null && !NAME.matcher(name).matches()) {
            problems.at(keys.get("name").getValueNode(), "policy name '" + name
                    + "' must be lower-case letters, digits and dashes, at most 63 characters");
        }
        Set<ResourceKind> resources = resources(node, keys);
        NodeTuple actionKey = keys.get("action");
        Node actionParams = null;
        ActionKind action;
        if (actionKey != null && actionKey.getValueNode() instanceof MappingNode) {
            Set<String> words = Arrays.stream(ActionKind.values()).map(ActionKind::word)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            Map<String, NodeTuple> chosen = mapping(actionKey.getValueNode(), "'action'", words);
            if (chosen.size() == 1) {
                NodeTuple t = chosen.values().iterator().next();
                action = ActionKind.byWord(((ScalarNode) t.getKeyNode()).getValue()).orElseThrow();
                actionParams = t.getValueNode();
            } else {
                if (problems.count() == before) {
                    problems.at(actionKey.getValueNode(), "'action' names exactly one action, one of " + String.join(", ", words));
                }
                action = null;
            }
        } else {
            action = word(actionKey, "action", ActionKind.NOTIFY, ActionKind::byWord,
                    Arrays.stream(ActionKind.values()).map(ActionKind::word).toList());
        }
        Mode mode = word(keys.get("mode"), "mode", Mode.DRY_RUN, Mode::byWord,
                Arrays.stream(Mode.values()).map(Mode::word).toList());

        DetectorType type = null;
        Detector detector = null;
        NodeTuple detect = keys.get("detect");
        if (detect == null) {
            problems.at(node, "policy is missing 'detect'");
        } else {
            Set<String> words = DetectorType.all().stream().map(DetectorType::word)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            Map<String, NodeTuple> detectors = mapping(detect.getValueNode(), "'detect'", words);
            if (detect.getValueNode() instanceof MappingNode && detectors.size() != 1) {
                problems.at(detect.getValueNode(), "'detect' names exactly one detector, one of " + String.join(", ", words));
            }
            if (detectors.size() == 1) {
                NodeTuple chosen = detectors.values().iterator().next();
                type = DetectorType.byWord(((ScalarNode) chosen.getKeyNode()).getValue()).orElseThrow();
                detector = detector(type, chosen.getValueNode());
            }
        }
        if (type != null && resources != null) {
            for (ResourceKind kind : resources) {
                if (!type.resources().contains(kind)) {
                    problems.at(keys.get("resource").getValueNode(), "detector '" + type.word()
                            + "' does not apply to resource '" + kind.word() + "' (it applies to " + words(type.resources()) + ")");
                }
            }
            if (resources.size() > 1 && !type.groupScoped()) {
                problems.at(keys.get("resource").getValueNode(), "detector '" + type.word()
                        + "' watches one resource kind per policy; only group policies take a list");
            }
        }
        if (action != null && resources != null) {
            for (ResourceKind kind : resources) {
                if (!action.resources().contains(kind)) {
                    problems.at(keys.get("action").getValueNode(), "action '" + action.word() + "' is not available for resource '"
                            + kind.word() + "' (available for " + words(action.resources()) + ")");
                }
            }
        }
        if (action != null && type != null && !type.actions().contains(action)) {
            problems.at(keys.get("action").getValueNode(), "'" + type.word() + "' findings are about a group, not a resource,"
                    + " so its action can only be " + type.actions().stream().map(ActionKind::word).sorted()
                    .collect(Collectors.joining(", ")));
        }
        ActionOptions options = action == null ? null : actionOptions(action, actionParams, actionKey, resources);
        Scope scope = keys.containsKey("scope") ? scope(keys.get("scope").getValueNode(), type) : Scope.EVERYTHING;
        Params own = new Params();
        for (Param<?> p : List.of(GRACE, EXEMPT, NOTIFY)) {
            readParam(own, p, keys.get(p.key()));
        }
        List<String> notify = own.find(NOTIFY).orElse(List.of());
        if (keys.containsKey("notify")) {
            List<Node> items = keys.get("notify").getValueNode() instanceof SequenceNode s ? s.getValue() : List.of();
            for (int i = 0; i < Math.min(items.size(), notify.size()); i++) {
                if (!CHANNEL.matcher(notify.get(i)).matches()) {
                    problems.at(items.get(i), "alert channel '" + notify.get(i) + "' must be lower-case letters, digits and dashes");
                }
            }
        }
        if (problems.count() > before || name == null || resources == null || detector == null || action == null
                || options == null || mode == null || scope == null) {
            return Optional.empty();
        }
        return Optional.of(new Policy(name, resources, detector, scope, action, options, mode, own.get(GRACE),
                new Exemption(own.find(EXEMPT).orElse(Map.of())), notify,
                problems.file() + ":" + (node.getStartMark().getLine() + 1)));
    }

    /**
     * The action's parameters: none for a plain word ({@code action: stop}), else those under the word
     * ({@code action: {downscale: {to-type: g5.xlarge}}}), checked against the kinds the policy watches.
     */
    private ActionOptions actionOptions(ActionKind action, Node params, NodeTuple actionKey, Set<ResourceKind> kinds) {
        int before = problems.count();
        Params values = new Params();
        List<Param<?>> declared = ActionParams.of(action);
        boolean empty = params == null || params instanceof ScalarNode s && s.getValue().isEmpty();
        if (!empty) {
            Set<String> allowed = declared.stream().map(Param::key).collect(Collectors.toCollection(LinkedHashSet::new));
            Map<String, NodeTuple> given = mapping(params, declared.isEmpty() ? "'" + action.word() + "' takes no parameters;"
                    + " its value" : "'" + action.word() + "'", allowed);
            for (Param<?> p : declared) {
                readParam(values, p, given.get(p.key()));
            }
        }
        if (problems.count() > before) {
            return null;
        }
        ActionOptions options = ActionParams.build(action, values);
        if (kinds != null) {
            if (action == ActionKind.NOTIFY) {
                // Also a policy without 'action': notify's options need no checking.
                return options;
            }
            Node at = !empty ? params : actionKey.getValueNode();
            ActionParams.checks(action, options, kinds).forEach(message -> problems.at(at, message));
        }
        return problems.count() > before ? null : options;
    }

    /** {@code resource: ec2-instance}, or for group policies a list of kinds. */
    private Set<ResourceKind> resources(Node policy, Map<String, NodeTuple> keys) {
        NodeTuple t = keys.get("resource");
        if (t == null) {
            problems.at(policy, "policy is missing 'resource'");
            return null;
        }
        List<Node> items = t.getValueNode() instanceof SequenceNode seq ? seq.getValue() : List.of(t.getValueNode());
        if (items.isEmpty()) {
            problems.at(t.getValueNode(), "'resource' must name at least one resource kind");
            return null;
        }
        Set<ResourceKind> out = new LinkedHashSet<>();
        boolean ok = true;
        for (Node item : items) {
            String w = ParamType.scalar(item, "resource", problems);
            Optional<ResourceKind> kind = w == null ? Optional.empty() : ResourceKind.byWord(w);
            if (w != null && kind.isEmpty()) {
                problems.at(item, "unknown resource '" + w + "'"
                        + didYouMean(w, Arrays.stream(ResourceKind.values()).map(ResourceKind::word).toList()));
            }
            kind.ifPresent(out::add);
            ok &= kind.isPresent();
        }
        return ok ? out : null;
    }

    private <T> T word(NodeTuple t, String key, T fallback, java.util.function.Function<String, Optional<T>> byWord,
            List<String> known) {
        if (t == null) {
            return fallback;
        }
        String w = ParamType.scalar(t.getValueNode(), key, problems);
        if (w == null) {
            return null;
        }
        Optional<T> v = byWord.apply(w);
        if (v.isEmpty()) {
            problems.at(t.getValueNode(), "unknown " + key + " '" + w + "'" + didYouMean(w, known) + "; one of "
                    + String.join(", ", known));
        }
        return v.orElse(null);
    }

    private Detector detector(DetectorType type, Node node) {
        Set<String> allowed = type.params().stream().map(Param::key).collect(Collectors.toCollection(LinkedHashSet::new));
        Map<String, NodeTuple> keys = mapping(node, "'" + type.word() + "'", allowed);
        if (!(node instanceof MappingNode)) {
            return null;
        }
        int before = problems.count();
        Params params = new Params();
        for (Param<?> p : type.params()) {
            if (p.required() && !keys.containsKey(p.key())) {
                problems.at(node, "'" + type.word() + "' needs '" + p.key() + "': " + p.meaning());
            }
            readParam(params, p, keys.get(p.key()));
        }
        for (List<Param<?>> group : type.atLeastOneOf()) {
            if (group.stream().noneMatch(p -> keys.containsKey(p.key()))) {
                problems.at(node, "'" + type.word() + "' needs at least one of "
                        + group.stream().map(Param::key).collect(Collectors.joining(", ")));
            }
        }
        if (problems.count() == before) {
            type.checks().apply(params).forEach(message -> problems.at(node, message));
        }
        return problems.count() > before ? null : type.build().apply(params);
    }

    private Scope scope(Node node, DetectorType type) {
        boolean groups = type != null && type.groupScoped();
        List<Param<?>> declared = groups ? GROUP_SCOPE : RESOURCE_SCOPE;
        Set<String> allowed = declared.stream().map(Param::key).collect(Collectors.toCollection(LinkedHashSet::new));
        if (type == null) {
            allowed.addAll(GROUP_SCOPE.stream().map(Param::key).toList());
        }
        Map<String, NodeTuple> keys = mapping(node, groups ? "the scope of a group policy ('" + type.word() + "' judges"
                + " groups, not resources)" : "'scope'", allowed);
        if (!(node instanceof MappingNode)) {
            return null;
        }
        int before = problems.count();
        Params params = new Params();
        for (Param<?> p : List.of(ACCOUNTS, REGIONS, TAGS, GROUPS)) {
            readParam(params, p, keys.get(p.key()));
        }
        if (((MappingNode) node).getValue().isEmpty()) {
            problems.at(node, "'scope' is empty: leave it out to watch everything");
        }
        return problems.count() > before ? null : new Scope(params.find(ACCOUNTS).orElse(List.of()),
                params.find(REGIONS).orElse(List.of()), params.find(TAGS).orElse(Map.of()),
                params.find(GROUPS).orElse(List.of()));
    }

    private <T> void readParam(Params into, Param<T> param, NodeTuple t) {
        if (t == null) {
            return;
        }
        T v = param.type().read(t.getValueNode(), param.key(), problems);
        if (v != null) {
            into.put(param, v);
        }
    }

    /** The mapping's entries by key; reports a non-mapping, unknown keys (with a suggestion) and duplicates. */
    private Map<String, NodeTuple> mapping(Node node, String what, Set<String> allowed) {
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        if (!(node instanceof MappingNode map)) {
            problems.at(node, what + " must be a mapping of keys to values");
            return out;
        }
        for (NodeTuple t : map.getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
            if (key == null) {
                problems.at(t.getKeyNode(), "keys must be plain words");
            } else if (!allowed.contains(key)) {
                problems.at(t.getKeyNode(), "unknown key '" + key + "' in " + what + didYouMean(key, allowed)
                        + "; allowed: " + allowed.stream().sorted().collect(Collectors.joining(", ")));
            } else if (out.putIfAbsent(key, t) != null) {
                problems.at(t.getKeyNode(), "duplicate key '" + key + "'");
            }
        }
        return out;
    }

    private String required(Node parent, Map<String, NodeTuple> keys, String key) {
        NodeTuple t = keys.get(key);
        if (t == null) {
            problems.at(parent, "policy is missing '" + key + "'");
            return null;
        }
        return ParamType.scalar(t.getValueNode(), key, problems);
    }

    private static String words(Set<ResourceKind> kinds) {
        return kinds.stream().map(ResourceKind::word).sorted().collect(Collectors.joining(", "));
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
