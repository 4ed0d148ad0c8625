package io.costwarden.app.roles;

import io.costwarden.app.CostwardenConfig;
import io.costwarden.model.InstanceCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/** The instance catalog this process prices with: the bundled one, with costwarden.catalog.file laid over it. */
@ApplicationScoped
public class CatalogInUse {
    private static final Logger LOG = Logger.getLogger(CatalogInUse.class);

    private final CostwardenConfig config;
    private volatile InstanceCatalog catalog;

    public CatalogInUse(CostwardenConfig config) {
        this.config = config;
    }

    /** Loaded once, on first use; a bad file fails that use (and so the start-up of the role that needs it). */
    public InstanceCatalog get() {
        InstanceCatalog c = catalog;
        if (c == null) {
            synchronized (this) {
                if (catalog == null) {
                    Optional<Path> file = config.catalog().file();
                    catalog = file.isEmpty() ? InstanceCatalog.bundled()
                            : InstanceCatalog.bundled().withOverrides(InstanceCatalog.load(file.get()));
                    file.ifPresent(f -> LOG.infof("instance catalog: %s over the bundled one", f));
                }
                c = catalog;
            }
        }
        return c;
    }
}
