package io.costwarden.actions.ec2;

import io.costwarden.actions.Adapter;
import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.Refusal;
import io.costwarden.actions.TagAction;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ResourceKind;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.DeleteTagsRequest;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;

/** {@code tag} of an EC2 instance: CreateTags; undo DeleteTags for new tags and CreateTags for overwritten values. */
public final class Ec2Tags implements Adapter {

    @Override
    public ActionKind action() {
        return ActionKind.TAG;
    }

    @Override
    public ResourceKind kind() {
        return ResourceKind.EC2_INSTANCE;
    }

    @Override
    public Done act(Calls calls, ActionRequest r) {
        Map<String, String> wanted = TagAction.tags(r);
        Map<String, String> before = Map.of();
        if (!calls.dryRun()) {
            Instance i = Ec2Instances.instance(calls, r.nativeId()).orElseThrow(() -> new Refusal(Refusal.STATE,
                    "instance " + r.nativeId() + " is not listed by DescribeInstances"));
            before = Ec2Instances.tags(i);
            calls.checkNotExempt(before);
            if (TagAction.alreadySet(before, wanted)) {
                return Done.unchanged("tags already set; CreateTags not sent");
            }
        }
        create(calls, r.nativeId(), wanted);
        return Done.changed("CreateTags sent", TagAction.previous(before, wanted));
    }

    @Override
    public Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        TagAction.Restore restore = TagAction.restore(original.previous());
        if (!restore.remove().isEmpty()) {
            List<Tag> keys = restore.remove().stream().map(k -> Tag.builder().key(k).build()).toList();
            calls.change(() -> calls.ec2().deleteTags(DeleteTagsRequest.builder().resources(original.nativeId()).tags(keys)
                    .overrideConfiguration(calls.timeLeft()).build()));
        }
        if (!restore.put().isEmpty()) {
            create(calls, original.nativeId(), restore.put());
        }
        return Done.changed("tags restored", original.previous());
    }

    private static void create(Calls calls, String instanceId, Map<String, String> tags) {
        List<Tag> sdk = tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
        calls.change(() -> calls.ec2().createTags(CreateTagsRequest.builder().resources(instanceId).tags(sdk)
                .overrideConfiguration(calls.timeLeft()).build()));
    }
}
