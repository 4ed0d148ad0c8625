package io.costwarden.actions.autoscaling;

import io.costwarden.actions.Calls;
import io.costwarden.actions.TagAction;
import io.costwarden.model.ResourceKind;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.autoscaling.model.CreateOrUpdateTagsRequest;
import software.amazon.awssdk.services.autoscaling.model.DeleteTagsRequest;
import software.amazon.awssdk.services.autoscaling.model.Tag;

/**
 * {@code tag} of an Auto Scaling group: CreateOrUpdateTags on the group only (PropagateAtLaunch false: the
 * mark is about the group, not a tag its new instances should inherit); DeleteTags for the undo.
 */
public final class GroupTags extends TagAction {
    private static final String GROUP = "auto-scaling-group";

    @Override
    public ResourceKind kind() {
        return ResourceKind.AUTOSCALING_GROUP;
    }

    @Override
    protected String setCall() {
        return "CreateOrUpdateTags";
    }

    @Override
    protected Map<String, String> liveTags(Calls calls, String name) {
        return Groups.tags(Groups.describe(calls, name));
    }

    @Override
    protected void set(Calls calls, String name, Map<String, String> tags) {
        List<Tag> sdk = tags.entrySet().stream().map(e -> tag(name, e.getKey(), e.getValue())).toList();
        calls.change(() -> calls.autoScaling().createOrUpdateTags(CreateOrUpdateTagsRequest.builder().tags(sdk)
                .overrideConfiguration(calls.timeLeft()).build()));
    }

    @Override
    protected void delete(Calls calls, String name, List<String> keys) {
        List<Tag> sdk = keys.stream().map(k -> tag(name, k, null)).toList();
        calls.change(() -> calls.autoScaling().deleteTags(DeleteTagsRequest.builder().tags(sdk)
                .overrideConfiguration(calls.timeLeft()).build()));
    }

    private static Tag tag(String group, String key, String value) {
        return Tag.builder().resourceId(group).resourceType(GROUP).key(key).value(value).propagateAtLaunch(false).build();
    }
}
