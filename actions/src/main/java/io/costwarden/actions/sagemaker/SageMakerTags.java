package io.costwarden.actions.sagemaker;

import io.costwarden.actions.Adapter;
import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.TagAction;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ResourceKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sagemaker.model.AddTagsRequest;
import software.amazon.awssdk.services.sagemaker.model.DeleteTagsRequest;
import software.amazon.awssdk.services.sagemaker.model.ListTagsRequest;
import software.amazon.awssdk.services.sagemaker.model.ListTagsResponse;
import software.amazon.awssdk.services.sagemaker.model.Tag;

/**
 * Tags of any SageMaker resource, by ARN: the live tags for the exemption check (SageMaker's Describe calls
 * carry none), and the {@code tag} action (AddTags; undo DeleteTags, then AddTags for values it overwrote).
 */
public final class SageMakerTags implements Adapter {
    private final ResourceKind kind;

    public SageMakerTags(ResourceKind kind) {
        this.kind = kind;
    }

    /** Every tag of the resource, following ListTags's pages. Enforce only. */
    public static Map<String, String> live(Calls calls, String arn) {
        Map<String, String> tags = new LinkedHashMap<>();
        String next = null;
        do {
            String token = next;
            ListTagsResponse page = calls.read(() -> calls.sageMaker().listTags(ListTagsRequest.builder().resourceArn(arn)
                    .nextToken(token).overrideConfiguration(calls.timeLeft()).build())).orElseThrow();
            page.tags().forEach(t -> tags.put(t.key(), t.value() == null ? "" : t.value()));
            next = page.nextToken();
        } while (next != null && !next.isEmpty());
        return tags;
    }

    @Override
    public ActionKind action() {
        return ActionKind.TAG;
    }

    @Override
    public ResourceKind kind() {
        return kind;
    }

    @Override
    public Done act(Calls calls, ActionRequest r) {
        String arn = kind.arn(calls.region(), calls.account(), r.nativeId());
        Map<String, String> wanted = TagAction.tags(r);
        Map<String, String> before = Map.of();
        if (!calls.dryRun()) {
            before = live(calls, arn);
            calls.checkNotExempt(before);
            if (TagAction.alreadySet(before, wanted)) {
                return Done.unchanged("tags already set; AddTags not sent");
            }
        }
        calls.change(() -> calls.sageMaker().addTags(AddTagsRequest.builder().resourceArn(arn).tags(sdk(wanted))
                .overrideConfiguration(calls.timeLeft()).build()));
        return Done.changed("AddTags sent", TagAction.previous(before, wanted));
    }

    @Override
    public Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        String arn = kind.arn(calls.region(), calls.account(), original.nativeId());
        TagAction.Restore restore = TagAction.restore(original.previous());
        if (!restore.remove().isEmpty()) {
            calls.change(() -> calls.sageMaker().deleteTags(DeleteTagsRequest.builder().resourceArn(arn)
                    .tagKeys(restore.remove()).overrideConfiguration(calls.timeLeft()).build()));
        }
        if (!restore.put().isEmpty()) {
            calls.change(() -> calls.sageMaker().addTags(AddTagsRequest.builder().resourceArn(arn).tags(sdk(restore.put()))
                    .overrideConfiguration(calls.timeLeft()).build()));
        }
        return Done.changed("tags restored", original.previous());
    }

    private static List<Tag> sdk(Map<String, String> tags) {
        return tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }
}
