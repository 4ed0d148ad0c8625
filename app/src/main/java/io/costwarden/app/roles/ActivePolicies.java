package io.costwarden.app.roles;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The policies in force: {@code costwarden.policies.file}, or the bundled defaults. A file that fails
 * validation stops start-up with every error as {@code file:line:col: message}.
 */
@ApplicationScoped
public class ActivePolicies implements Supplier<PolicySet> {
    public static final String BUNDLED = "policies/default.yaml";
    private static final Logger LOG = Logger.getLogger(ActivePolicies.class);

    private final CostwardenConfig config;
    private volatile PolicySet current;

    public ActivePolicies(CostwardenConfig config) {
        this.config = config;
    }

    @Override
    public PolicySet get() {
        PolicySet p = current;
        if (p == null) {
            synchronized (this) {
                if (current == null) {
                    current = load();
                    LOG.infof("policies from %s, version %s: %s", current.source(), current.version(),
                            current.policies().stream().map(x -> x.name()).toList());
                }
                p = current;
            }
        }
        return p;
    }

    private PolicySet load() {
        try {
            if (config.policies().file().isPresent()) {
                return PolicyFile.load(config.policies().file().get());
            }
            try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(BUNDLED)) {
                if (in == null) {
                    throw new IllegalStateException("the bundled " + BUNDLED + " is missing from the application");
                }
                return PolicyFile.parse("bundled:" + BUNDLED, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (InvalidPolicyException e) {
            throw new IllegalStateException("the policy file is invalid:\n" + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the policy file: " + e.getMessage(), e);
        }
    }
}
