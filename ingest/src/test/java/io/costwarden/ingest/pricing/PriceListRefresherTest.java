package io.costwarden.ingest.pricing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.notContaining;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import io.costwarden.ingest.pricing.PriceListRefresher.Request;
import io.costwarden.ingest.pricing.PriceListRefresher.Result;
import io.costwarden.model.InstanceCatalog;
import io.costwarden.model.InstanceCatalog.HourlyPrice;
import io.costwarden.model.InstanceCatalog.InstanceSpec;
import io.costwarden.model.PurchaseOption;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.SpotPrice;
import software.amazon.awssdk.services.pricing.PricingClient;

/**
 * The refresher against WireMock serving recorded AWS responses (samples/pricing/, see its README): the
 * m5.large item of a real {@code GetProducts} answer and a real {@code DescribeSpotPriceHistory} answer for
 * m5.large in us-east-1, February 2021. What the tests build around them is labelled where it is built.
 */
class PriceListRefresherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GET_PRODUCTS = "AWSPriceListService.GetProducts";
    /** Just after the last price of the recorded spot history, so "now" matches the recording. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2021-02-09T02:00:00Z"), ZoneOffset.UTC);
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

    @TempDir
    Path dir;

    private WireMockServer aws;
    private PricingClient pricing;
    private final Map<String, Ec2Client> ec2 = new HashMap<>();
    private PriceListRefresher refresher;

    @BeforeEach
    void start() {
        aws = new WireMockServer(options().dynamicPort());
        aws.start();
        URI endpoint = URI.create("http://localhost:" + aws.port());
        pricing = PriceListRefresher.pricingClient("us-east-1", CREDENTIALS, Optional.of(endpoint));
        refresher = new PriceListRefresher(pricing,
                region -> ec2.computeIfAbsent(region, r -> PriceListRefresher.ec2Client(r, CREDENTIALS, Optional.of(endpoint))),
                InstanceCatalog.bundled(), CLOCK);
    }

    @AfterEach
    void stop() {
        pricing.close();
        ec2.values().forEach(Ec2Client::close);
        aws.stop();
    }

    static String sample(String name) throws IOException {
        try (InputStream in = PriceListRefresherTest.class.getResourceAsStream("/samples/pricing/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The recorded m5.large price list item, as the string GetProducts returns in PriceList. */
    private static String m5Large() throws IOException {
        return sample("GetProducts_m5_large.json");
    }

    /** A GetProducts response around the given items; the envelope is the API's documented shape. */
    private static String page(Optional<String> nextToken, String... items) {
        ObjectNode body = JSON.createObjectNode().put("FormatVersion", "aws_v1");
        ArrayNode list = body.putArray("PriceList");
        for (String item : items) {
            list.add(item);
        }
        nextToken.ifPresent(t -> body.put("NextToken", t));
        return body.toString();
    }

    private static MappingBuilder getProducts() {
        return post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo(GET_PRODUCTS));
    }

    private void servePages(String... pages) {
        for (int i = 0; i < pages.length; i++) {
            MappingBuilder request = getProducts().withRequestBody(i == 0 ? notContaining("NextToken")
                    : containing("\"NextToken\":\"token-" + (i + 1) + "\""));
            aws.stubFor(request.willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/x-amz-json-1.1").withBody(pages[i])));
        }
    }

    /**
     * The recorded DescribeSpotPriceHistory answer (boto3 JSON) in the EC2 query protocol's XML, which is
     * what the Java SDK reads; the values are the recorded ones.
     */
    private static String spotHistoryXml() throws IOException {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<DescribeSpotPriceHistoryResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
                + "<requestId>00000000-0000-0000-0000-000000000000</requestId>\n<spotPriceHistorySet>\n");
        for (JsonNode p : JSON.readTree(sample("DescribeSpotPriceHistory_m5_large.json")).path("SpotPriceHistory")) {
            xml.append("<item><instanceType>").append(p.path("InstanceType").asText())
                    .append("</instanceType><productDescription>").append(p.path("ProductDescription").asText())
                    .append("</productDescription><spotPrice>").append(p.path("SpotPrice").asText())
                    .append("</spotPrice><timestamp>").append(OffsetDateTime.parse(p.path("Timestamp").asText()).toInstant())
                    .append("</timestamp><availabilityZone>").append(p.path("AvailabilityZone").asText())
                    .append("</availabilityZone></item>\n");
        }
        return xml.append("</spotPriceHistorySet>\n<nextToken/>\n</DescribeSpotPriceHistoryResponse>\n").toString();
    }

    private void serveSpotHistory() throws IOException {
        aws.stubFor(post(urlEqualTo("/")).withRequestBody(containing("Action=DescribeSpotPriceHistory"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(spotHistoryXml())));
    }

    @Test
    void followsNextTokenAndKeepsTheGoodItemsWhenOthersAreMalformed() throws Exception {
        String truncated = m5Large().substring(0, 300);
        // Synthetic: the recorded item with its on-demand terms taken out.
        ObjectNode noOnDemand = (ObjectNode) JSON.readTree(m5Large());
        ((ObjectNode) noOnDemand.path("terms")).remove("OnDemand");
        servePages(page(Optional.of("token-2"), truncated, noOnDemand.toString()), page(Optional.empty(), m5Large()));

        Result result = refresher.refresh(new Request(List.of("us-east-1"), List.of(), false));

        assertThat(result.rows()).singleElement().satisfies(r -> {
            assertThat(r.instanceType()).isEqualTo("m5.large");
            assertThat(r.region()).contains("us-east-1");
            assertThat(r.onDemandUsdPerHour()).contains(new BigDecimal("0.096"));
            assertThat(r.spotUsdPerHour()).isEmpty();
            assertThat(r.priceDate()).contains(LocalDate.parse("2021-02-09"));
            assertThat(r.source()).contains("AWS Pricing API GetProducts");
        });
        assertThat(result.problems()).hasSize(2);
        assertThat(result.problems().get(0)).startsWith("price list us-east-1, page 1, item 1: not JSON");
        assertThat(result.problems().get(1))
                .isEqualTo("price list us-east-1, page 1, item 2 (sku 6C86BEPQVG73ZGGR): no terms.OnDemand");

        aws.verify(2, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo(GET_PRODUCTS)));
        aws.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("\"NextToken\":\"token-2\"")));
        for (String[] filter : new String[][] {{"regionCode", "us-east-1"}, {"operatingSystem", "Linux"}, {"tenancy", "Shared"},
                {"preInstalledSw", "NA"}, {"capacitystatus", "Used"}}) {
            aws.verify(2, postRequestedFor(urlEqualTo("/")).withRequestBody(matchingJsonPath(
                    "$.Filters[?(@.Type == 'TERM_MATCH' && @.Field == '" + filter[0] + "' && @.Value == '" + filter[1] + "')]")));
        }
        aws.verify(2, postRequestedFor(urlEqualTo("/")).withRequestBody(matchingJsonPath("$.ServiceCode", equalTo("AmazonEC2"))));
    }

    @Test
    void eachRequestedInstanceTypeIsItsOwnQuery() throws Exception {
        aws.stubFor(getProducts().withRequestBody(matchingJsonPath("$.Filters[?(@.Field == 'instanceType' && @.Value == 'm5.large')]"))
                .willReturn(aResponse().withStatus(200).withBody(page(Optional.empty(), m5Large()))));
        aws.stubFor(getProducts().withRequestBody(matchingJsonPath("$.Filters[?(@.Field == 'instanceType' && @.Value == 'g5.xlarge')]"))
                .willReturn(aResponse().withStatus(200).withBody(page(Optional.empty()))));

        Result result = refresher.refresh(new Request(List.of("us-east-1"), List.of("m5.large", "g5.xlarge"), false));

        assertThat(result.rows()).extracting(InstanceCatalog.Row::instanceType).containsExactly("m5.large");
        assertThat(result.problems()).isEmpty();
        aws.verify(2, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo(GET_PRODUCTS)));
    }

    @Test
    void spotIsTheMedianOfEachZonesLatestRecordedPrice() throws Exception {
        servePages(page(Optional.empty(), m5Large()));
        serveSpotHistory();

        Result result = refresher.refresh(new Request(List.of("us-east-1"), List.of(), true));

        // Latest per zone in the recording: 1a 0.0423, 1b 0.0389, 1c 0.0381, 1d 0.0431, 1f 0.0437.
        assertThat(result.rows()).singleElement().satisfies(r -> {
            assertThat(r.spotUsdPerHour()).contains(new BigDecimal("0.0423"));
            assertThat(r.source()).contains("AWS Pricing API GetProducts + EC2 DescribeSpotPriceHistory median of zones");
        });
        aws.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("ProductDescription.1=Linux%2FUNIX")));
        aws.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("StartTime=2021-02-09T02%3A00%3A00Z")));
    }

    @Test
    void withAnEvenNumberOfZonesTheUpperMiddlePriceIsTaken() throws Exception {
        List<SpotPrice> history = new ArrayList<>();
        for (JsonNode p : JSON.readTree(sample("DescribeSpotPriceHistory_m5_large.json")).path("SpotPriceHistory")) {
            if (!p.path("AvailabilityZone").asText().equals("us-east-1f")) {
                history.add(SpotPrice.builder().instanceType(p.path("InstanceType").asText())
                        .availabilityZone(p.path("AvailabilityZone").asText()).spotPrice(p.path("SpotPrice").asText())
                        .timestamp(OffsetDateTime.parse(p.path("Timestamp").asText()).toInstant()).build());
            }
        }
        // Latest of 1a, 1b, 1c, 1d: 0.0381 0.0389 | 0.0423 0.0431.
        assertThat(SpotPriceHistory.medianOfLatestPerZone(history)).containsExactly(Map.entry("m5.large", new BigDecimal("0.0423")));
    }

    @Test
    void aRefreshedFileLoadsAsACatalogAndOverridesTheBundledPrice() throws Exception {
        servePages(page(Optional.empty(), m5Large()));
        serveSpotHistory();
        Request request = new Request(List.of("us-east-1"), List.of(), true);
        Result result = refresher.refresh(request);
        Path file = dir.resolve("catalog.csv");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            result.write(request, w);
        }

        InstanceCatalog refreshed = InstanceCatalog.load(file);
        assertThat(refreshed.rows()).isEqualTo(result.rows());
        assertThat(refreshed.hourlyPrice("m5.large", "us-east-1", PurchaseOption.ON_DEMAND))
                .contains(new HourlyPrice(new BigDecimal("0.096"),
                        "AWS Pricing API GetProducts + EC2 DescribeSpotPriceHistory median of zones", LocalDate.parse("2021-02-09")));
        assertThat(refreshed.hourlyPrice("m5.large", "us-east-1", PurchaseOption.SPOT).map(HourlyPrice::usdPerHour))
                .contains(new BigDecimal("0.0423"));
        // vcpu and memory from the price list item, the GPU count (none) from the bundled catalog.
        assertThat(refreshed.spec("m5.large")).contains(new InstanceSpec("m5.large", 2, 8.0, 0, ""));
        assertThat(Files.readString(file)).startsWith("# Costwarden instance catalog refreshed 2021-02-09");

        InstanceCatalog merged = InstanceCatalog.bundled().withOverrides(refreshed);
        assertThat(merged.hourlyPrice("m5.large", "us-east-1", PurchaseOption.UNKNOWN).map(HourlyPrice::asOf))
                .contains(LocalDate.parse("2021-02-09"));
        assertThat(merged.hourlyPrice("c5.large", "us-east-1", PurchaseOption.ON_DEMAND)).isPresent();
    }

    @Test
    void anOlderItemWithoutRegionCodeIsReadWithItsHardware() throws Exception {
        PriceListItem item = PriceListItem.parse(m5Large());
        assertThat(item.instanceType()).isEqualTo("m5.large");
        assertThat(item.sku()).isEqualTo("6C86BEPQVG73ZGGR");
        assertThat(item.regionCode()).isEmpty();
        assertThat(item.operation()).isEqualTo("RunInstances");
        assertThat(item.vcpus()).hasValue(2);
        assertThat(item.memoryGib()).contains(new BigDecimal("8"));
        assertThat(item.gpuCount()).isEmpty();
        assertThat(item.onDemandUsdPerHour()).isEqualByComparingTo("0.096");
    }

    @Test
    void aZeroPriceIsAMalformedItemNotAFreeInstance() throws Exception {
        // Synthetic: the recorded item with its hourly price set to zero.
        String zero = m5Large().replace("\"USD\": \"0.0960000000\"", "\"USD\": \"0.0000000000\"");
        assertThat(zero).isNotEqualTo(m5Large());
        assertThatThrownBy(() -> PriceListItem.parse(zero)).hasMessage("hourly on-demand price is 0.0000000000");
    }

    @Test
    void anAwsErrorEndsTheRefresh() {
        aws.stubFor(getProducts().willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"AccessDeniedException\",\"Message\":\"not authorized to perform pricing:GetProducts\"}")));

        assertThatThrownBy(() -> refresher.refresh(new Request(List.of("us-east-1"), List.of(), false)))
                .isInstanceOf(AwsServiceException.class)
                .hasMessageContaining("pricing:GetProducts");
    }

    @Test
    void thePriceListApiIsOnlyAskedAtItsOwnEndpoints() {
        assertThatThrownBy(() -> PriceListRefresher.pricingClient("eu-west-1", CREDENTIALS, Optional.empty()))
                .hasMessage("the Price List API has endpoints in us-east-1, eu-central-1, ap-south-1 only, not in eu-west-1");
    }
}
