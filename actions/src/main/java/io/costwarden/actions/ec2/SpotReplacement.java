package io.costwarden.actions.ec2;

import io.costwarden.actions.Adapter;
import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.Refusal;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.ResourceKind;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.model.CreateImageRequest;
import software.amazon.awssdk.services.ec2.model.Placement;
import software.amazon.awssdk.services.ec2.model.InstanceMetadataOptionsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.CancelSpotInstanceRequestsRequest;
import software.amazon.awssdk.services.ec2.model.CreateImageResponse;
import software.amazon.awssdk.services.ec2.model.DescribeImagesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstanceStatusRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSpotPriceHistoryRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.GroupIdentifier;
import software.amazon.awssdk.services.ec2.model.IamInstanceProfileSpecification;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceInterruptionBehavior;
import software.amazon.awssdk.services.ec2.model.InstanceLifecycleType;
import software.amazon.awssdk.services.ec2.model.InstanceMarketOptionsRequest;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.MarketType;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.RunInstancesResponse;
import software.amazon.awssdk.services.ec2.model.SpotInstanceType;
import software.amazon.awssdk.services.ec2.model.SpotMarketOptions;
import software.amazon.awssdk.services.ec2.model.SpotPrice;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesRequest;

/**
 * {@code spot-migrate} of a standalone EC2 instance.
 *
 * <p>Without the policy's {@code replace-standalone} opt-in nothing changes: DescribeInstances and
 * DescribeSpotPriceHistory (in the instance's zone) give a recommendation with the estimated saving per hour
 * against the catalog's on-demand price.
 *
 * <p>With it, the instance is replaced: CreateImage (the instance reboots for a consistent image), wait until
 * the image is available, RunInstances of a persistent spot instance (interruption: stop) from that image with
 * the same type, subnet, security groups, instance profile, key pair and tags, wait until it runs and passes
 * its status checks, and only then TerminateInstances of the old one. The image name and the RunInstances
 * client token are derived from the action id, so a run repeated after a crash reuses the image and gets the
 * same instance back instead of launching a second. Undo is the same replacement back to on-demand, from a
 * fresh image of the spot instance (its disks may have changed since).
 */
public final class SpotReplacement implements Adapter {
    public static final String REPLACEMENT = "replacementInstanceId";
    public static final String REPLACED = "replacedInstanceId";
    public static final String IMAGE = "imageId";
    public static final String TYPE = "instanceType";
    public static final String REPLACES_TAG = "costwarden:replaces";
    static final String FROM_DESCRIBE = "{from DescribeInstances}";
    static final String FROM_IMAGE = "{from CreateImage}";
    private static final String LINUX = "Linux/UNIX";
    private static final BigDecimal HOURS_PER_MONTH = BigDecimal.valueOf(730);
    /** Tags by which AWS services and Kubernetes autoscalers mark the instances they manage. */
    static final java.util.Set<String> MANAGED_BY = java.util.Set.of("aws:autoscaling:groupName",
            "aws:ec2spot:fleet-request-id", "aws:ec2:fleet-id", "eks:nodegroup-name", "karpenter.sh/nodepool",
            "karpenter.sh/provisioner-name", "aws:elasticmapreduce:job-flow-id");

    private final InstanceCatalog catalog;
    private final Clock clock;

