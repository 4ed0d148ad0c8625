package io.costwarden.ingest.s3sqs;

/** An S3 object a queue message announces. */
public record ObjectRef(String bucket, String key) {

    /** CloudTrail's own log files, not digests or anything else written to the same bucket. */
    public boolean isCloudTrailLogFile() {
        return key.contains("/CloudTrail/") && !key.contains("/CloudTrail-Digest/")
                && (key.endsWith(".json.gz") || key.endsWith(".json"));
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key;
    }
}
