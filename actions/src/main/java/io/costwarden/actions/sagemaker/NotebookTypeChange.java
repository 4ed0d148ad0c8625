package io.costwarden.actions.sagemaker;

import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.Refusal;
import io.costwarden.actions.TypeChange;
import io.costwarden.model.ResourceKind;
import java.util.Map;
import software.amazon.awssdk.services.sagemaker.model.DescribeNotebookInstanceResponse;
import software.amazon.awssdk.services.sagemaker.model.NotebookInstanceStatus;
import software.amazon.awssdk.services.sagemaker.model.StopNotebookInstanceRequest;
import software.amazon.awssdk.services.sagemaker.model.UpdateNotebookInstanceRequest;

/**
 * {@code downscale} of a notebook instance: UpdateNotebookInstance works only on a Stopped notebook, so
 * StopNotebookInstance, wait until Stopped, UpdateNotebookInstance, wait until it is Stopped again (it passes
 * through Updating), and StartNotebookInstance and wait until InService if it was running. The previous type
 * is recorded; undo runs the same sequence back to it.
 */
public final class NotebookTypeChange extends TypeChange {
    @Override
    public ResourceKind kind() {
        return ResourceKind.SAGEMAKER_NOTEBOOK;
    }

    @Override
    protected Done change(Calls calls, String name, String to, boolean checkExempt, String knownType) {
        boolean wasRunning = true;
        String from = knownType;
        if (!calls.dryRun()) {
            DescribeNotebookInstanceResponse nb = SageMakerNotebooks.notebook(calls, name);
            if (checkExempt) {
                calls.checkNotExempt(SageMakerTags.live(calls, kind().arn(calls.region(), calls.account(), name)));
            }
            from = nb.instanceTypeAsString();
            NotebookInstanceStatus status = nb.notebookInstanceStatus();
            if (to.equals(from)) {
                return Done.unchanged("already " + to + " and " + nb.notebookInstanceStatusAsString() + "; nothing sent");
            }
            if (status != NotebookInstanceStatus.IN_SERVICE && status != NotebookInstanceStatus.STOPPED
                    && status != NotebookInstanceStatus.STOPPING) {
                throw new Refusal(Refusal.STATE, "notebook instance " + name + " is " + nb.notebookInstanceStatusAsString()
                        + "; its type changes only from InService or Stopped");
            }
            wasRunning = status == NotebookInstanceStatus.IN_SERVICE;
            if (wasRunning) {
                stop(calls, name);
            }
            if (status != NotebookInstanceStatus.STOPPED) {
                SageMakerNotebooks.awaitStopped(calls, name);
            }
        } else {
            stop(calls, name);
        }
        calls.change(() -> calls.sageMaker().updateNotebookInstance(UpdateNotebookInstanceRequest.builder()
                .notebookInstanceName(name).instanceType(to).overrideConfiguration(calls.timeLeft()).build()));
        SageMakerNotebooks.awaitStopped(calls, name);
        if (wasRunning) {
            SageMakerNotebooks.startNotebook(calls, name);
            SageMakerNotebooks.awaitInService(calls, name);
        }
        String fromText = from == null || from.isEmpty() ? "its type" : from;
        return Done.changed(fromText + " -> " + to + (wasRunning ? ", started again" : ", left stopped"),
                from == null || from.isEmpty() ? Map.of() : Map.of(TYPE, from, STATE, wasRunning ? "InService" : "Stopped"));
    }

    private static void stop(Calls calls, String name) {
        calls.change(() -> calls.sageMaker().stopNotebookInstance(StopNotebookInstanceRequest.builder()
                .notebookInstanceName(name).overrideConfiguration(calls.timeLeft()).build()));
    }
}
