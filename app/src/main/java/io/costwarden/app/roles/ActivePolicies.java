package io.costwarden.app.roles;

import io.costwarden.app.CostwardenConfig;
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
 * defaults. A file that fails validation at start stops start-up with every error as
 * {@code file:line:col: message}; a later change that fails is refused and the policies in force stay.
 */
@ApplicationScoped
public class ActivePolicies implements Supplier<PolicySet> {
    public static final String BUNDLED = "policies/default.yaml";
    private static final Logger LOG = Logger.getLogger(ActivePolicies.class);

    private final CostwardenConfig config;
    private final MeterRegistry meters;
    private volatile Supplier<PolicySet> source;

    public ActivePolicies(CostwardenConfig config, MeterRegistry meters) {
        this.config = config;
        this.meters = meters;
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

    /** A configured file is watched and reloaded on change; the bundled policies never change. */
    private Supplier<PolicySet> load() {
        try {
            if (config.policies().file().isPresent()) {
                return new ReloadingPolicies(config.policies().file().get(), config.policies().reloadInterval(), this::reloaded);
            }
            try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(BUNDLED)) {
                if (in == null) {
                    throw new IllegalStateException("the bundled " + BUNDLED + " is missing from the application");
                }
                PolicySet bundled = PolicyFile.parse("bundled:" + BUNDLED, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                return () -> bundled;
            }
        } catch (InvalidPolicyException e) {
            throw new IllegalStateException("the policy file is invalid:\n" + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the policy file: " + e.getMessage(), e);
        }
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
        if (source instanceof ReloadingPolicies r) {
            r.close();
        }
    }
}
