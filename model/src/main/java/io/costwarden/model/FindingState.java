package io.costwarden.model;

/** Where a finding is in its life. The skeleton only opens findings; the decisions issue adds the rest. */
public enum FindingState {
    OPEN
}
