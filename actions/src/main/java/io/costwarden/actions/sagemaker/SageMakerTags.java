package io.costwarden.actions.sagemaker;

import io.costwarden.actions.Calls;
import io.costwarden.actions.TagAction;
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
 * carry none), and the {@code tag} action (AddTags; DeleteTags for the undo).
 */
public final class SageMakerTags extends TagAction {
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
    public ResourceKind kind() {
        return kind;
    }

    @Override
    protected String setCall() {
        return "AddTags";
    }

    @Override
    protected Map<String, String> liveTags(Calls calls, String nativeId) {
        return live(calls, arn(calls, nativeId));
    }

    @Override
    protected void set(Calls calls, String nativeId, Map<String, String> tags) {
        String arn = arn(calls, nativeId);
        calls.change(() -> calls.sageMaker().addTags(AddTagsRequest.builder().resourceArn(arn).tags(sdk(tags))
                .overrideConfiguration(calls.timeLeft()).build()));
    }

    @Override
    protected void delete(Calls calls, String nativeId, List<String> keys) {
        String arn = arn(calls, nativeId);
        calls.change(() -> calls.sageMaker().deleteTags(DeleteTagsRequest.builder().resourceArn(arn).tagKeys(keys)
                .overrideConfiguration(calls.timeLeft()).build()));
    }

    private String arn(Calls calls, String nativeId) {
        return kind.arn(calls.region(), calls.account(), nativeId);
    }

    private static List<Tag> sdk(Map<String, String> tags) {
        return tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }
}
