package io.costwarden.actions.sagemaker;

import io.costwarden.actions.Calls;
import io.costwarden.actions.Done;
import io.costwarden.actions.Refusal;
import io.costwarden.actions.Stop;
import io.costwarden.actions.StopAdapter;
import io.costwarden.model.ActionOptions;
import io.costwarden.model.ResourceKind;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.sagemaker.model.AppStatus;
import software.amazon.awssdk.services.sagemaker.model.AppType;
import software.amazon.awssdk.services.sagemaker.model.CreateAppRequest;
import software.amazon.awssdk.services.sagemaker.model.DeleteAppRequest;
import software.amazon.awssdk.services.sagemaker.model.ResourceSpec;
import software.amazon.awssdk.services.sagemaker.model.DescribeAppRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeAppResponse;

/**
 * SageMaker Studio apps, stopped the way Studio stops them: DeleteApp. The app's compute goes away; the
 * user's files stay on the user profile's or space's storage, and the app can be created again, which is
 * how an undo brings it back.
 */
public final class StudioApps implements StopAdapter {
    /** Deleted or on the way there. An app that Failed still holds nothing, but DeleteApp is how it is cleared. */
    private static final Set<AppStatus> GONE = EnumSet.of(AppStatus.DELETING, AppStatus.DELETED);
    private static final String NOT_FOUND = "ResourceNotFound";

    /** Keys of what DeleteApp loses and CreateApp needs back, in {@code ActionResult.previous}. */
    public static final String INSTANCE_TYPE = "instanceType";
    public static final String IMAGE = "sageMakerImageArn";
    public static final String IMAGE_VERSION = "sageMakerImageVersionArn";
    public static final String IMAGE_ALIAS = "sageMakerImageVersionAlias";
    public static final String LIFECYCLE_CONFIG = "lifecycleConfigArn";

    /** Whether the app's owner in the id is a user profile or a space: the API names them in different fields. */
    public enum Owner {
        USER_PROFILE, SPACE;

        Owner other() {
            return this == USER_PROFILE ? SPACE : USER_PROFILE;
        }
    }

    /**
     * A Studio app as the inventory names it: {@code domain/user-profile-or-space/app-type/app-name}, with the
     * app type lower-cased (CloudTrail's CreateApp and DeleteApp build it so).
     *
     * @param type the API's AppType, found again from the lower-cased word
     */
    public record AppId(String domain, String owner, AppType type, String name) {

