package io.costwarden.actions.ec2;

import io.costwarden.actions.Calls;
import io.costwarden.actions.Refusal;
import io.costwarden.actions.TagAction;
import io.costwarden.model.ResourceKind;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.DeleteTagsRequest;
import software.amazon.awssdk.services.ec2.model.Tag;

/** {@code tag} of an EC2 instance: tags from DescribeInstances, CreateTags, and DeleteTags for the undo. */
public final class Ec2Tags extends TagAction {

    @Override
    public ResourceKind kind() {
        return ResourceKind.EC2_INSTANCE;
    }

    @Override
    protected String setCall() {
        return "CreateTags";
    }

    @Override
    protected Map<String, String> liveTags(Calls calls, String instanceId) {
        return Ec2Instances.tags(Ec2Instances.instance(calls, instanceId).orElseThrow(() -> new Refusal(Refusal.STATE,
                "instance " + instanceId + " is not listed by DescribeInstances")));
    }

    @Override
    protected void set(Calls calls, String instanceId, Map<String, String> tags) {
        List<Tag> sdk = tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
        calls.change(() -> calls.ec2().createTags(CreateTagsRequest.builder().resources(instanceId).tags(sdk)
                .overrideConfiguration(calls.timeLeft()).build()));
    }

    @Override
    protected void delete(Calls calls, String instanceId, List<String> keys) {
        List<Tag> sdk = keys.stream().map(k -> Tag.builder().key(k).build()).toList();
        calls.change(() -> calls.ec2().deleteTags(DeleteTagsRequest.builder().resources(instanceId).tags(sdk)
                .overrideConfiguration(calls.timeLeft()).build()));
    }
}
