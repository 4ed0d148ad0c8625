package io.costwarden.model.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy file that failed validation; it is refused as a whole. */
public class InvalidPolicyException extends Exception {
    private final List<PolicyError> errors;

    public InvalidPolicyException(List<PolicyError> errors) {
        super(errors.stream().map(PolicyError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<PolicyError> errors() {
        return errors;
    }
}
