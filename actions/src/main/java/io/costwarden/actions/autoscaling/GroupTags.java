package io.costwarden.actions.autoscaling;

import io.costwarden.actions.Adapter;
import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.TagAction;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ResourceKind;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.CreateOrUpdateTagsRequest;
import software.amazon.awssdk.services.autoscaling.model.DeleteTagsRequest;
import software.amazon.awssdk.services.autoscaling.model.Tag;

/**
 * {@code tag} of an Auto Scaling group: CreateOrUpdateTags on the group only (PropagateAtLaunch false: the
 * mark is about the group, not a tag its new instances should inherit); undo DeleteTags and CreateOrUpdateTags.
 */
public final class GroupTags implements Adapter {
    private static final String GROUP = "auto-scaling-group";

    @Override
    public ActionKind action() {
        return ActionKind.TAG;
    }

    @Override
    public ResourceKind kind() {
        return ResourceKind.AUTOSCALING_GROUP;
    }

    @Override
    public Done act(Calls calls, ActionRequest r) {
        Map<String, String> wanted = TagAction.tags(r);
        Map<String, String> before = Map.of();
        if (!calls.dryRun()) {
            AutoScalingGroup g = Groups.describe(calls, r.nativeId());
            before = Groups.tags(g);
            calls.checkNotExempt(before);
            if (TagAction.alreadySet(before, wanted)) {
                return Done.unchanged("tags already set; CreateOrUpdateTags not sent");
            }
        }
        put(calls, r.nativeId(), wanted);
        return Done.changed("CreateOrUpdateTags sent", TagAction.previous(before, wanted));
    }

    @Override
    public Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        TagAction.Restore restore = TagAction.restore(original.previous());
        String name = original.nativeId();
        if (!restore.remove().isEmpty()) {
            List<Tag> keys = restore.remove().stream().map(k -> tag(name, k, null)).toList();
            calls.change(() -> calls.autoScaling().deleteTags(DeleteTagsRequest.builder().tags(keys)
                    .overrideConfiguration(calls.timeLeft()).build()));
        }
        if (!restore.put().isEmpty()) {
            put(calls, name, restore.put());
        }
        return Done.changed("tags restored", original.previous());
    }

    private static void put(Calls calls, String name, Map<String, String> tags) {
        List<Tag> sdk = tags.entrySet().stream().map(e -> tag(name, e.getKey(), e.getValue())).toList();
        calls.change(() -> calls.autoScaling().createOrUpdateTags(CreateOrUpdateTagsRequest.builder().tags(sdk)
                .overrideConfiguration(calls.timeLeft()).build()));
    }

    private static Tag tag(String group, String key, String value) {
        return Tag.builder().resourceId(group).resourceType(GROUP).key(key).value(value).propagateAtLaunch(false).build();
    }
}
