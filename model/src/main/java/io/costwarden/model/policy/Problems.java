package io.costwarden.model.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The errors found in one policy file so far, each located at the YAML node it is about. Readers keep
 * going after an error so that one run of {@code costwarden validate} reports everything.
 */
public final class Problems {
    private final String file;
    private final List<PolicyError> errors = new ArrayList<>();

    Problems(String file) {
        this.file = file;
    }

    public void at(Node node, String message) {
        Mark m = node.getStartMark();
        errors.add(new PolicyError(file, m.getLine() + 1, m.getColumn() + 1, message));
    }

    void at(int line, int column, String message) {
        errors.add(new PolicyError(file, line, column, message));
    }

    public int count() {
        return errors.size();
    }

    String file() {
        return file;
    }

    List<PolicyError> sorted() {
        List<PolicyError> out = new ArrayList<>(errors);
        out.sort(Comparator.comparingInt(PolicyError::line).thenComparingInt(PolicyError::column));
        return out;
    }
}
