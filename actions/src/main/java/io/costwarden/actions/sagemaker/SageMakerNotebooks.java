package io.costwarden.actions.sagemaker;

import io.costwarden.actions.aws.AwsClients;
import software.amazon.awssdk.services.sagemaker.model.StopNotebookInstanceRequest;
import software.amazon.awssdk.services.sagemaker.model.StopNotebookInstanceResponse;

/** SageMaker notebook instance actions. */
public final class SageMakerNotebooks {
    private final AwsClients clients;

    public SageMakerNotebooks(AwsClients clients) {
        this.clients = clients;
    }

    /** StopNotebookInstance; the notebook's storage volume and files survive a stop. Returns the AWS request id. */
    public String stop(String region, String notebookName, boolean dryRun) {
        StopNotebookInstanceResponse response = clients.sageMaker(region, dryRun)
                .stopNotebookInstance(StopNotebookInstanceRequest.builder().notebookInstanceName(notebookName).build());
        return response.responseMetadata().requestId();
    }
}
