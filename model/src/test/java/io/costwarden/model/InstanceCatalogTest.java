package io.costwarden.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.costwarden.model.InstanceCatalog.Accelerators;
import io.costwarden.model.InstanceCatalog.HourlyPrice;
import io.costwarden.model.InstanceCatalog.InstanceSpec;
import io.costwarden.model.InstanceCatalog.MalformedCatalogException;
import io.costwarden.model.InstanceCatalog.Row;
import java.io.StringReader;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceCatalogTest {
    private static final InstanceCatalog BUNDLED = InstanceCatalog.bundled();
    private static final LocalDate KARPENTER_DAY = LocalDate.parse("2026-07-20");

    @TempDir
    Path dir;

    private static InstanceCatalog parse(String... lines) {
        return InstanceCatalog.parse(new StringReader(String.join("\n", lines) + "\n"), "test.csv");
    }

    @Test
    void everyCurrentGpuFamilyIsThereWithItsAccelerators() {
        // One size per family the issue lists, with the count and model AWS reports for it.
        Map<String, Accelerators> expected = Map.ofEntries(
                Map.entry("p3.16xlarge", new Accelerators(8, "NVIDIA V100")),
                Map.entry("p4d.24xlarge", new Accelerators(8, "NVIDIA A100")),
                Map.entry("p4de.24xlarge", new Accelerators(8, "NVIDIA A100")),
                Map.entry("p5.48xlarge", new Accelerators(8, "NVIDIA H100")),
                Map.entry("p5e.48xlarge", new Accelerators(8, "NVIDIA H200")),
                Map.entry("g4dn.12xlarge", new Accelerators(4, "NVIDIA T4")),
                Map.entry("g5.48xlarge", new Accelerators(8, "NVIDIA A10G")),
                Map.entry("g6.xlarge", new Accelerators(1, "NVIDIA L4")),
                Map.entry("g6e.48xlarge", new Accelerators(8, "NVIDIA L40S")),
                Map.entry("g5g.16xlarge", new Accelerators(2, "NVIDIA T4G")),
                Map.entry("inf2.48xlarge", new Accelerators(12, "AWS Inferentia2")),
                Map.entry("trn1.32xlarge", new Accelerators(16, "AWS Trainium")));
        expected.forEach((type, acc) -> {
            assertThat(BUNDLED.accelerators(type)).as(type).contains(acc);
            assertThat(BUNDLED.gpuCount(type)).as(type).isEqualTo(acc.count());
            assertThat(BUNDLED.spec(type)).as(type).hasValueSatisfying(s -> {
                assertThat(s.gpuCount()).isEqualTo(acc.count());
                assertThat(s.gpuModel()).isEqualTo(acc.model());
                assertThat(s.vcpus()).isPositive();
                assertThat(s.memoryGib()).isPositive();
            });
        });
        for (String family : List.of("p3", "p4d", "p4de", "p5", "p5e", "g4dn", "g5", "g6", "g6e", "g5g", "inf2", "trn1")) {
            assertThat(BUNDLED.rows()).as(family)
                    .filteredOn(r -> r.instanceType().startsWith(family + "."))
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(r.gpuCount().orElse(0)).as(r.instanceType()).isPositive());
        }
    }

    @Test
    void hardwareMatchesTheRecordedDescribeInstanceTypesResponses() {
        // aws/amazon-ec2-instance-selector test/static/DescribeInstanceTypes/t3_micro_and_p3_16xl.json
        assertThat(BUNDLED.spec("p3.16xlarge")).contains(new InstanceSpec("p3.16xlarge", 64, 488.0, 8, "NVIDIA V100"));
        assertThat(BUNDLED.spec("t3.micro")).contains(new InstanceSpec("t3.micro", 2, 1.0, 0, ""));
        assertThat(BUNDLED.accelerators("t3.micro")).isEmpty();
    }

    @Test
    void onDemandPricesAreKarpentersUsEast1PricesWithTheirSourceAndDay() {
        assertThat(BUNDLED.hourlyPrice("m5.large", "us-east-1", PurchaseOption.ON_DEMAND)).hasValueSatisfying(p -> {
            assertThat(p.usdPerHour()).isEqualByComparingTo("0.096");
            assertThat(p.asOf()).isEqualTo(KARPENTER_DAY);
            assertThat(p.source()).contains("karpenter-provider-aws@1d927085");
        });
        assertThat(BUNDLED.hourlyPrice("p5.48xlarge", "us-east-1", PurchaseOption.ON_DEMAND).map(HourlyPrice::usdPerHour))
                .hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo("55.04"));
        for (String type : List.of("t3.micro", "m5.xlarge", "c5.large", "r5.large", "g4dn.xlarge", "inf2.xlarge", "trn1.2xlarge")) {
            assertThat(BUNDLED.hourlyPrice(type, "us-east-1", PurchaseOption.ON_DEMAND)).as(type).isPresent();
        }
    }

    @Test
    void aLaunchThatDoesNotSayHowItIsPaidForIsPricedOnDemand() {
        assertThat(BUNDLED.hourlyPrice("g5.xlarge", "us-east-1", PurchaseOption.UNKNOWN))
                .isEqualTo(BUNDLED.hourlyPrice("g5.xlarge", "us-east-1", PurchaseOption.ON_DEMAND))
                .isPresent();
    }

    @Test
    void spotWithoutASpotPriceIsUnknownRatherThanTheOnDemandPrice() {
        assertThat(BUNDLED.hourlyPrice("m5.large", "us-east-1", PurchaseOption.SPOT)).isEmpty();
        InstanceCatalog withSpot = parse(InstanceCatalog.HEADER,
                "m5.large,us-east-1,2,8,0,,0.096,0.0423,2026-11-27,test");
        assertThat(withSpot.hourlyPrice("m5.large", "us-east-1", PurchaseOption.SPOT).map(HourlyPrice::usdPerHour))
                .contains(new BigDecimal("0.0423"));
    }

    @Test
    void sageMakerNamesTakeTheirEc2HardwareButNeverTheEc2Price() {
        assertThat(BUNDLED.gpuCount("ml.p4d.24xlarge")).isEqualTo(8);
        assertThat(BUNDLED.spec("ml.g5.xlarge")).contains(new InstanceSpec("ml.g5.xlarge", 4, 16.0, 1, "NVIDIA A10G"));
        assertThat(BUNDLED.accelerators("ml.trn1.32xlarge")).contains(new Accelerators(16, "AWS Trainium"));
        assertThat(BUNDLED.spec("ml.t3.medium")).contains(new InstanceSpec("ml.t3.medium", 2, 4.0, 0, ""));
        assertThat(BUNDLED.hourlyPrice("ml.g5.xlarge", "us-east-1", PurchaseOption.ON_DEMAND)).isEmpty();
        assertThat(BUNDLED.hourlyPrice("ml.g5.xlarge", "us-east-1", PurchaseOption.UNKNOWN)).isEmpty();
        for (String ml : List.of("ml.p3.2xlarge", "ml.p4d.24xlarge", "ml.p4de.24xlarge", "ml.p5.48xlarge", "ml.g4dn.xlarge",
                "ml.g5.xlarge", "ml.g6.xlarge", "ml.g6e.xlarge", "ml.inf2.xlarge", "ml.trn1.2xlarge", "ml.t3.medium")) {
            assertThat(BUNDLED.rows()).as(ml).anyMatch(r -> r.instanceType().equals(ml));
        }

        // A name the file lacks still resolves through its EC2 type; its price does not.
        InstanceCatalog small = parse(InstanceCatalog.HEADER, "g5.xlarge,us-east-1,4,16,1,NVIDIA A10G,1.006,,2026-07-20,test",
                "ml.g5.xlarge,us-east-1,,,,,1.408,,2026-07-20,made-up-for-this-test");
        assertThat(small.spec("ml.g5.xlarge")).contains(new InstanceSpec("ml.g5.xlarge", 4, 16.0, 1, "NVIDIA A10G"));
        assertThat(small.gpuCount("ml.g5.2xlarge")).isZero();
        assertThat(small.hourlyPrice("ml.g5.xlarge", "us-east-1", PurchaseOption.ON_DEMAND).map(HourlyPrice::usdPerHour))
                .contains(new BigDecimal("1.408"));
    }

    @Test
    void anUnknownTypeOrRegionIsEmptyNeverZero() {
        assertThat(BUNDLED.spec("x9z.mega")).isEmpty();
        assertThat(BUNDLED.accelerators("x9z.mega")).isEmpty();
        assertThat(BUNDLED.gpuCount("x9z.mega")).isZero();
        assertThat(BUNDLED.hourlyPrice("x9z.mega", "us-east-1", PurchaseOption.ON_DEMAND)).isEmpty();
        assertThat(BUNDLED.hourlyPrice("m5.large", "eu-west-1", PurchaseOption.ON_DEMAND)).isEmpty();
        // Priced, but DescribeInstanceTypes data for it was not found: price yes, hardware unknown.
        assertThat(BUNDLED.hourlyPrice("c6i.large", "us-east-1", PurchaseOption.ON_DEMAND)).isPresent();
        assertThat(BUNDLED.spec("c6i.large")).isEmpty();
    }

    @Test
    void theGpuCountsTheIngestParserReliedOnAreKept() {
        // From the accelerator table this catalog replaces; CloudTrail samples launch p2.xlarge.
        assertThat(BUNDLED.gpuCount("p2.xlarge")).isEqualTo(1);
        assertThat(BUNDLED.gpuCount("p2.16xlarge")).isEqualTo(16);
        assertThat(BUNDLED.gpuCount("p5.4xlarge")).isEqualTo(1);
        assertThat(BUNDLED.gpuCount("g4dn.metal")).isEqualTo(8);
        assertThat(BUNDLED.gpuCount("trn1n.32xlarge")).isEqualTo(16);
        assertThat(BUNDLED.gpuCount("m5.large")).isZero();
    }

    @Test
    void malformedRowsFailNamingFileAndLine() {
        assertThatThrownBy(() -> parse("# comment", InstanceCatalog.HEADER, "m5.large,us-east-1,two,8,0,,0.096,,2026-07-20,x"))
                .isInstanceOf(MalformedCatalogException.class)
                .hasMessage("test.csv:3: vcpus 'two' is not a whole number");
        assertThatThrownBy(() -> parse(InstanceCatalog.HEADER, "m5.large,us-east-1,2,8,0,,0.096,,2026-07-20"))
                .hasMessage("test.csv:2: expected 10 columns, found 9");
        assertThatThrownBy(() -> parse(InstanceCatalog.HEADER, "m5.large,us-east-1,2,8,0,,0,,2026-07-20,x"))
                .hasMessageStartingWith("test.csv:2: on_demand_usd_per_hour must be positive, not 0");
        assertThatThrownBy(() -> parse(InstanceCatalog.HEADER, "m5.large,us-east-1,2,8,0,,0.096,,,x"))
                .hasMessage("test.csv:2: a price needs its price_date and source");
        assertThatThrownBy(() -> parse(InstanceCatalog.HEADER, "m5.large,,2,8,0,,0.096,,2026-07-20,x"))
                .hasMessageStartingWith("test.csv:2: a row without a region carries hardware only");
        assertThatThrownBy(() -> parse(InstanceCatalog.HEADER, "m5.large,us-east-1,2,8,0,,0.096,,20.07.2026,x"))
                .hasMessage("test.csv:2: price_date '20.07.2026' is not a date like 2026-07-20");
        assertThatThrownBy(() -> parse(InstanceCatalog.HEADER, "m5.large,us-east-1,2,8,0,,0.096,,2026-07-20,x",
                "m5.large,us-east-1,2,8,0,,0.097,,2026-07-21,y"))
                .hasMessage("test.csv:3: m5.large in us-east-1 is already on line 2");
        assertThatThrownBy(() -> parse(InstanceCatalog.HEADER, "g5.xlarge,us-east-1,4,16,1,NVIDIA A10G,1.006,,2026-07-20,x",
                "g5.xlarge,eu-west-1,4,16,2,NVIDIA A10G,1.1,,2026-07-20,x"))
                .hasMessageStartingWith("test.csv:3: gpu_count 2 contradicts 1");
        assertThatThrownBy(() -> parse("instance_type,region,price", "m5.large,us-east-1,0.096"))
                .hasMessageStartingWith("test.csv:1: expected the header line");
        assertThatThrownBy(() -> parse("# only comments"))
                .hasMessageStartingWith("test.csv:1: no header line");
    }

    @Test
    void aRefreshedFileLoadsAndOverridesTheBundledRowsItCovers() throws Exception {
        Row euWest = new Row("m5.large", Optional.of("eu-west-1"), OptionalInt.of(2), Optional.of(new BigDecimal("8")),
                OptionalInt.of(0), Optional.empty(), Optional.of(new BigDecimal("0.107")), Optional.of(new BigDecimal("0.0391")),
                Optional.of(LocalDate.parse("2026-11-27")), Optional.of("AWS Pricing API GetProducts"));
        Row usEast = new Row("m5.large", Optional.of("us-east-1"), OptionalInt.of(2), Optional.of(new BigDecimal("8")),
                OptionalInt.of(0), Optional.empty(), Optional.of(new BigDecimal("0.0961")), Optional.empty(),
                Optional.of(LocalDate.parse("2026-11-27")), Optional.of("AWS Pricing API GetProducts"));
        Path file = dir.resolve("refreshed.csv");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            InstanceCatalog.write(List.of(usEast, euWest), List.of("refreshed for a test", "two regions"), w);
        }
        InstanceCatalog refreshed = InstanceCatalog.load(file);
        assertThat(refreshed.rows()).containsExactly(usEast, euWest);
        assertThat(Files.readAllLines(file).get(0)).isEqualTo("# refreshed for a test");

        InstanceCatalog merged = BUNDLED.withOverrides(refreshed);
        assertThat(merged.hourlyPrice("m5.large", "us-east-1", PurchaseOption.ON_DEMAND).map(HourlyPrice::usdPerHour))
                .contains(new BigDecimal("0.0961"));
        assertThat(merged.hourlyPrice("m5.large", "eu-west-1", PurchaseOption.SPOT).map(HourlyPrice::usdPerHour))
                .contains(new BigDecimal("0.0391"));
        assertThat(merged.hourlyPrice("c5.large", "us-east-1", PurchaseOption.ON_DEMAND)).isEqualTo(
                BUNDLED.hourlyPrice("c5.large", "us-east-1", PurchaseOption.ON_DEMAND));
        assertThat(merged.gpuCount("g5.48xlarge")).isEqualTo(8);
    }

    @Test
    void aMissingFileIsAnIoErrorNamingIt() {
        assertThatThrownBy(() -> InstanceCatalog.load(dir.resolve("nope.csv")))
                .hasMessageContaining("nope.csv");
    }

    @Test
    void rowsRefuseTextThatWouldBreakTheCsv() {
        assertThatThrownBy(() -> Row.hardware("g5.xlarge", OptionalInt.of(4), Optional.empty(), OptionalInt.of(1),
                Optional.of("NVIDIA A10G, 24 GB"))).hasMessageContaining("gpu_model");
        assertThatThrownBy(() -> Row.hardware("G5 XLarge", OptionalInt.empty(), Optional.empty(), OptionalInt.empty(),
                Optional.empty())).hasMessageContaining("is not an instance type name");
    }
}
