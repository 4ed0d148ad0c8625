package io.costwarden.actions.sagemaker;

import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.Refusal;
import io.costwarden.actions.Stop;
import io.costwarden.actions.StopAdapter;
import io.costwarden.model.ActionOptions;
import io.costwarden.model.ResourceKind;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.sagemaker.model.DescribeNotebookInstanceRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeNotebookInstanceResponse;
import software.amazon.awssdk.services.sagemaker.model.NotebookInstanceStatus;
import software.amazon.awssdk.services.sagemaker.model.StartNotebookInstanceRequest;
import software.amazon.awssdk.services.sagemaker.model.StopNotebookInstanceRequest;

/** SageMaker notebook instances: stop and start again (JSON protocol). */
public final class SageMakerNotebooks implements StopAdapter {
    /** Stopped, on the way there, or going away. Failed, Pending and Updating are left for AWS to answer. */
    private static final Set<NotebookInstanceStatus> DOWN = EnumSet.of(NotebookInstanceStatus.STOPPING,
            NotebookInstanceStatus.STOPPED, NotebookInstanceStatus.DELETING);

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
    public State describe(Calls calls, String notebookName) {
        DescribeNotebookInstanceResponse response = notebook(calls, notebookName);
        return new State(response.notebookInstanceStatusAsString(), DOWN.contains(response.notebookInstanceStatus()),
                SageMakerTags.live(calls, kind().arn(calls.region(), calls.account(), notebookName)), Map.of());
    }

    /** StopNotebookInstance; the notebook's storage volume and files survive a stop. */
    @Override
    public void stop(Calls calls, String notebookName, ActionOptions options) {
        calls.change(() -> calls.sageMaker().stopNotebookInstance(StopNotebookInstanceRequest.builder()
                .notebookInstanceName(notebookName).overrideConfiguration(calls.timeLeft()).build()));
    }

    /** StartNotebookInstance once it is Stopped (waiting out a stop under way); nothing if it already runs. */
    @Override
    public Done start(Calls calls, String notebookName, Map<String, String> previous) {
        if (!calls.dryRun()) {
            NotebookInstanceStatus status = notebook(calls, notebookName).notebookInstanceStatus();
            if (status == NotebookInstanceStatus.IN_SERVICE || status == NotebookInstanceStatus.PENDING) {
                return Done.unchanged("already " + status + "; StartNotebookInstance not sent");
            }
            if (status != NotebookInstanceStatus.STOPPED && status != NotebookInstanceStatus.STOPPING) {
                throw new Refusal(Refusal.STATE, "notebook instance " + notebookName + " is " + status
                        + "; only a Stopped one can be started");
            }
            if (status == NotebookInstanceStatus.STOPPING) {
                awaitStopped(calls, notebookName);
            }
        }
        startNotebook(calls, notebookName);
        return Done.changed("StartNotebookInstance sent", Map.of(Stop.STATE, "Stopped"));
    }

    static DescribeNotebookInstanceResponse notebook(Calls calls, String notebookName) {
        return calls.read(() -> calls.sageMaker().describeNotebookInstance(DescribeNotebookInstanceRequest.builder()
                .notebookInstanceName(notebookName).overrideConfiguration(calls.timeLeft()).build())).orElseThrow();
    }

    static void startNotebook(Calls calls, String notebookName) {
        calls.change(() -> calls.sageMaker().startNotebookInstance(StartNotebookInstanceRequest.builder()
                .notebookInstanceName(notebookName).overrideConfiguration(calls.timeLeft()).build()));
    }

    static void awaitStopped(Calls calls, String notebookName) {
        calls.await("notebook instance " + notebookName + " Stopped", config -> calls.sageMaker().waiter()
                .waitUntilNotebookInstanceStopped(DescribeNotebookInstanceRequest.builder()
                        .notebookInstanceName(notebookName).overrideConfiguration(calls.timeLeft()).build(), config));
    }

    static void awaitInService(Calls calls, String notebookName) {
        calls.await("notebook instance " + notebookName + " InService", config -> calls.sageMaker().waiter()
                .waitUntilNotebookInstanceInService(DescribeNotebookInstanceRequest.builder()
                        .notebookInstanceName(notebookName).overrideConfiguration(calls.timeLeft()).build(), config));
    }
}
