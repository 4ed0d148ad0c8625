package io.costwarden.app.cli;

import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The command line: {@code serve} (the default), {@code demo}, {@code replay}. Settings that decide what
 * starts (roles, HTTP, data dir) are fixed here, before Quarkus reads its configuration.
 */
@QuarkusMain
public class CostwardenMain implements QuarkusApplication {
    static final String USAGE = """
            usage: costwarden <command> [options]

              serve                      run the roles in costwarden.roles (default: all) and the API
              demo [--once] [--policies FILE] [--replay FILE...] [--timeout SECONDS]
                                         start an embedded broker and every role, replay the bundled
                                         scenario (or FILEs), actions forced to dry-run; --once prints
                                         a JSON report when everything is processed, then exits
              replay FILE...             send CloudTrail files (any form, gzipped or not) to Kafka
                                         (kafka.bootstrap.servers, or a local Costwarden's broker)
              import-billing FILE...     send CUR 2.0, legacy CUR or FOCUS exports (CSV, gzipped or not,
                                         or Parquet; the files of one run together) to
                                         costwarden.costs.v1, one item per resource and hour
              validate FILE...           check policy files; every error as file:line:col: message
              refresh-prices [--region R]... [--instance-type T]... [--spot] [--out FILE]
                                         fetch AWS prices (default us-east-1) into an instance catalog
                                         CSV, to stdout unless --out (docs/catalog.md)
              undo ACTION_ID [--url URL] [--api-key KEY] [--by NAME] [--wait SECONDS]
                                         ask a running Costwarden (default http://localhost:8080) to
                                         undo an action; the key defaults to $COSTWARDEN_API_KEY
              help                       this text
            """;

    @Inject
    Demo demo;

    @Inject
    Replay replay;

    public static void main(String... args) {
        String command = args.length == 0 ? "serve" : args[0];
        switch (command) {
            case "demo" -> prepareDemo(args);
            case "replay", "import-billing" -> {
                System.setProperty("costwarden.roles", "none");
                System.setProperty("costwarden.embedded-kafka.enabled", "false");
                System.setProperty("quarkus.http.host-enabled", "false");
                System.setProperty("quarkus.log.console.stderr", "true");
            }
            case "serve" -> { }
            case "validate" -> {
                // Pure file checking: no broker, no roles, no HTTP; so no Quarkus at all.
                System.exit(Validate.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            }
            case "undo" -> System.exit(Undo.run(Arrays.copyOfRange(args, 1, args.length), System::getenv, System.out,
                    System.err));
            case "refresh-prices" -> System.exit(RefreshPrices.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            case "help", "--help", "-h" -> {
                System.out.print(USAGE);
                return;
            }
            default -> {
                System.err.print("unknown command '" + command + "'\n\n" + USAGE);
                System.exit(64);
            }
        }
        Quarkus.run(CostwardenMain.class, args);
    }

    /** A demo starts clean every time, on its own embedded broker, and never sends an AWS request. */
    private static void prepareDemo(String[] args) {
        Path dataDir = Path.of(System.getProperty("costwarden.data-dir",
                System.getenv().getOrDefault("COSTWARDEN_DATA_DIR", ".costwarden"))).resolve("demo");
        deleteRecursively(dataDir);
        System.setProperty("costwarden.data-dir", dataDir.toString());
        System.setProperty("costwarden.roles", "ingest,streams,actions");
        System.setProperty("costwarden.actions.force-dry-run", "true");
        System.setProperty("kafka.bootstrap.servers", "");
        System.setProperty("quarkus.log.console.stderr", "true");
        List<String> list = Arrays.asList(args);
        int i = list.indexOf("--policies");
        if (i > 0 && i + 1 < args.length) {
            refuseInvalidPolicies(Path.of(args[i + 1]));
            System.setProperty("costwarden.policies.file", args[i + 1]);
        }
    }

    /** Before anything starts: a bad policy file is the user's typo, not a start-up failure with a stack trace. */
    private static void refuseInvalidPolicies(Path file) {
        try {
            PolicyFile.load(file);
        } catch (InvalidPolicyException e) {
            e.errors().forEach(System.err::println);
            System.exit(2);
        } catch (IOException e) {
            System.err.println(file + ": cannot read: " + e.getMessage());
            System.exit(2);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir + " for a fresh demo", e);
        }
    }

    @Override
    public int run(String... args) throws Exception {
        String command = args.length == 0 ? "serve" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        PrintStream out = System.out;
        return switch (command) {
            case "demo" -> demo.run(rest, out);
            case "replay" -> replay.run(rest, out);
            case "import-billing" -> replay.run(rest, out, true);
            default -> {
                Quarkus.waitForExit();
                yield 0;
            }
        };
    }
}
