package io.costwarden.app.roles;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.model.policy.ReloadingPolicies;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The policies in force: {@code costwarden.policies.file}, reloaded when it changes, or the bundled
 * defaults; in topic mode ({@code costwarden.policies.distribution=topic}) the newest valid document
 * on costwarden.policies.v1, which every instance follows. A file that fails validation at start stops start-up with every error as
 * {@code file:line:col: message}; a later change that fails is refused and the policies in force stay.
 */
@ApplicationScoped
public class ActivePolicies implements Supplier<PolicySet> {
    public static final String BUNDLED = "policies/default.yaml";
    private static final Logger LOG = Logger.getLogger(ActivePolicies.class);

    private final CostwardenConfig config;
    private final MeterRegistry meters;
    private final KafkaCluster kafka;
    private volatile Supplier<PolicySet> source;
    private volatile PolicyTopic topic;
    private volatile ReloadingPolicies watcher;

    public ActivePolicies(CostwardenConfig config, MeterRegistry meters, KafkaCluster kafka) {
        this.config = config;
        this.meters = meters;
        this.kafka = kafka;
    }

    @Override
    public PolicySet get() {
        Supplier<PolicySet> s = source;
        if (s == null) {
            synchronized (this) {
                if (source == null) {
                    source = load();
                    PolicySet p = source.get();
                    LOG.infof("policies from %s, version %s: %s", p.source(), p.version(),
                            p.policies().stream().map(x -> x.name()).toList());
                }
                s = source;
            }
        }
        return s.get();
    }

    /**
     * A configured file is watched and reloaded on change; the bundled policies never change. In topic
     * mode the topic decides, and a configured file is what this instance publishes to it.
     */
    private Supplier<PolicySet> load() {
        String mode = config.policies().distribution();
        if (!mode.equals("file") && !mode.equals("topic")) {
            throw new IllegalStateException("costwarden.policies.distribution must be file or topic, was '" + mode + "'");
        }
        try {
            Supplier<PolicySet> local = local(mode.equals("topic") ? this::published : this::reloaded);
            if (local instanceof ReloadingPolicies r) {
                watcher = r;
            }
            if (mode.equals("file")) {
                return local;
            }
            PolicyTopic topic = new PolicyTopic(kafka.clientSettings(), local, config.policies().topicStartTimeout(),
                    this::reloaded);
            this.topic = topic;
            if (config.policies().file().isPresent()) {
                publish(config.policies().file().get());
            }
            return topic;
        } catch (InvalidPolicyException e) {
            throw new IllegalStateException("the policy file is invalid:\n" + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the policy file: " + e.getMessage(), e);
        }
    }

    private Supplier<PolicySet> local(java.util.function.Consumer<ReloadingPolicies.Reload> listener)
            throws InvalidPolicyException, IOException {
        if (config.policies().file().isPresent()) {
            return new ReloadingPolicies(config.policies().file().get(), config.policies().reloadInterval(), listener);
        }
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("the bundled " + BUNDLED + " is missing from the application");
            }
            PolicySet bundled = PolicyFile.parse("bundled:" + BUNDLED, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return () -> bundled;
        }
    }

    /** In topic mode a valid change of the local file is published; the topic then applies it everywhere. */
    private void published(ReloadingPolicies.Reload reload) {
        if (reload instanceof ReloadingPolicies.Applied && config.policies().file().isPresent() && topic != null) {
            try {
                publish(config.policies().file().get());
            } catch (InvalidPolicyException | IOException | RuntimeException e) {
                LOG.errorf("could not publish the changed policy file: %s", e.getMessage());
                meters.counter("costwarden.policy.reloads", "outcome", "refused").increment();
            }
        } else {
            reloaded(reload);
        }
    }

    private void publish(java.nio.file.Path file) throws InvalidPolicyException, IOException {
        topic.publish(file.toString(), java.nio.file.Files.readString(file, StandardCharsets.UTF_8),
                java.nio.file.Files.getLastModifiedTime(file).toInstant());
    }

    private void reloaded(ReloadingPolicies.Reload reload) {
        if (reload instanceof ReloadingPolicies.Applied a) {
            LOG.infof("policies reloaded: version %s, %s", a.policies().version(),
                    a.policies().policies().stream().map(x -> x.name()).toList());
            meters.counter("costwarden.policy.reloads", "outcome", "applied").increment();
        } else if (reload instanceof ReloadingPolicies.Refused r) {
            LOG.errorf("policy file change refused; the policies in force stay:%n%s", r.reason());
            meters.counter("costwarden.policy.reloads", "outcome", "refused").increment();
        }
    }

    void stop(@Observes @Priority(900) ShutdownEvent event) {
        if (watcher != null) {
            watcher.close();
        }
        if (topic != null) {
            topic.close();
        }
    }
}
