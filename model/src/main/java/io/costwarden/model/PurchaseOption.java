package io.costwarden.model;

/** How a resource is paid for, as far as the event tells. */
public enum PurchaseOption {
    ON_DEMAND, SPOT, UNKNOWN
}
