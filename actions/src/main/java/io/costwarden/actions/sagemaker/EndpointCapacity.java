package io.costwarden.actions.sagemaker;

import io.costwarden.actions.Adapter;
import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.Refusal;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.ResourceKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DesiredWeightAndCapacity;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariantSummary;
import software.amazon.awssdk.services.sagemaker.model.UpdateEndpointWeightsAndCapacitiesRequest;

/**
 * {@code downscale} of an endpoint: UpdateEndpointWeightsAndCapacities sets every instance-backed production
 * variant to {@code capacity} instances (serverless variants have no instance count and are left alone),
 * then waits until the endpoint is InService again. The previous count of each variant is recorded as
 * {@code variant:NAME}; undo sets them back.
 *
 * <p>A dry-run does not know the variant names (they come from DescribeEndpoint) and records the request
 * with the variant {@value #ANY_VARIANT}.
 */
public final class EndpointCapacity implements Adapter {
    public static final String VARIANT = "variant:";
    static final String ANY_VARIANT = "{each variant from DescribeEndpoint}";

    @Override
    public ActionKind action() {
        return ActionKind.DOWNSCALE;
    }

    @Override
    public ResourceKind kind() {
        return ResourceKind.SAGEMAKER_ENDPOINT;
    }

    @Override
    public Done act(Calls calls, ActionRequest r) {
        Integer capacity = r.options().capacity();
        if (capacity == null) {
            throw new Refusal(Refusal.UNSUPPORTED, "downscale of a sagemaker-endpoint needs 'capacity' in the policy");
        }
        String name = r.nativeId();
        if (calls.dryRun()) {
            update(calls, name, Map.of(ANY_VARIANT, capacity));
            return Done.changed("every variant -> " + capacity + " instances", Map.of());
        }
        Map<String, Integer> current = variants(calls, name, true);
        Map<String, Integer> wanted = new LinkedHashMap<>();
        current.keySet().forEach(v -> wanted.put(v, capacity));
        if (current.equals(wanted)) {
            return Done.unchanged("every variant already at " + capacity + " instances; nothing sent");
        }
        update(calls, name, wanted);
        awaitInService(calls, name);
        Map<String, String> previous = new LinkedHashMap<>();
        current.forEach((v, n) -> previous.put(VARIANT + v, Integer.toString(n)));
        return Done.changed(current + " -> " + capacity + " instances per variant", previous);
    }

    @Override
    public Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        Map<String, Integer> wanted = new LinkedHashMap<>();
        original.previous().forEach((k, v) -> {
            if (k.startsWith(VARIANT)) {
                wanted.put(k.substring(VARIANT.length()), Integer.parseInt(v));
            }
        });
        if (wanted.isEmpty()) {
            throw new Refusal(Refusal.NOT_UNDOABLE, "the action did not record the variants' previous capacity");
        }
        if (!calls.dryRun()) {
            variants(calls, original.nativeId(), false);
        }
        update(calls, original.nativeId(), wanted);
        awaitInService(calls, original.nativeId());
        return Done.changed("variants back to " + wanted, Map.of());
    }

    /** DescribeEndpoint: the desired count of each instance-backed variant; refuses unless InService. */
    private Map<String, Integer> variants(Calls calls, String name, boolean checkExempt) {
        DescribeEndpointResponse endpoint = calls.read(() -> calls.sageMaker().describeEndpoint(DescribeEndpointRequest
                .builder().endpointName(name).overrideConfiguration(calls.timeLeft()).build())).orElseThrow();
        if (checkExempt) {
            calls.checkNotExempt(SageMakerTags.live(calls, kind().arn(calls.region(), calls.account(), name)));
        }
        if (endpoint.endpointStatus() != EndpointStatus.IN_SERVICE) {
            // AWS refuses an update while the endpoint is Updating, Creating or in another non-final state.
            throw new Refusal(Refusal.STATE, "endpoint " + name + " is " + endpoint.endpointStatusAsString()
                    + "; its capacity changes only when InService");
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (ProductionVariantSummary v : endpoint.productionVariants()) {
            Integer n = v.desiredInstanceCount() != null ? v.desiredInstanceCount() : v.currentInstanceCount();
            if (n != null) {
                out.put(v.variantName(), n);
            }
        }
        if (out.isEmpty()) {
            throw new Refusal(Refusal.STATE, "endpoint " + name + " has no instance-backed variant (serverless only)");
        }
        return out;
    }

    private static void update(Calls calls, String name, Map<String, Integer> counts) {
        List<DesiredWeightAndCapacity> desired = counts.entrySet().stream().map(e -> DesiredWeightAndCapacity.builder()
                .variantName(e.getKey()).desiredInstanceCount(e.getValue()).build()).toList();
        calls.change(() -> calls.sageMaker().updateEndpointWeightsAndCapacities(UpdateEndpointWeightsAndCapacitiesRequest
                .builder().endpointName(name).desiredWeightsAndCapacities(desired).overrideConfiguration(calls.timeLeft())
                .build()));
    }

    private static void awaitInService(Calls calls, String name) {
        calls.await("endpoint " + name + " InService", config -> calls.sageMaker().waiter().waitUntilEndpointInService(
                DescribeEndpointRequest.builder().endpointName(name).overrideConfiguration(calls.timeLeft()).build(), config));
    }
}
