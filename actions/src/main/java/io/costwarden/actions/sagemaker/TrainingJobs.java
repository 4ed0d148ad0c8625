package io.costwarden.actions.sagemaker;

import io.costwarden.actions.Calls;
import io.costwarden.actions.StopAdapter;
import io.costwarden.model.ActionOptions;
import io.costwarden.model.ResourceKind;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobResponse;
import software.amazon.awssdk.services.sagemaker.model.StopTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.TrainingJobStatus;

/**
 * SageMaker training jobs: StopTrainingJob for runaway jobs. There is no way back (a stopped job cannot be
 * resumed, only a new one started from its checkpoint), so undo is refused.
 */
public final class TrainingJobs implements StopAdapter {
    /** Only a job in progress can be stopped; these are all past it. */
    private static final Set<TrainingJobStatus> DONE = EnumSet.of(TrainingJobStatus.STOPPING, TrainingJobStatus.STOPPED,
            TrainingJobStatus.COMPLETED, TrainingJobStatus.FAILED, TrainingJobStatus.DELETING);

    @Override
    public ResourceKind kind() {
        return ResourceKind.SAGEMAKER_TRAINING_JOB;
    }

    @Override
    public String describeCall() {
        return "DescribeTrainingJob";
    }

    @Override
    public String stopCall() {
        return "StopTrainingJob";
    }

    @Override
    public State describe(Calls calls, String jobName) {
        DescribeTrainingJobResponse response = calls.read(() -> calls.sageMaker().describeTrainingJob(
                DescribeTrainingJobRequest.builder().trainingJobName(jobName).overrideConfiguration(calls.timeLeft())
                        .build())).orElseThrow();
        return new State(response.trainingJobStatusAsString(), DONE.contains(response.trainingJobStatus()),
                SageMakerTags.live(calls, kind().arn(calls.region(), calls.account(), jobName)), Map.of());
    }

    /**
     * StopTrainingJob: SageMaker stops the job's instances (after a SIGTERM and up to 120 s for the job to save a
     * checkpoint) and keeps the model artifacts written so far.
     */
    @Override
    public void stop(Calls calls, String jobName, ActionOptions options) {
        calls.change(() -> calls.sageMaker().stopTrainingJob(StopTrainingJobRequest.builder().trainingJobName(jobName)
                .overrideConfiguration(calls.timeLeft()).build()));
    }
}
