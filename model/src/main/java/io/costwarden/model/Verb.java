package io.costwarden.model;

/** What happened to a resource, normalised across CloudTrail and EventBridge. */
public enum Verb {
    LAUNCH, START, STOP, TERMINATE, TAG, MODIFY,
    /** Tags removed: the event's tag keys are the ones gone. */
    UNTAG,
    /** EC2 will reclaim this spot instance in two minutes. */
    SPOT_INTERRUPTION,
    /** EC2 recommends moving off this spot instance before it is interrupted. */
    REBALANCE_RECOMMENDATION
}
