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
