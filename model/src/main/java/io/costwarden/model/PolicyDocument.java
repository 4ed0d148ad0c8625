package io.costwarden.model;

import java.time.Instant;

/**
 * A policy file as published on {@code costwarden.policies.v1}: the text itself, so that every
 * instance validates and hashes exactly the same bytes and agrees on the version.
 *
 * @param source      where it was published from, e.g. {@code /etc/costwarden/policies.yaml on pod-a}
 * @param version     the publisher's content hash of {@code text}; followers recompute it
 */
public record PolicyDocument(int schemaVersion, String source, String version, String text, Instant publishedAt) {
    public static final int SCHEMA_VERSION = 1;
    /** The one key of the topic: compaction keeps only the latest document. */
    public static final String KEY = "policies";
}
