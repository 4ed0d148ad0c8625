package io.costwarden.app.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.costwarden.model.InstanceCatalog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The command's arguments, exit codes and output file. The price list parsing itself is tested in ingest
 * against recorded responses; here the Price List API (WireMock) answers with no products or with an error.
 */
class RefreshPricesTest {
    @TempDir
    Path dir;

    private WireMockServer aws;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() {
        aws = new WireMockServer(options().dynamicPort());
        aws.start();
    }

    @AfterEach
    void stop() {
        aws.stop();
    }

    private int refresh(String... args) {
        return RefreshPrices.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
    }

    private String endpoint() {
        return "http://localhost:" + aws.port();
    }

    @Test
    void writesALoadableCatalogToTheOutFileForEachRegionAsked() throws Exception {
        aws.stubFor(post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("AWSPriceListService.GetProducts"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withBody("{\"FormatVersion\":\"aws_v1\",\"PriceList\":[]}")));
        Path file = dir.resolve("prices/catalog.csv");

        int code = refresh("--region", "eu-west-1", "--region", "us-west-2", "--out", file.toString(), "--endpoint-url", endpoint());

        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(InstanceCatalog.load(file).rows()).isEmpty();
        assertThat(Files.readString(file)).contains("for eu-west-1 us-west-2.", InstanceCatalog.HEADER);
        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("0 rows for eu-west-1 us-west-2 written to " + file);
        for (String region : new String[] {"eu-west-1", "us-west-2"}) {
            aws.verify(1, postRequestedFor(urlEqualTo("/"))
                    .withRequestBody(matchingJsonPath("$.Filters[?(@.Field == 'regionCode' && @.Value == '" + region + "')]")));
        }
        assertThat(Files.list(file.getParent())).containsExactly(file);
    }

    @Test
    void withoutOutTheCatalogGoesToStandardOutput() {
        aws.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/x-amz-json-1.1").withBody("{\"FormatVersion\":\"aws_v1\",\"PriceList\":[]}")));

        assertThat(refresh("--endpoint-url", endpoint())).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("for us-east-1.", InstanceCatalog.HEADER + "\n");
    }

    @Test
    void anAwsErrorWritesNothingAndSaysWhichPermissionIsNeeded() {
        aws.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"AccessDeniedException\",\"Message\":\"denied\"}")));
        Path file = dir.resolve("catalog.csv");

        assertThat(refresh("--spot", "--out", file.toString(), "--endpoint-url", endpoint())).isEqualTo(2);

        assertThat(file).doesNotExist();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("denied", "pricing:GetProducts and ec2:DescribeSpotPriceHistory");
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertThat(refresh("--regoin", "us-east-1")).isEqualTo(64);
        assertThat(refresh("--region")).isEqualTo(64);
        assertThat(refresh("--region", "US East")).isEqualTo(64);
        assertThat(refresh("--price-list-region", "eu-west-1")).isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(
                "unknown option '--regoin'", "--region needs a value", "--region 'US East' is not a region code",
                "--price-list-region must be one of us-east-1, eu-central-1, ap-south-1");
        assertThat(aws.getAllServeEvents()).isEmpty();
    }
}
