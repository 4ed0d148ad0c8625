package io.costwarden.ingest.pricing;

import io.costwarden.ingest.pricing.PriceListItem.MalformedItemException;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.InstanceCatalog.InstanceSpec;
import io.costwarden.model.InstanceCatalog.Row;
import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.pricing.PricingClient;
import software.amazon.awssdk.services.pricing.model.Filter;
import software.amazon.awssdk.services.pricing.model.FilterType;
import software.amazon.awssdk.services.pricing.model.GetProductsRequest;
import software.amazon.awssdk.services.pricing.model.GetProductsResponse;

/**
 * Builds a fresh instance catalog from AWS: on-demand Linux prices from the Price List API
 * ({@code pricing:GetProducts}, service code {@code AmazonEC2}) and, when asked, spot prices from EC2
 * ({@code ec2:DescribeSpotPriceHistory}, see {@link SpotPriceHistory} for how zones become one price).
 * The rows it returns are written in the catalog format and read back with {@link InstanceCatalog#load}.
 *
 * <p>The Price List API answers only at the endpoints of us-east-1, eu-central-1 and ap-south-1; which of
 * them is asked does not change the answer, and every region's prices are reachable from each.
 *
 * <p>Hardware comes from the price list's own attributes ({@code vcpu}, {@code memory}, {@code gpu}); what
 * those lack (the GPU model always, the accelerator count of Inferentia and Trainium types) is kept from
 * the catalog given as {@code base}, usually the bundled one.
 *
 * <p>SageMaker ({@code AmazonSageMaker}) prices are not refreshed: no recorded response of that price
 * list was available to build and test a parser against, and its attributes differ from EC2's.
 */
public final class PriceListRefresher {
    /** Endpoint regions of the Price List API. */
    public static final List<String> PRICE_LIST_ENDPOINT_REGIONS = List.of("us-east-1", "eu-central-1", "ap-south-1");
    static final String SERVICE_CODE = "AmazonEC2";
    static final String ON_DEMAND_SOURCE = "AWS Pricing API GetProducts";
    static final String SPOT_SOURCE = "EC2 DescribeSpotPriceHistory median of zones";
    private static final int PAGE_SIZE = 100;
    private static final Logger LOG = LoggerFactory.getLogger(PriceListRefresher.class);

    /**
     * What to refresh.
     *
     * @param regions       region codes whose prices to fetch
     * @param instanceTypes empty for every type the price list has
     * @param spot          also fetch spot prices (one EC2 client per region)
     */
    public record Request(List<String> regions, List<String> instanceTypes, boolean spot) {
        public Request {
            regions = List.copyOf(regions);
            instanceTypes = List.copyOf(instanceTypes);
            if (regions.isEmpty()) {
                throw new IllegalArgumentException("at least one region");
            }
        }
    }

    /**
     * The refreshed rows, sorted by type and region, and every problem met on the way (a malformed price
     * list item, two prices for one type). Problems do not stop the refresh: the other items are kept.
     */
    public record Result(List<Row> rows, List<String> problems, LocalDate asOf) {
        public Result {
            rows = List.copyOf(rows);
            problems = List.copyOf(problems);
            Objects.requireNonNull(asOf, "asOf");
        }

        /** Writes the rows as a catalog file, with a comment saying when and from where. */
        public void write(Request request, Writer out) throws IOException {
            List<String> comments = new ArrayList<>();
            comments.add("Costwarden instance catalog refreshed " + asOf + " by `costwarden refresh-prices` for "
                    + String.join(" ", request.regions()) + ".");
            comments.add("on_demand_usd_per_hour: AWS Price List API (GetProducts, AmazonEC2, Linux, shared tenancy, no pre-installed software).");
            comments.add(request.spot()
                    ? "spot_usd_per_hour: EC2 DescribeSpotPriceHistory (Linux/UNIX), median over zones of each zone's latest price."
                    : "spot_usd_per_hour: not fetched (run with --spot).");
            comments.add("gpu_model and hardware the price list lacks: Costwarden's bundled catalog. Format: docs/catalog.md.");
            if (!problems.isEmpty()) {
                comments.add(problems.size() + " price list item(s) were skipped; `costwarden refresh-prices` listed them.");
            }
            InstanceCatalog.write(rows, comments, out);
        }
    }

    private final PricingClient pricing;
    private final Function<String, Ec2Client> ec2ForRegion;
    private final InstanceCatalog base;
    private final Clock clock;

    /**
     * @param ec2ForRegion used only for spot prices; the refresher does not close what it returns
     */
    public PriceListRefresher(PricingClient pricing, Function<String, Ec2Client> ec2ForRegion, InstanceCatalog base, Clock clock) {
        this.pricing = pricing;
        this.ec2ForRegion = ec2ForRegion;
        this.base = base;
        this.clock = clock;
    }

