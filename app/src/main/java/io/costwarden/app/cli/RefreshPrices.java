package io.costwarden.app.cli;

import io.costwarden.ingest.pricing.PriceListRefresher;
import io.costwarden.ingest.pricing.PriceListRefresher.Request;
import io.costwarden.ingest.pricing.PriceListRefresher.Result;
import io.costwarden.model.InstanceCatalog;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.pricing.PricingClient;

/**
 * {@code costwarden refresh-prices [--region R]... [--instance-type T]... [--spot] [--out FILE]
 * [--price-list-region R] [--endpoint-url URL]}: fetches current prices from AWS and writes an instance
 * catalog file (format in docs/catalog.md), to standard output unless {@code --out} names a file. Runs
 * without Quarkus: it needs AWS credentials (the SDK's default chain) and nothing else of Costwarden's.
 *
 * <p>Exit codes: 0 written; 1 written, but some price list items were skipped (listed on standard error);
 * 2 AWS or the output file failed, nothing written; 64 usage error.
 */
final class RefreshPrices {
    static final String DEFAULT_REGION = "us-east-1";
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]+");

    private RefreshPrices() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, DefaultCredentialsProvider.builder().build());
    }

    static int run(String[] args, PrintStream out, PrintStream err, AwsCredentialsProvider credentials) {
        List<String> regions = new ArrayList<>();
        List<String> types = new ArrayList<>();
        boolean spot = false;
        Optional<Path> outFile = Optional.empty();
        String priceListRegion = DEFAULT_REGION;
        Optional<URI> endpoint = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--spot")) {
                spot = true;
                continue;
            }
            if (!List.of("--region", "--instance-type", "--out", "--price-list-region", "--endpoint-url").contains(arg)) {
                return usage(err, "unknown option '" + arg + "'");
            }
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                return usage(err, arg + " needs a value");
            }
            String value = args[++i];
            switch (arg) {
                case "--region" -> regions.add(value);
                case "--instance-type" -> types.add(value);
                case "--out" -> outFile = Optional.of(Path.of(value));
                case "--price-list-region" -> priceListRegion = value;
                default -> {
                    try {
                        endpoint = Optional.of(URI.create(value));
                    } catch (IllegalArgumentException e) {
                        return usage(err, "--endpoint-url '" + value + "' is not a URL");
                    }
                }
            }
        }
        if (!PriceListRefresher.PRICE_LIST_ENDPOINT_REGIONS.contains(priceListRegion)) {
            return usage(err, "--price-list-region must be one of " + String.join(", ", PriceListRefresher.PRICE_LIST_ENDPOINT_REGIONS)
                    + " (the Price List API's endpoints), not " + priceListRegion);
        }
        for (String region : regions) {
            if (!REGION.matcher(region).matches()) {
                return usage(err, "--region '" + region + "' is not a region code like us-east-1");
            }
        }
        Request request = new Request(regions.isEmpty() ? List.of(DEFAULT_REGION) : regions, types, spot);

        Map<String, Ec2Client> ec2 = new HashMap<>();
        Optional<URI> ec2Endpoint = endpoint;
        Result result;
        try (PricingClient pricing = PriceListRefresher.pricingClient(priceListRegion, credentials, endpoint)) {
            PriceListRefresher refresher = new PriceListRefresher(pricing,
                    region -> ec2.computeIfAbsent(region, r -> PriceListRefresher.ec2Client(r, credentials, ec2Endpoint)),
                    InstanceCatalog.bundled(), Clock.systemUTC());
            result = refresher.refresh(request);
        } catch (SdkException e) {
            err.println("refresh-prices: AWS refused or failed: " + e.getMessage());
            err.println("refresh-prices: needs pricing:GetProducts" + (spot ? " and ec2:DescribeSpotPriceHistory" : "")
                    + "; see docs/catalog.md");
            return 2;
        } finally {
            ec2.values().forEach(Ec2Client::close);
        }

        try {
            write(result, request, outFile, out);
        } catch (IOException | UncheckedIOException e) {
            err.println("refresh-prices: cannot write " + outFile.map(Path::toString).orElse("to standard output") + ": " + e.getMessage());
            return 2;
        }
        result.problems().forEach(p -> err.println("refresh-prices: skipped " + p));
        err.println("refresh-prices: " + result.rows().size() + " rows for " + String.join(" ", request.regions())
                + outFile.map(f -> " written to " + f).orElse(""));
        return result.problems().isEmpty() ? 0 : 1;
    }

    /** A file is written beside its destination and moved into place, so a reader never sees half a catalog. */
    private static void write(Result result, Request request, Optional<Path> outFile, PrintStream out) throws IOException {
        if (outFile.isEmpty()) {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            result.write(request, w);
            w.flush();
            return;
        }
        Path target = outFile.get().toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".partial");
        try {
            try (Writer w = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
                result.write(request, w);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static int usage(PrintStream err, String problem) {
        err.print("refresh-prices: " + problem + "\n\n" + CostwardenMain.USAGE);
        return 64;
    }
}
