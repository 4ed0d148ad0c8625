package io.costwarden.actions.sagemaker;

import io.costwarden.actions.StopAdapter;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.actions.aws.Target;
import io.costwarden.model.ResourceKind;
import java.util.EnumSet;
import java.util.Set;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobResponse;
import software.amazon.awssdk.services.sagemaker.model.StopTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.TrainingJobStatus;

/** SageMaker training jobs: runaway jobs are stopped (JSON protocol). */
public final class TrainingJobs implements StopAdapter {
    /** Only a job in progress can be stopped; these are all past it. */
    private static final Set<TrainingJobStatus> DONE = EnumSet.of(TrainingJobStatus.STOPPING, TrainingJobStatus.STOPPED,
            TrainingJobStatus.COMPLETED, TrainingJobStatus.FAILED, TrainingJobStatus.DELETING);

    private final AwsClients clients;

    public TrainingJobs(AwsClients clients) {
        this.clients = clients;
    }

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
    public State describe(Target target, String jobName) {
        DescribeTrainingJobResponse response = clients.sageMaker(target.account(), target.region(), target.dryRun())
                .describeTrainingJob(DescribeTrainingJobRequest.builder().trainingJobName(jobName)
                        .overrideConfiguration(target.timeLeft()).build());
        return new State(response.trainingJobStatusAsString(), DONE.contains(response.trainingJobStatus()),
                response.responseMetadata().requestId());
    }

    /**
     * StopTrainingJob: SageMaker stops the job's instances (after a SIGTERM and up to 120 s for the job to save a
     * checkpoint) and keeps the model artifacts written so far. Returns the AWS request id.
     */
    @Override
    public String stop(Target target, String jobName) {
        return clients.sageMaker(target.account(), target.region(), target.dryRun())
                .stopTrainingJob(StopTrainingJobRequest.builder().trainingJobName(jobName)
                        .overrideConfiguration(target.timeLeft()).build())
                .responseMetadata().requestId();
    }
}
