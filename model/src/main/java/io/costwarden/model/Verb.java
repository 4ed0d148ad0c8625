package io.costwarden.model;

/** What happened to a resource, normalised across CloudTrail and EventBridge. */
public enum Verb {
    LAUNCH, START, STOP, TERMINATE, TAG, MODIFY
}
