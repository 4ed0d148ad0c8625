package io.costwarden.ingest.metrics;

import io.costwarden.model.ResourceKind;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The resource a datapoint's dimensions name, with the native id its CloudTrail events use, so metrics
 * and events land on the same key: {@code InstanceId} (EC2), {@code NotebookInstanceName} (SageMaker
 * notebook instance), or the Studio app dimensions that Costwarden's notebook activity script publishes
 * ({@code DomainId}, {@code UserProfileName} or {@code SpaceName}, {@code AppType}, {@code AppName}).
 */
public record MetricResource(ResourceKind kind, String nativeId) {

    public static Optional<MetricResource> of(Map<String, String> dims) {
        String instance = dims.getOrDefault("InstanceId", "");
        if (instance.startsWith("i-")) {
            return Optional.of(new MetricResource(ResourceKind.EC2_INSTANCE, instance));
        }
        String notebook = dims.getOrDefault("NotebookInstanceName", "");
        if (!notebook.isBlank()) {
            return Optional.of(new MetricResource(ResourceKind.SAGEMAKER_NOTEBOOK, notebook));
        }
        String domain = dims.getOrDefault("DomainId", "");
        // The same preference as CreateApp's record: the user profile when given, else the space.
        String owner = dims.getOrDefault("UserProfileName", dims.getOrDefault("SpaceName", ""));
        String appType = dims.getOrDefault("AppType", "");
        String app = dims.getOrDefault("AppName", "");
        if (!domain.isBlank() && !owner.isBlank() && !appType.isBlank() && !app.isBlank()) {
            // CreateApp's CloudTrail record gives the type as JupyterLab; the id lower-cases it the same way.
            return Optional.of(new MetricResource(ResourceKind.SAGEMAKER_APP,
                    domain + "/" + owner + "/" + appType.toLowerCase(Locale.ROOT) + "/" + app));
        }
        return Optional.empty();
    }
}