    public SpotReplacement(InstanceCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    @Override
    public ActionKind action() {
        return ActionKind.SPOT_MIGRATE;
    }

    @Override
    public ResourceKind kind() {
        return ResourceKind.EC2_INSTANCE;
    }

    @Override
    public Done act(Calls calls, ActionRequest r) {
        if (!r.options().replaceStandalone()) {
            return recommend(calls, r);
        }
        return replace(calls, r.nativeId(), r.instanceType(), true, r.actionId());
    }

    @Override
    public Done undo(Calls calls, ActionRequest undo, ActionResult original) {
        String spot = original.previous().get(REPLACEMENT);
        if (spot == null) {
            throw new Refusal(Refusal.NOT_UNDOABLE, "the action did not record a replacement instance");
        }
        return replace(calls, spot, original.previous().getOrDefault(TYPE, ""), false, undo.actionId());
    }

    private Done recommend(Calls calls, ActionRequest r) {
        String type = r.instanceType();
        String zone = FROM_DESCRIBE;
        if (!calls.dryRun()) {
            Instance i = live(calls, r.nativeId());
            calls.checkNotExempt(Ec2Instances.tags(i));
            if (i.instanceLifecycle() == InstanceLifecycleType.SPOT) {
                return Done.unchanged("already a spot instance; nothing to recommend");
            }
            type = i.instanceTypeAsString();
            zone = i.placement() == null ? null : i.placement().availabilityZone();
        }
        String pricedType = type.isEmpty() ? FROM_DESCRIBE : type;
        String pricedZone = zoneOrNull(zone);
        Optional<SpotPrice> spot = calls.read(() -> calls.ec2().describeSpotPriceHistory(DescribeSpotPriceHistoryRequest
                .builder().instanceTypesWithStrings(pricedType).productDescriptions(LINUX).availabilityZone(pricedZone)
                .startTime(clock.instant()).overrideConfiguration(calls.timeLeft()).build()))
                .flatMap(h -> h.spotPriceHistory().stream().findFirst());
        Optional<BigDecimal> onDemand = catalog.hourlyPrice(pricedType, r.region(), PurchaseOption.ON_DEMAND)
                .map(InstanceCatalog.HourlyPrice::usdPerHour);
        String advice = "replace " + r.nativeId() + " (" + pricedType + ", on demand) with a spot instance; set"
                + " 'replace-standalone: true' on the policy to let Costwarden do it";
        if (spot.isEmpty() || onDemand.isEmpty()) {
            return Done.recommended(advice + "; saving not estimated: "
                    + (spot.isEmpty() ? "no spot price read" : "no on-demand price for " + pricedType + " in " + r.region()
                    + " in the catalog"), null);
        }
        BigDecimal spotPrice = new BigDecimal(spot.get().spotPrice());
        BigDecimal saving = onDemand.get().subtract(spotPrice).setScale(4, RoundingMode.HALF_UP);
        return Done.recommended(advice + "; on demand $" + onDemand.get().stripTrailingZeros().toPlainString() + "/h, spot $"
                + spotPrice.stripTrailingZeros().toPlainString() + "/h in " + spot.get().availabilityZone() + ": saving about $"
                + saving.toPlainString() + "/h ($" + saving.multiply(HOURS_PER_MONTH).setScale(0, RoundingMode.HALF_UP)
                + "/month)", saving);
    }

    /**
     * Replaces {@code oldId} by an instance of the other purchase option: spot when {@code toSpot}, on demand
     * for an undo.
     */
    private Done replace(Calls calls, String oldId, String knownType, boolean toSpot, String token) {
        String imageName = "costwarden-" + token.substring(0, Math.min(token.length(), 24));
        Instance old = null;
        Optional<Instance> earlier = Optional.empty();
        if (!calls.dryRun()) {
            old = live(calls, oldId);
            if (toSpot) {
                calls.checkNotExempt(Ec2Instances.tags(old));
                refuseManaged(old);
            }
            earlier = replacementOf(calls, oldId);
            InstanceStateName state = old.state() == null ? null : old.state().name();
            if (earlier.isPresent() && (state == InstanceStateName.TERMINATED || state == InstanceStateName.SHUTTING_DOWN)) {
                // A first run got as far as terminating the old instance before its result was committed.
                return Done.changed(oldId + " was already replaced by " + earlier.get().instanceId() + " and terminated",
                        previous(oldId, earlier.get().instanceId(), earlier.get().imageId(), earlier.get().instanceTypeAsString()));
            }
            if (state != InstanceStateName.RUNNING) {
                // A stopped machine replaced by a running one would start what someone stopped.
                throw new Refusal(Refusal.STATE, "instance " + oldId + " is " + (state == null ? "in no known state"
                        : old.state().nameAsString()) + "; only a running instance is replaced");
            }
            boolean isSpot = old.instanceLifecycle() == InstanceLifecycleType.SPOT;
            if (isSpot == toSpot && earlier.isEmpty()) {
                return Done.unchanged("already " + (isSpot ? "spot" : "on demand") + "; nothing sent");
            }
        }
        String type = old != null ? old.instanceTypeAsString() : knownType.isEmpty() ? FROM_DESCRIBE : knownType;
        String newId;
        String imageId;
        if (earlier.isPresent()) {
            // A replacement launched by an earlier run (or an earlier finding's action) that did not finish: go on
            // with it rather than launch a second one.
            newId = earlier.get().instanceId();
            imageId = earlier.get().imageId();
        } else {
            imageId = image(calls, oldId, imageName);
            DescribeImagesRequest images = DescribeImagesRequest.builder().imageIds(imageId)
                    .overrideConfiguration(calls.timeLeft()).build();
            // A new image may not be visible yet: the availability waiter fails on InvalidAMIID.NotFound, this one retries.
            calls.await("image " + imageId + " to exist", config -> calls.ec2().waiter().waitUntilImageExists(images, config));
            calls.await("image " + imageId + " available", config -> calls.ec2().waiter().waitUntilImageAvailable(images,
                    config));
            RunInstancesRequest launch = launch(old, oldId, imageId, type, toSpot, token);
            Optional<RunInstancesResponse> launched = calls.change(() -> calls.ec2().runInstances(launch));
            newId = launched.flatMap(l -> l.instances().stream().findFirst()).map(Instance::instanceId)
                    .orElse("{from RunInstances}");
        }
        try {
            Ec2Instances.awaitRunning(calls, newId);
            calls.await("instance " + newId + " status checks ok", config -> calls.ec2().waiter().waitUntilInstanceStatusOk(
                    DescribeInstanceStatusRequest.builder().instanceIds(newId).overrideConfiguration(calls.timeLeft()).build(),
                    config));
        } catch (Calls.WaitFailed e) {
            throw e.leaving("replacement " + newId + " launched and left as it is; " + oldId + " not terminated. The next"
                    + " action on " + oldId + " continues with " + newId + " (tag " + REPLACES_TAG + ")");
        }
        if (old != null && old.spotInstanceRequestId() != null) {
            // Terminating an instance of a persistent spot request makes the request launch another: cancel it first.
            String request = old.spotInstanceRequestId();
            calls.change(() -> calls.ec2().cancelSpotInstanceRequests(CancelSpotInstanceRequestsRequest.builder()
                    .spotInstanceRequestIds(request).overrideConfiguration(calls.timeLeft()).build()));
        }
        calls.change(() -> calls.ec2().terminateInstances(TerminateInstancesRequest.builder().instanceIds(oldId)
                .overrideConfiguration(calls.timeLeft()).build()));
        return Done.changed(oldId + " replaced by " + (toSpot ? "spot" : "on-demand") + " instance " + newId + " from image "
                + imageId + "; " + oldId + " terminated", previous(oldId, newId, imageId, type));
    }

    /**
     * The launch of the replacement: what makes it the same machine (image, type, network, profile, key, tags)
     * and what keeps it as safe (instance metadata settings, tenancy, EBS optimisation). User data, extra
     * network interfaces, placement groups and termination protection are not copied (docs/actions.md).
     */
    private static RunInstancesRequest launch(Instance old, String oldId, String imageId, String type, boolean toSpot,
            String token) {
        RunInstancesRequest.Builder run = RunInstancesRequest.builder().imageId(imageId).instanceType(type).minCount(1)
                .maxCount(1).clientToken(token);
        List<Tag> tags = new ArrayList<>();
        if (old != null) {
            run.subnetId(old.subnetId())
                    .securityGroupIds(old.securityGroups().stream().map(GroupIdentifier::groupId).toList())
                    .keyName(old.keyName())
                    .ebsOptimized(old.ebsOptimized());
            if (old.iamInstanceProfile() != null) {
                run.iamInstanceProfile(IamInstanceProfileSpecification.builder().arn(old.iamInstanceProfile().arn()).build());
            }
            if (old.metadataOptions() != null) {
                var m = old.metadataOptions();
                run.metadataOptions(InstanceMetadataOptionsRequest.builder().httpTokens(m.httpTokensAsString())
                        .httpEndpoint(m.httpEndpointAsString()).httpPutResponseHopLimit(m.httpPutResponseHopLimit())
                        .instanceMetadataTags(m.instanceMetadataTagsAsString()).build());
            }
            if (old.placement() != null && old.placement().tenancy() != null) {
                run.placement(Placement.builder().tenancy(old.placement().tenancy()).build());
            }
            // aws: tags are AWS's own and refused on launch; the replaced-by link is set below.
            old.tags().stream().filter(t -> !t.key().startsWith("aws:") && !t.key().equals(REPLACES_TAG)).forEach(tags::add);
        } else {
            run.subnetId(FROM_DESCRIBE).securityGroupIds(FROM_DESCRIBE);
        }
        tags.add(Tag.builder().key(REPLACES_TAG).value(oldId).build());
        run.tagSpecifications(TagSpecification.builder().resourceType(ResourceType.INSTANCE).tags(tags).build());
        if (toSpot) {
            run.instanceMarketOptions(InstanceMarketOptionsRequest.builder().marketType(MarketType.SPOT)
                    .spotOptions(SpotMarketOptions.builder().spotInstanceType(SpotInstanceType.PERSISTENT)
                            .instanceInterruptionBehavior(InstanceInterruptionBehavior.STOP).build())
                    .build());
        }
        return run.build();
    }

    /** A replacement an earlier run launched: pending or running, tagged as replacing {@code oldId}. */
    private static Optional<Instance> replacementOf(Calls calls, String oldId) {
        return calls.read(() -> calls.ec2().describeInstances(DescribeInstancesRequest.builder()
                        .filters(Filter.builder().name("tag:" + REPLACES_TAG).values(oldId).build(),
                                Filter.builder().name("instance-state-name").values("pending", "running").build())
                        .overrideConfiguration(calls.timeLeft()).build()))
                .flatMap(r -> r.reservations().stream().flatMap(x -> x.instances().stream()).findFirst());
    }

    /**
     * Instances another service manages are replaced by that service, not here: terminating one would make its
     * group or fleet launch another next to Costwarden's replacement.
     */
    private static void refuseManaged(Instance i) {
        for (Tag t : i.tags()) {
            if (MANAGED_BY.contains(t.key())) {
                throw new Refusal(Refusal.UNSUPPORTED, "instance " + i.instanceId() + " is managed (tag " + t.key() + "="
                        + t.value() + "); migrate what manages it instead");
            }
        }
    }

    private static Map<String, String> previous(String oldId, String newId, String imageId, String type) {
        Map<String, String> previous = new LinkedHashMap<>();
        previous.put(REPLACED, oldId);
        previous.put(REPLACEMENT, newId);
        if (imageId != null) {
            previous.put(IMAGE, imageId);
        }
        if (type != null) {
            previous.put(TYPE, type);
        }
        return previous;
    }

    /** The image of a first run interrupted after CreateImage, found by its name; else CreateImage. */
    private static String image(Calls calls, String instanceId, String name) {
        Optional<Image> existing = calls.read(() -> calls.ec2().describeImages(DescribeImagesRequest.builder().owners("self")
                .filters(Filter.builder().name("name").values(name).build()).overrideConfiguration(calls.timeLeft()).build()))
                .flatMap(r -> r.images().stream().findFirst());
        if (existing.isPresent()) {
            return existing.get().imageId();
        }
        Optional<CreateImageResponse> created = calls.change(() -> calls.ec2().createImage(CreateImageRequest.builder()
                .instanceId(instanceId).name(name).description("Costwarden spot-migrate of " + instanceId)
                .overrideConfiguration(calls.timeLeft()).build()));
        return created.map(CreateImageResponse::imageId).orElse(FROM_IMAGE);
    }

    private static Instance live(Calls calls, String instanceId) {
        return Ec2Instances.instance(calls, instanceId).orElseThrow(() -> new Refusal(Refusal.STATE,
                "instance " + instanceId + " is not listed by DescribeInstances"));
    }

    private static String zoneOrNull(String zone) {
        return zone == null || zone.equals(FROM_DESCRIBE) ? null : zone;
    }
}