        public static AppId parse(String nativeId) {
            String[] parts = nativeId.split("/", -1);
            if (parts.length != 4 || List.of(parts).stream().anyMatch(String::isEmpty)) {
                throw new IllegalArgumentException("a Studio app id is domain/user-profile-or-space/app-type/app-name, was '"
                        + nativeId + "'");
            }
            AppType type = AppType.knownValues().stream()
                    .filter(t -> t.toString().toLowerCase(Locale.ROOT).equals(parts[2].toLowerCase(Locale.ROOT)))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown Studio app type '" + parts[2] + "' in '"
                            + nativeId + "' (known: " + AppType.knownValues() + ")"));
            return new AppId(parts[0], parts[1], type, parts[3]);
        }

        /**
         * Where the owner name goes. JupyterLab and Code Editor apps always run in a space (private or shared)
         * in today's Studio; every other type (Studio Classic's JupyterServer and KernelGateway, RStudio,
         * Canvas, TensorBoard, ...) belongs to a user profile. The one exception, a Studio Classic shared
         * space's JupyterServer or KernelGateway, is found on a second try with the other field.
         */
        public Owner likelyOwner() {
            return type == AppType.JUPYTER_LAB || type == AppType.CODE_EDITOR ? Owner.SPACE : Owner.USER_PROFILE;
        }
    }

    @Override
    public ResourceKind kind() {
        return ResourceKind.SAGEMAKER_APP;
    }

    @Override
    public String describeCall() {
        return "DescribeApp";
    }

    @Override
    public String stopCall() {
        return "DeleteApp";
    }

    /** DescribeApp and ListTags; the app's instance type and image are kept so that an undo can create it again. */
    @Override
    public State describe(Calls calls, String nativeId) {
        AppId app = AppId.parse(nativeId);
        DescribeAppResponse response = eitherOwner(app, owner -> describe(calls, app, owner));
        Map<String, String> facts = new LinkedHashMap<>();
        ResourceSpec spec = response.resourceSpec();
        if (spec != null && spec.instanceTypeAsString() != null) {
            facts.put(INSTANCE_TYPE, spec.instanceTypeAsString());
        }
        if (spec != null && spec.sageMakerImageArn() != null) {
            facts.put(IMAGE, spec.sageMakerImageArn());
        }
        if (spec != null && spec.sageMakerImageVersionArn() != null) {
            facts.put(IMAGE_VERSION, spec.sageMakerImageVersionArn());
        }
        if (spec != null && spec.sageMakerImageVersionAlias() != null) {
            facts.put(IMAGE_ALIAS, spec.sageMakerImageVersionAlias());
        }
        if (spec != null && spec.lifecycleConfigArn() != null) {
            facts.put(LIFECYCLE_CONFIG, spec.lifecycleConfigArn());
        }
        return new State(response.statusAsString(), GONE.contains(response.status()),
                SageMakerTags.live(calls, kind().arn(calls.region(), calls.account(), nativeId)), facts);
    }

    /** DeleteApp. */
    @Override
    public void stop(Calls calls, String nativeId, ActionOptions options) {
        AppId app = AppId.parse(nativeId);
        eitherOwner(app, owner -> calls.change(() -> calls.sageMaker().deleteApp(owned(DeleteAppRequest.builder(), app, owner)
                .domainId(app.domain()).appType(app.type()).appName(app.name())
                .overrideConfiguration(calls.timeLeft()).build())));
    }

    /**
     * CreateApp with the same name, type and owner, on the instance type, image (and its version) and lifecycle
     * configuration it had: Studio's own way back. The user's files were never on the app, so they are all there.
     */
    @Override
    public Done start(Calls calls, String nativeId, Map<String, String> previous) {
        AppId app = AppId.parse(nativeId);
        if (!calls.dryRun()) {
            AppStatus status;
            try {
                status = eitherOwner(app, owner -> describe(calls, app, owner)).status();
            } catch (AwsServiceException e) {
                if (e.awsErrorDetails() == null || !NOT_FOUND.equals(e.awsErrorDetails().errorCode())) {
                    throw e;
                }
                status = AppStatus.DELETED;
            }
            if (status == AppStatus.IN_SERVICE || status == AppStatus.PENDING) {
                return Done.unchanged("already " + status + "; CreateApp not sent");
            }
            if (status == AppStatus.DELETING) {
                throw new Refusal(Refusal.STATE, "Studio app " + nativeId + " is still Deleting; undo again once it is Deleted");
            }
        }
        ResourceSpec.Builder spec = ResourceSpec.builder();
        if (previous.containsKey(INSTANCE_TYPE)) {
            spec.instanceType(previous.get(INSTANCE_TYPE));
        }
        if (previous.containsKey(IMAGE)) {
            spec.sageMakerImageArn(previous.get(IMAGE));
        }
        if (previous.containsKey(IMAGE_VERSION)) {
            spec.sageMakerImageVersionArn(previous.get(IMAGE_VERSION));
        } else if (previous.containsKey(IMAGE_ALIAS)) {
            spec.sageMakerImageVersionAlias(previous.get(IMAGE_ALIAS));
        }
        if (previous.containsKey(LIFECYCLE_CONFIG)) {
            spec.lifecycleConfigArn(previous.get(LIFECYCLE_CONFIG));
        }
        eitherOwner(app, owner -> calls.change(() -> calls.sageMaker().createApp(owned(CreateAppRequest.builder(), app, owner)
                .domainId(app.domain()).appType(app.type()).appName(app.name()).resourceSpec(spec.build())
                .overrideConfiguration(calls.timeLeft()).build())));
        return Done.changed("CreateApp sent", Map.of(Stop.STATE, "Deleted"));
    }

    private static DescribeAppResponse describe(Calls calls, AppId app, Owner owner) {
        return calls.read(() -> calls.sageMaker().describeApp(owned(DescribeAppRequest.builder(), app, owner)
                .domainId(app.domain()).appType(app.type()).appName(app.name())
                .overrideConfiguration(calls.timeLeft()).build())).orElseThrow();
    }

    /**
     * The call with the likely owner field, and again with the other one when AWS answers ResourceNotFound:
     * the id does not say which it is, and a not-found call changed nothing, so the second try is safe.
     */
    private static <T> T eitherOwner(AppId app, Function<Owner, T> call) {
        try {
            return call.apply(app.likelyOwner());
        } catch (AwsServiceException e) {
            if (e.awsErrorDetails() == null || !NOT_FOUND.equals(e.awsErrorDetails().errorCode())) {
                throw e;
            }
            return call.apply(app.likelyOwner().other());
        }
    }

    private static DescribeAppRequest.Builder owned(DescribeAppRequest.Builder b, AppId app, Owner owner) {
        return owner == Owner.SPACE ? b.spaceName(app.owner()) : b.userProfileName(app.owner());
    }

    private static DeleteAppRequest.Builder owned(DeleteAppRequest.Builder b, AppId app, Owner owner) {
        return owner == Owner.SPACE ? b.spaceName(app.owner()) : b.userProfileName(app.owner());
    }

    private static CreateAppRequest.Builder owned(CreateAppRequest.Builder b, AppId app, Owner owner) {
        return owner == Owner.SPACE ? b.spaceName(app.owner()) : b.userProfileName(app.owner());
    }
}
