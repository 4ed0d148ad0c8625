package io.costwarden.streams.decisions;

import io.costwarden.model.ResourceChange;

/** An inventory change: a stop ends the resource's findings, a tag change may exempt it. */
public record SubjectUpdate(ResourceChange change) implements DecisionInput {
}
