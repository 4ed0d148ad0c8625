package io.costwarden.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A port for a test listener that is bound some time after it is chosen (a webhook receiver started after
 * the app, a process restarted after a kill). It is picked below the kernel's ephemeral range, so the
 * outgoing connections the test opens meanwhile (Kafka clients, HTTP clients) cannot take it; a port from
 * {@code new ServerSocket(0)} can be handed to one of them before the listener binds it.
 */
public final class ListenPort {
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Above the well-known and most registered service ports. */
    private static final int LOWEST = 20_000;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ListenPort.class);
    private static final java.util.Set<Integer> handedOut = new java.util.HashSet<>();

    private ListenPort() {
    }

    /** A loopback port below the ephemeral range that is free now. */
    public static synchronized int unused() throws IOException {
        int below = ephemeralStart();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (handedOut.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                // Not bound yet by whoever asked: without this, two callers could be given the same port.
                handedOut.add(port);
                return port;
            } catch (IOException taken) {
                // another listener has it: try another
            }
        }
        throw new IOException("no free port between " + LOWEST + " and " + below);
    }

    private static int ephemeralStart() {
        try {
            int start = Integer.parseInt(Files.readString(EPHEMERAL_RANGE).trim().split("\\s+")[0]);
            if (start > LOWEST + 1000) {
                return start;
            }
            LOG.warnf("the ephemeral port range starts at %d: test listeners may collide with client connections", start);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot read %s (%s): assuming the ephemeral range starts at 32768", EPHEMERAL_RANGE, e.getMessage());
        }
        return 32_768;
    }
}
