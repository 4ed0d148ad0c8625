package io.costwarden.model.policy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * How a parameter's YAML value is read and checked. A reader reports what is wrong at the node and
 * returns null; the caller then drops the policy, and the file, as a whole.
 */
public interface ParamType<T> {

    T read(Node node, String key, Problems problems);

    /** The type as the reference docs name it, e.g. {@code duration (90m, 2h, 1d)}. */
    String describe();

    /** A value as a policy file would spell it, for defaults in the docs. */
    default String spell(T value) {
        return String.valueOf(value);
    }

    Pattern SHORT_DURATION = Pattern.compile("([0-9]{1,9})(s|m|h|d)");
    Pattern BYTE_RATE_TEXT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(B|KB|MB|GB)?(?:/s)?", Pattern.CASE_INSENSITIVE);
    Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    /** Plain decimals only: Java would also take 5d, 5f and hex floats, which nobody means in a policy. */
    Pattern DECIMAL = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

    static ParamType<Duration> duration(Duration min, Duration max) {
        return new ParamType<>() {
            @Override
            public Duration read(Node node, String key, Problems problems) {
                String v = scalar(node, key, problems);
                if (v == null) {
                    return null;
                }
                Duration d;
                Matcher m = SHORT_DURATION.matcher(v);
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
                        problems.at(node, "'" + key + "' is not a duration: '" + v + "' (write 90m, 2h, 1d or PT1H30M)");
                        return null;
                    }
                }
                if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                    problems.at(node, "'" + key + "' must be between " + spellDuration(min) + " and " + spellDuration(max)
                            + ", was " + v);
                    return null;
                }
                return d;
            }

            @Override
            public String describe() {
                return "duration, " + spellDuration(min) + " to " + spellDuration(max) + " (`90m`, `2h`, `1d`, `PT1H30M`)";
            }

            @Override
            public String spell(Duration value) {
                return spellDuration(value);
            }
        };
    }

    static ParamType<Double> number(double above, double atMost, String unit) {
        return new ParamType<>() {
            @Override
            public Double read(Node node, String key, Problems problems) {
                String v = scalar(node, key, problems);
                if (v == null) {
                    return null;
                }
                if (!DECIMAL.matcher(v).matches()) {
                    problems.at(node, "'" + key + "' must be a number (" + unit + "), was '" + v + "'");
                    return null;
                }
                double d = Double.parseDouble(v);
                if (!(d > above) || d > atMost || Double.isNaN(d)) {
                    problems.at(node, "'" + key + "' must be above " + plain(above)
                            + (Double.isInfinite(atMost) ? "" : " and at most " + plain(atMost)) + ", was " + v);
                    return null;
                }
                return d;
            }

            @Override
            public String describe() {
                return "number above " + plain(above) + (Double.isInfinite(atMost) ? "" : ", at most " + plain(atMost))
                        + " (" + unit + ")";
            }

            @Override
            public String spell(Double value) {
                return plain(value);
            }
        };
    }

    ParamType<Double> PERCENT = number(0, 100, "percent");

    ParamType<BigDecimal> USD = new ParamType<>() {
        @Override
        public BigDecimal read(Node node, String key, Problems problems) {
            String v = scalar(node, key, problems);
            if (v == null) {
                return null;
            }
            String digits = (v.startsWith("$") ? v.substring(1) : v).replace("_", "");
            if (!DECIMAL.matcher(digits).matches()) {
                problems.at(node, "'" + key + "' must be an amount of US dollars such as 250 or 1200.50, was '" + v + "'");
                return null;
            }
            try {
                BigDecimal d = new BigDecimal(digits.replace("_", ""));
                if (d.signum() <= 0) {
                    problems.at(node, "'" + key + "' must be more than 0 US dollars, was " + v);
                    return null;
                }
                return d;
            } catch (NumberFormatException e) {
                problems.at(node, "'" + key + "' must be an amount of US dollars such as 250 or 1200.50, was '" + v + "'");
                return null;
            }
        }

        @Override
        public String describe() {
            return "US dollars above 0 (`250`, `1200.50`)";
        }
    };

    static ParamType<Integer> count(int min) {
        return count(min, Integer.MAX_VALUE);
    }

    static ParamType<Integer> count(int min, int max) {
        return new ParamType<>() {
            @Override
            public Integer read(Node node, String key, Problems problems) {
                String v = scalar(node, key, problems);
                if (v == null) {
                    return null;
                }
                try {
                    int n = Integer.parseInt(v);
                    if (n < min || n > max) {
                        problems.at(node, "'" + key + "' must be " + describe() + ", was " + v);
                        return null;
                    }
                    return n;
                } catch (NumberFormatException e) {
                    problems.at(node, "'" + key + "' must be a whole number, was '" + v + "'");
                    return null;
                }
            }

            @Override
            public String describe() {
                return "whole number, at least " + min + (max == Integer.MAX_VALUE ? "" : ", at most " + max);
            }
        };
    }

    ParamType<Boolean> BOOLEAN = new ParamType<>() {
        @Override
        public Boolean read(Node node, String key, Problems problems) {
            String v = scalar(node, key, problems);
            if ("true".equals(v) || "false".equals(v)) {
                return Boolean.valueOf(v);
            }
            if (v != null) {
                problems.at(node, "'" + key + "' is true or false, was '" + v + "'");
            }
            return null;
        }

        @Override
        public String describe() {
            return "`true` or `false`";
        }
    };

    /** A non-empty list of plain values: an empty list would check nothing, which is never what was meant. */
    static ParamType<List<String>> list(String what) {
        return new ParamType<>() {
            @Override
            public List<String> read(Node node, String key, Problems problems) {
                if (!(node instanceof SequenceNode seq)) {
                    problems.at(node, "'" + key + "' must be a list");
                    return null;
                }
                if (seq.getValue().isEmpty()) {
                    problems.at(node, "'" + key + "' must not be empty: leave it out to not check it");
                    return null;
                }
                List<String> out = new ArrayList<>();
                boolean ok = true;
                for (Node item : seq.getValue()) {
                    String v = scalar(item, key + " item", problems);
                    ok &= v != null;
                    out.add(v);
                }
                return ok ? List.copyOf(out) : null;
            }

            @Override
            public String describe() {
                return "list of " + what;
            }

            @Override
            public String spell(List<String> value) {
                return "[" + String.join(", ", value) + "]";
            }
        };
    }

    ParamType<List<String>> GLOBS = list("globs (`*` any run, `?` one character)");

    ParamType<List<String>> ACCOUNTS = new ParamType<>() {
        @Override
        public List<String> read(Node node, String key, Problems problems) {
            List<String> ids = list("").read(node, key, problems);
            if (ids == null) {
                return null;
            }
            boolean ok = true;
            for (int i = 0; i < ids.size(); i++) {
                if (!ACCOUNT.matcher(ids.get(i)).matches()) {
                    problems.at(((SequenceNode) node).getValue().get(i), "'" + ids.get(i)
                            + "' is not an AWS account id (12 digits; quote it in YAML to keep leading zeros)");
                    ok = false;
                }
            }
            return ok ? ids : null;
        }

        @Override
        public String describe() {
            return "list of 12-digit account ids";
        }
    };

    /** Tag key to allowed values: one glob or a list of globs per key. */
    ParamType<Map<String, List<String>>> TAG_PATTERNS = new ParamType<>() {
        @Override
        public Map<String, List<String>> read(Node node, String key, Problems problems) {
            if (!(node instanceof MappingNode map) || map.getValue().isEmpty()) {
                problems.at(node, "'" + key + "' must be a mapping of tag keys to a value glob or a list of them,"
                        + " e.g. {team: \"*\", env: [dev, test]}");
                return null;
            }
            Map<String, List<String>> out = new LinkedHashMap<>();
            boolean ok = true;
            for (NodeTuple t : map.getValue()) {
                String tag = scalar(t.getKeyNode(), key + " tag key", problems);
                Node value = t.getValueNode();
                List<String> globs = value instanceof SequenceNode ? list("").read(value, key + "." + tag, problems)
                        : single(scalar(value, key + "." + tag, problems));
                if (tag == null || globs == null) {
                    ok = false;
                } else if (out.putIfAbsent(tag, globs) != null) {
                    problems.at(t.getKeyNode(), "duplicate tag key '" + tag + "' in '" + key + "'");
                    ok = false;
                }
            }
            return ok ? Map.copyOf(out) : null;
        }

        @Override
        public String describe() {
            return "mapping of tag key to a value glob or list of globs";
        }
    };

    /** An instance type as AWS spells it: {@code g5.xlarge}, {@code ml.t3.medium}. */
    ParamType<String> INSTANCE_TYPE = new ParamType<>() {
        private final Pattern type = Pattern.compile("(ml\\.)?[a-z][a-z0-9-]*\\.[a-z0-9-]+");

        @Override
        public String read(Node node, String key, Problems problems) {
            String v = scalar(node, key, problems);
            if (v != null && !type.matcher(v).matches()) {
                problems.at(node, "'" + key + "' is not an instance type: '" + v + "' (write g5.xlarge, ml.t3.medium)");
                return null;
            }
            return v;
        }

        @Override
        public String describe() {
            return "instance type (`g5.xlarge`, `ml.t3.medium`)";
        }
    };

    /** Instance types, at least one. */
    ParamType<List<String>> INSTANCE_TYPES = new ParamType<>() {
        @Override
        public List<String> read(Node node, String key, Problems problems) {
            List<String> items = list("").read(node, key, problems);
            if (items == null) {
                return null;
            }
            boolean ok = true;
            List<Node> nodes = ((SequenceNode) node).getValue();
            for (int i = 0; i < items.size(); i++) {
                ok &= INSTANCE_TYPE.read(nodes.get(i), key + " item", problems) != null;
            }
            return ok ? items : null;
        }

        @Override
        public String describe() {
            return "list of instance types";
        }

        @Override
        public String spell(List<String> value) {
            return "[" + String.join(", ", value) + "]";
        }
    };

    /**
     * Tag key to one literal value, within AWS's limits (key 1-128 characters, value up to 256, no
     * {@code aws:} prefix, which AWS reserves and refuses).
     */
    ParamType<Map<String, String>> TAG_VALUES = new ParamType<>() {
        @Override
        public Map<String, String> read(Node node, String key, Problems problems) {
            if (!(node instanceof MappingNode map) || map.getValue().isEmpty()) {
                problems.at(node, "'" + key + "' must be a mapping of tag keys to values, e.g. {costwarden:flagged: idle}");
                return null;
            }
            Map<String, String> out = new LinkedHashMap<>();
            boolean ok = true;
            for (NodeTuple t : map.getValue()) {
                String tag = scalar(t.getKeyNode(), key + " tag key", problems);
                String value = t.getValueNode() instanceof ScalarNode s ? s.getValue() : null;
                if (value == null) {
                    problems.at(t.getValueNode(), "'" + key + "." + tag + "' must be a single value");
                    ok = false;
                } else if (tag != null && (tag.length() > 128 || tag.toLowerCase(Locale.ROOT).startsWith("aws:"))) {
                    problems.at(t.getKeyNode(), "tag key '" + tag + "' is refused by AWS: at most 128 characters, no 'aws:' prefix");
                    ok = false;
                } else if (value.length() > 256) {
                    problems.at(t.getValueNode(), "tag value for '" + tag + "' is longer than AWS's 256 characters");
                    ok = false;
                } else if (tag == null) {
                    ok = false;
                } else if (out.putIfAbsent(tag, value) != null) {
                    problems.at(t.getKeyNode(), "duplicate tag key '" + tag + "' in '" + key + "'");
                    ok = false;
                }
            }
            return ok ? Map.copyOf(out) : null;
        }

        @Override
        public String describe() {
            return "mapping of tag key to value";
        }
    };

    /** Bytes per second: {@code 10KB/s}, {@code 1.5MB/s}, or a plain number of bytes per second (1 KB = 1000 B). */
    ParamType<Double> BYTE_RATE = new ParamType<>() {
        @Override
        public Double read(Node node, String key, Problems problems) {
            String v = scalar(node, key, problems);
            if (v == null) {
                return null;
            }
            Matcher m = BYTE_RATE_TEXT.matcher(v.trim());
            if (!m.matches()) {
                problems.at(node, "'" + key + "' must be a rate such as 10KB/s, 1.5MB/s or 2000 (bytes per second), was '" + v + "'");
                return null;
            }
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
            double bytes = n * switch (unit) {
                case "KB" -> 1e3;
                case "MB" -> 1e6;
                case "GB" -> 1e9;
                default -> 1;
            };
            if (bytes <= 0) {
                problems.at(node, "'" + key + "' must be above 0, was " + v);
                return null;
            }
            return bytes;
        }

        @Override
        public String describe() {
            return "bytes per second (`10KB/s`, `1.5MB/s`, `2000`; 1 KB = 1000 B)";
        }
    };

    /** One word out of a fixed set, with a did-you-mean. */
    static ParamType<String> choice(List<String> words) {
        return new ParamType<>() {
            @Override
            public String read(Node node, String key, Problems problems) {
                String v = scalar(node, key, problems);
                if (v != null && !words.contains(v)) {
                    problems.at(node, "unknown " + key + " '" + v + "'" + PolicyFile.didYouMean(v, words) + "; one of "
                            + String.join(", ", words));
                    return null;
                }
                return v;
            }

            @Override
            public String describe() {
                return "one of " + String.join(", ", words.stream().map(w -> "`" + w + "`").toList());
            }
        };
    }

    /** A single non-blank scalar; reports anything else at the node. */
    static String scalar(Node node, String key, Problems problems) {
        if (node instanceof ScalarNode s && !s.getValue().isBlank()) {
            return s.getValue();
        }
        problems.at(node, "'" + key + "' must be a single non-empty value");
        return null;
    }

    private static List<String> single(String v) {
        return v == null ? null : List.of(v);
    }

    static String spellDuration(Duration d) {
        if (d.isZero()) {
            return "0m";
        }
        if (d.toSeconds() % 86_400 == 0) {
            return d.toDays() + "d";
        }
        if (d.toSeconds() % 3600 == 0) {
            return d.toHours() + "h";
        }
        if (d.toSeconds() % 60 == 0) {
            return d.toMinutes() + "m";
        }
        return d.toSeconds() + "s";
    }

    private static String plain(double d) {
        return d == Math.rint(d) && !Double.isInfinite(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
