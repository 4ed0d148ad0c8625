package io.costwarden.streams.decisions;

/** What the decision step hears: a detector's verdict, or news of the resource a finding is about. */
public sealed interface DecisionInput permits Verdict, SubjectUpdate {
}
