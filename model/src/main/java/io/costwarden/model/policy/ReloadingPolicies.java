package io.costwarden.model.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A policy file that takes effect again whenever it changes, without a restart. The file is looked at
 * every {@code interval} (modification time and size; a Kubernetes ConfigMap swaps a symlink, which a
 * watch service can miss). A changed file that fails validation is refused as a whole: the policies in
 * force stay, and the refusal is reported.
 */
public final class ReloadingPolicies implements Supplier<PolicySet>, AutoCloseable {
    /** What a look at the file came to. */
    public sealed interface Reload permits Applied, Refused {
    }

    public record Applied(PolicySet policies) implements Reload {
    }

    public record Refused(String reason) implements Reload {
    }

    private final Path file;
    private final Consumer<Reload> listener;
    private final ScheduledExecutorService timer;
    private volatile PolicySet current;
    private FileTime seenModified;
    private long seenSize;

    /** Loads the file now (throwing if it is invalid: nothing valid was ever in force) and then watches it. */
    public ReloadingPolicies(Path file, Duration interval, Consumer<Reload> listener) throws InvalidPolicyException, IOException {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("costwarden.policies.reload-interval must be positive, was " + interval);
        }
        this.file = file;
        this.listener = listener;
        this.seenModified = Files.getLastModifiedTime(file);
        this.seenSize = Files.size(file);
        this.current = PolicyFile.load(file);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "costwarden-policy-reload");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public PolicySet get() {
        return current;
    }

    /** One look at the file; public so tests (and an operator's reload endpoint later) need not wait. */
    public synchronized void check() {
        FileTime modified;
        long size;
        try {
            modified = Files.getLastModifiedTime(file);
            size = Files.size(file);
        } catch (IOException e) {
            listener.accept(new Refused(file + ": cannot read: " + e.getMessage()));
            return;
        }
        if (Objects.equals(modified, seenModified) && size == seenSize) {
            return;
        }
        seenModified = modified;
        seenSize = size;
        try {
            PolicySet next = PolicyFile.load(file);
            if (!next.version().equals(current.version())) {
                current = next;
                listener.accept(new Applied(next));
            }
        } catch (InvalidPolicyException e) {
            listener.accept(new Refused(e.getMessage()));
        } catch (IOException | RuntimeException e) {
            // Anything else must not end the scheduled checks: refuse this version and keep watching.
            listener.accept(new Refused(file + ": cannot load: " + e));
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
