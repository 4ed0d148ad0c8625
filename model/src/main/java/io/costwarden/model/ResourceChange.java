package io.costwarden.model;

/** One event together with the inventory's view of its resource after the event was folded in. */
public record ResourceChange(ResourceEvent event, Resource resource) {
}