    /** A Price List API client on {@link UrlConnectionHttpClient}, so that the SDK does not fight Quarkus's Netty. */
    public static PricingClient pricingClient(String endpointRegion, AwsCredentialsProvider credentials, Optional<URI> endpoint) {
        if (!PRICE_LIST_ENDPOINT_REGIONS.contains(endpointRegion)) {
            throw new IllegalArgumentException("the Price List API has endpoints in " + String.join(", ", PRICE_LIST_ENDPOINT_REGIONS)
                    + " only, not in " + endpointRegion);
        }
        var builder = PricingClient.builder().region(Region.of(endpointRegion)).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** An EC2 client for one region, on {@link UrlConnectionHttpClient}. */
    public static Ec2Client ec2Client(String region, AwsCredentialsProvider credentials, Optional<URI> endpoint) {
        var builder = Ec2Client.builder().region(Region.of(region)).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /**
     * Fetches every requested region. An error from AWS (denied, throttled past the SDK's retries) ends the
     * refresh with that exception; a malformed item only adds a problem.
     */
    public Result refresh(Request request) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        List<String> problems = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (String region : request.regions()) {
            Map<String, PriceListItem> onDemand = onDemand(region, request.instanceTypes(), problems);
            Map<String, BigDecimal> spot = request.spot()
                    ? new SpotPriceHistory(ec2ForRegion.apply(region)).medianPerType(clock.instant(), request.instanceTypes())
                    : Map.of();
            TreeSet<String> types = new TreeSet<>(onDemand.keySet());
            types.addAll(spot.keySet());
            for (String type : types) {
                rows.add(row(type, region, Optional.ofNullable(onDemand.get(type)), Optional.ofNullable(spot.get(type)), today));
            }
            LOG.info("refreshed {} on-demand and {} spot prices for {}", onDemand.size(), spot.size(), region);
        }
        rows.sort(Comparator.comparing(Row::instanceType).thenComparing(r -> r.region().orElse("")));
        return new Result(rows, problems, today);
    }

    private Map<String, PriceListItem> onDemand(String region, List<String> instanceTypes, List<String> problems) {
        Map<String, PriceListItem> byType = new TreeMap<>();
        if (instanceTypes.isEmpty()) {
            fetch(region, Optional.empty(), byType, problems);
        } else {
            // Filters are ANDed, so several types mean several queries.
            instanceTypes.forEach(t -> fetch(region, Optional.of(t), byType, problems));
        }
        return byType;
    }

    private void fetch(String region, Optional<String> instanceType, Map<String, PriceListItem> byType, List<String> problems) {
        List<Filter> filters = new ArrayList<>(List.of(
                term("regionCode", region), term("operatingSystem", "Linux"), term("tenancy", "Shared"),
                term("preInstalledSw", "NA"), term("capacitystatus", "Used")));
        instanceType.ifPresent(t -> filters.add(term("instanceType", t)));
        String token = null;
        int page = 0;
        do {
            page++;
            GetProductsResponse response = pricing.getProducts(GetProductsRequest.builder().serviceCode(SERVICE_CODE)
                    .formatVersion("aws_v1").filters(filters).maxResults(PAGE_SIZE).nextToken(token).build());
            List<String> items = response.priceList();
            for (int i = 0; i < items.size(); i++) {
                String where = region + ", page " + page + ", item " + (i + 1);
                PriceListItem item;
                try {
                    item = PriceListItem.parse(items.get(i));
                } catch (MalformedItemException e) {
                    problems.add("price list " + where + e.sku().map(s -> " (sku " + s + ")").orElse("") + ": " + e.getMessage());
                    continue;
                }
                keep(item, region, where, byType, problems);
            }
            token = response.nextToken();
        } while (token != null && !token.isEmpty());
    }

    private static void keep(PriceListItem item, String region, String where, Map<String, PriceListItem> byType, List<String> problems) {
        if (item.regionCode().isPresent() && !item.regionCode().get().equals(region)) {
            problems.add("price list " + where + " (sku " + item.sku() + "): regionCode " + item.regionCode().get()
                    + ", not the " + region + " asked for");
            return;
        }
        if (!item.operation().equals("RunInstances")) {
            // Same filters also match licensed variants (RunInstances:0002 and the like); plain Linux is RunInstances.
            return;
        }
        PriceListItem earlier = byType.putIfAbsent(item.instanceType(), item);
        if (earlier != null && earlier.onDemandUsdPerHour().compareTo(item.onDemandUsdPerHour()) != 0) {
            PriceListItem higher = earlier.onDemandUsdPerHour().compareTo(item.onDemandUsdPerHour()) >= 0 ? earlier : item;
            byType.put(item.instanceType(), higher);
            problems.add("price list " + where + ": " + item.instanceType() + " has two prices in " + region + " (sku "
                    + earlier.sku() + ": " + earlier.onDemandUsdPerHour().toPlainString() + ", sku " + item.sku() + ": "
                    + item.onDemandUsdPerHour().toPlainString() + "); kept the higher");
        }
    }

    private static Filter term(String field, String value) {
        return Filter.builder().type(FilterType.TERM_MATCH).field(field).value(value).build();
    }

    private Row row(String type, String region, Optional<PriceListItem> item, Optional<BigDecimal> spot, LocalDate day) {
        String source = item.isEmpty() ? SPOT_SOURCE : spot.isEmpty() ? ON_DEMAND_SOURCE : ON_DEMAND_SOURCE + " + " + SPOT_SOURCE;
        Optional<InstanceSpec> known = base.spec(type);
        OptionalInt vcpus = item.map(PriceListItem::vcpus).filter(OptionalInt::isPresent).orElse(
                known.map(s -> OptionalInt.of(s.vcpus())).orElse(OptionalInt.empty()));
        Optional<BigDecimal> memory = item.flatMap(PriceListItem::memoryGib)
                .or(() -> known.map(s -> new BigDecimal(s.memoryGib()).stripTrailingZeros()));
        Optional<InstanceCatalog.Accelerators> accelerators = base.accelerators(type);
        OptionalInt gpus = item.map(PriceListItem::gpuCount).filter(OptionalInt::isPresent).orElse(
                known.map(s -> OptionalInt.of(s.gpuCount()))
                        .or(() -> accelerators.map(a -> OptionalInt.of(a.count())))
                        .orElse(OptionalInt.empty()));
        return new Row(type, Optional.of(region), vcpus, memory, gpus, accelerators.map(InstanceCatalog.Accelerators::model),
                item.map(PriceListItem::onDemandUsdPerHour), spot, Optional.of(day), Optional.of(source));
    }
}
