package io.costwarden.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/**
 * The kinds of resource Costwarden tracks. Each kind knows the word a policy uses for it and how its
 * canonical ARN is built, so that every fact about one resource lands on the same Kafka key.
 */
public enum ResourceKind implements PolicyWord {
    EC2_INSTANCE("ec2-instance", "ec2", "instance/"),
    SAGEMAKER_NOTEBOOK("sagemaker-notebook", "sagemaker", "notebook-instance/"),
    /** A SageMaker Studio app; the native id is {@code domain/user-profile-or-space/app-type/app-name}. */
    SAGEMAKER_APP("sagemaker-app", "sagemaker", "app/"),
    SAGEMAKER_ENDPOINT("sagemaker-endpoint", "sagemaker", "endpoint/"),
    SAGEMAKER_TRAINING_JOB("sagemaker-training-job", "sagemaker", "training-job/"),
    /** The group's real ARN carries a UUID that CloudTrail does not show; the name identifies it in its account and region. */
    AUTOSCALING_GROUP("autoscaling-group", "autoscaling", "autoScalingGroup:*:autoScalingGroupName/");

    private final String word;
    private final String service;
    private final String resourcePrefix;

    ResourceKind(String word, String service, String resourcePrefix) {
        this.word = word;
        this.service = service;
        this.resourcePrefix = resourcePrefix;
    }

    /** The word policies and the API use, e.g. {@code ec2-instance}. */
    @JsonValue
    @Override
    public String word() {
        return word;
    }

    @JsonCreator
    public static ResourceKind fromWord(String word) {
        return PolicyWord.fromWord(ResourceKind.class, word);
    }

    public static Optional<ResourceKind> byWord(String word) {
        return PolicyWord.byWord(ResourceKind.class, word);
    }

    /**
     * The canonical ARN. SageMaker lower-cases resource names inside ARNs, so the name is lower-cased
     * here too; otherwise a CreateNotebookInstance and a later StopNotebookInstance for "MyBook" would
     * land on different keys.
     */
    public String arn(String region, String account, String nativeId) {
        String id = service.equals("sagemaker") ? nativeId.toLowerCase(java.util.Locale.ROOT) : nativeId;
        return "arn:" + partition(region) + ":" + service + ":" + region + ":" + account + ":" + resourcePrefix + id;
    }

    /** The native id (instance id, notebook name) from a canonical ARN of this kind. */
    public String nativeId(String arn) {
        int i = arn.indexOf(resourcePrefix);
        if (i < 0) {
            throw new IllegalArgumentException("not a " + word + " ARN: " + arn);
        }
        return arn.substring(i + resourcePrefix.length());
    }

    static String partition(String region) {
        if (region.startsWith("cn-")) {
            return "aws-cn";
        }
        if (region.startsWith("us-gov-")) {
            return "aws-us-gov";
        }
        return "aws";
    }
}
