package io.costwarden.actions.sagemaker;

import io.costwarden.actions.StopAdapter;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.actions.aws.Target;
import io.costwarden.model.ResourceKind;
import java.util.EnumSet;
import java.util.Set;
import software.amazon.awssdk.services.sagemaker.model.DescribeNotebookInstanceRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeNotebookInstanceResponse;
import software.amazon.awssdk.services.sagemaker.model.NotebookInstanceStatus;
import software.amazon.awssdk.services.sagemaker.model.StopNotebookInstanceRequest;

/** SageMaker notebook instance actions (JSON protocol). */
public final class SageMakerNotebooks implements StopAdapter {
    /** Stopped, on the way there, or going away. Failed, Pending and Updating are left for AWS to answer. */
    private static final Set<NotebookInstanceStatus> DOWN = EnumSet.of(NotebookInstanceStatus.STOPPING,
            NotebookInstanceStatus.STOPPED, NotebookInstanceStatus.DELETING);

    private final AwsClients clients;

    public SageMakerNotebooks(AwsClients clients) {
        this.clients = clients;
    }

    @Override
    public ResourceKind kind() {
        return ResourceKind.SAGEMAKER_NOTEBOOK;
    }

    @Override
    public String describeCall() {
        return "DescribeNotebookInstance";
    }

    @Override
    public String stopCall() {
        return "StopNotebookInstance";
    }

    @Override
    public State describe(Target target, String notebookName) {
        DescribeNotebookInstanceResponse response = clients.sageMaker(target.account(), target.region(), target.dryRun())
                .describeNotebookInstance(DescribeNotebookInstanceRequest.builder().notebookInstanceName(notebookName)
                        .overrideConfiguration(target.timeLeft()).build());
        return new State(response.notebookInstanceStatusAsString(), DOWN.contains(response.notebookInstanceStatus()),
                response.responseMetadata().requestId());
    }

    /** StopNotebookInstance; the notebook's storage volume and files survive a stop. Returns the AWS request id. */
    @Override
    public String stop(Target target, String notebookName) {
        return clients.sageMaker(target.account(), target.region(), target.dryRun())
                .stopNotebookInstance(StopNotebookInstanceRequest.builder().notebookInstanceName(notebookName)
                        .overrideConfiguration(target.timeLeft()).build())
                .responseMetadata().requestId();
    }
}
