package io.costwarden.ingest;

/**
 * Bounds on what one input may cost to read, so hostile input cannot exhaust memory or stack.
 *
 * @param maxDecompressedBytes a gzip body may inflate to at most this many bytes
 * @param maxNestingDepth      JSON deeper than this is refused (CloudTrail records nest about 10 deep)
 */
public record InputLimits(long maxDecompressedBytes, int maxNestingDepth) {
    public static final InputLimits DEFAULT = new InputLimits(64L * 1024 * 1024, 64);
}
