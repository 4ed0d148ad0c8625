package io.costwarden.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;
import java.util.Set;

/**
 * What a policy asks to be done about a finding, registered under the word a policy uses, with the
 * resource kinds the executor can carry it out for. Validation refuses a policy that pairs an action
 * with a kind it cannot act on, so no finding ever asks for something that would only be skipped.
 */
public enum ActionKind implements PolicyWord {
    STOP("stop", "EC2 StopInstances; SageMaker StopNotebookInstance; Studio DeleteApp (user files survive);"
            + " StopTrainingJob. Enforce describes the resource first and leaves one already stopping or stopped alone",
            Set.of(ResourceKind.EC2_INSTANCE, ResourceKind.SAGEMAKER_NOTEBOOK, ResourceKind.SAGEMAKER_APP,
                    ResourceKind.SAGEMAKER_TRAINING_JOB)),
    DOWNSCALE("downscale", "EC2: StopInstances, wait, ModifyInstanceAttribute InstanceType, StartInstances, wait"
            + " (started again only if it ran); SageMaker notebook: StopNotebookInstance, wait, UpdateNotebookInstance,"
            + " StartNotebookInstance if it ran; endpoint: UpdateEndpointWeightsAndCapacities; Auto Scaling group:"
            + " SetDesiredCapacity, or UpdateAutoScalingGroup when min or max change. Undo restores the previous size",
            Set.of(ResourceKind.EC2_INSTANCE, ResourceKind.SAGEMAKER_NOTEBOOK, ResourceKind.SAGEMAKER_ENDPOINT,
                    ResourceKind.AUTOSCALING_GROUP)),
    SPOT_MIGRATE("spot-migrate", "Auto Scaling group: UpdateAutoScalingGroup with a MixedInstancesPolicy (0% on demand"
            + " above the base, price-capacity-optimized) and StartInstanceRefresh; EC2 instance: a recommendation with the"
            + " estimated saving, or with `replace-standalone` CreateImage, a spot RunInstances like the old one, and"
            + " TerminateInstances once the new one passes its status checks. Undo restores the group's launch template"
            + " or replaces the instance back on demand",
            Set.of(ResourceKind.EC2_INSTANCE, ResourceKind.AUTOSCALING_GROUP)),
    TAG("tag", "marks the resource: EC2 CreateTags, SageMaker AddTags, Auto Scaling CreateOrUpdateTags, with"
            + " `costwarden:finding` and `costwarden:policy`; undo restores the tags as they were",
            Set.of(ResourceKind.values())),
    NOTIFY("notify", "a finding (and its alerts) only", Set.of(ResourceKind.values()));

    private final String word;
    private final String summary;
    private final Set<ResourceKind> resources;

    ActionKind(String word, String summary, Set<ResourceKind> resources) {
        this.word = word;
        this.summary = summary;
        this.resources = resources;
    }

    @JsonValue
    @Override
    public String word() {
        return word;
    }

    public String summary() {
        return summary;
    }

    public Set<ResourceKind> resources() {
        return resources;
    }

    @JsonCreator
    public static ActionKind fromWord(String word) {
        return PolicyWord.fromWord(ActionKind.class, word);
    }

    public static Optional<ActionKind> byWord(String word) {
        return PolicyWord.byWord(ActionKind.class, word);
    }
}
