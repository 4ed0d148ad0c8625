package io.costwarden.ingest.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.cloudtrail.CloudTrailParserTest;
import io.costwarden.model.CostLineItem;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BillingExportTest {
    private final BillingExport export = new BillingExport(InputLimits.DEFAULT);

    static String sample(String name) {
        try (InputStream in = BillingExportTest.class.getResourceAsStream("/samples/billing/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void readsTheFocusSampleIntoOneItemPerResourceAndHour() {
        BillingExport.Result r = export.read(sample("focus_sample.csv").getBytes(StandardCharsets.UTF_8));
        assertThat(r.schema()).isEqualTo("focus");
        assertThat(r.rows()).isEqualTo(1000);
        assertThat(r.errors()).isEmpty();
        assertThat(r.skipped()).containsEntry("other-provider:Microsoft", 51).containsEntry("other-provider:Oracle", 7)
                .containsEntry("no-resource", 75);
        assertThat(r.items()).hasSize(867);
        // Nothing lost or double-counted: the AWS lines with a resource, summed by hand from the CSV.
        assertThat(r.items().stream().mapToDouble(CostLineItem::billedCost).sum()).isCloseTo(20.577654408, within(1e-6));
        assertThat(r.items().stream().mapToDouble(CostLineItem::effectiveCost).sum()).isCloseTo(16.0, within(1e-6));
        CostLineItem instance = r.items().stream().filter(i -> i.resourceId().endsWith("i-0ae9l98e3f12fa3el")).findFirst().orElseThrow();
        assertThat(instance.resourceId()).isEqualTo("arn:aws:ec2:us-east-1:11353890204:instance/i-0ae9l98e3f12fa3el");
        assertThat(instance.hourStart()).isEqualTo(Instant.parse("2024-09-27T06:00:00Z"));
        assertThat(instance.billingPeriod()).isEqualTo("2024-09");
        assertThat(instance.tags()).containsEntry("environment", "dev");
        assertThat(instance.pricingCategory()).isEqualTo("on-demand");
    }

    @Test
    void gzippedExportsReadTheSameAndIdsAreStableAcrossRestatements() {
        BillingExport.Result plain = export.read(sample("focus_sample.csv").getBytes(StandardCharsets.UTF_8));
        BillingExport.Result zipped = export.read(CloudTrailParserTest.gzip(sample("focus_sample.csv")));
        assertThat(zipped.items()).extracting(CostLineItem::id).containsExactlyElementsOf(
                plain.items().stream().map(CostLineItem::id).toList());
        String restated = sample("focus_sample.csv").replace("0.00015833330", "0.00031666660");
        assertThat(export.read(restated.getBytes(StandardCharsets.UTF_8)).items()).extracting(CostLineItem::id)
                .as("a restated amount keeps its id, so it replaces rather than adds")
                .containsExactlyElementsOf(plain.items().stream().map(CostLineItem::id).toList());
    }

    @Test
    void aLegacyCurWithoutResourceIdsYieldsNoItemsAndSaysWhy() {
        BillingExport.Result r = export.read(sample("sample-anonymous-aws-export-dataset.csv").getBytes(StandardCharsets.UTF_8));
        assertThat(r.schema()).isEqualTo("cur1");
        assertThat(r.errors()).isEmpty();
        assertThat(r.items()).isEmpty();
        assertThat(r.skipped()).containsEntry("no-resource", r.rows());
    }

    @Test
    void readsCur2WithSpotSavingsPlansAndTags() {
        // Synthetic, with CUR 2.0 (Data Exports) column names.
        String csv = """
                bill_billing_period_start_date,line_item_usage_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_product_code,line_item_usage_type,line_item_resource_id,line_item_unblended_cost,line_item_currency_code,product_instance_type,product_region_code,pricing_term,savings_plan_savings_plan_effective_cost,reservation_effective_cost,resource_tags
                2026-11-01T00:00:00Z,123456789012,Usage,2026-11-20T09:00:00Z,AmazonEC2,USE1-SpotUsage:g5.xlarge,i-0a,0.40,USD,g5.xlarge,us-east-1,,,,"{""user_team"":""vision""}"
                2026-11-01T00:00:00Z,123456789012,SavingsPlanCoveredUsage,2026-11-20T09:00:00Z,AmazonEC2,USE1-BoxUsage:p4d.24xlarge,i-0b,32.77,USD,p4d.24xlarge,us-east-1,OnDemand,21.50,,
                2026-11-01T00:00:00Z,123456789012,Usage,2026-11-20T09:30:00Z,AmazonEC2,USE1-EBS:VolumeUsage.gp3,i-0b,0.10,USD,,us-east-1,OnDemand,,,
                2026-11-01T00:00:00Z,123456789012,Tax,2026-11-01T00:00:00Z,AmazonEC2,,,5.00,USD,,,,,,
                2026-11-01T00:00:00Z,123456789012,Usage,2026-11-20T10:00:00Z,AmazonEC2,USE1-BoxUsage:m5.large,i-0c,lots,USD,m5.large,us-east-1,OnDemand,,,
                """;
        BillingExport.Result r = export.read(csv.getBytes(StandardCharsets.UTF_8));
        assertThat(r.schema()).isEqualTo("cur2");
        assertThat(r.skipped()).containsEntry("no-resource", 1);
        assertThat(r.errors()).singleElement().satisfies(e ->
                assertThat(e.describe()).isEqualTo("row 6.line_item_unblended_cost: not a number: 'lots'"));
        assertThat(r.items()).hasSize(2);
        CostLineItem spot = r.items().get(0);
        assertThat(spot.pricingCategory()).isEqualTo("spot");
        assertThat(spot.tags()).containsEntry("team", "vision");
        CostLineItem p4d = r.items().get(1);
        assertThat(p4d.billedCost()).isCloseTo(32.87, within(1e-9));
        assertThat(p4d.effectiveCost()).isCloseTo(21.60, within(1e-9));
        assertThat(p4d.instanceType()).isEqualTo("p4d.24xlarge");
        assertThat(p4d.pricingCategory()).isEqualTo("commitment");
        assertThat(p4d.usageTypes()).containsExactly("USE1-BoxUsage:p4d.24xlarge", "USE1-EBS:VolumeUsage.gp3");
    }

    /** Parquet made in the test by DuckDB from the CSV sample, with the column types DuckDB infers (DOUBLE, TIMESTAMP). */
    static byte[] parquet(String sql) throws Exception {
        java.nio.file.Path out = java.nio.file.Files.createTempFile("billing-test-", ".parquet");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                java.sql.Statement s = c.createStatement()) {
            s.execute("COPY (" + sql + ") TO '" + out + "' (FORMAT PARQUET)");
            return java.nio.file.Files.readAllBytes(out);
        } finally {
            java.nio.file.Files.deleteIfExists(out);
        }
    }

    @Test
    void readsParquetExactlyAsTheSameCsv() throws Exception {
        java.nio.file.Path csv = java.nio.file.Files.createTempFile("focus-", ".csv");
        java.nio.file.Files.writeString(csv, sample("focus_sample.csv"));
        byte[] parquet = parquet("SELECT * FROM read_csv('" + csv + "', nullstr='NULL')");
        java.nio.file.Files.delete(csv);

        BillingExport.Result fromCsv = export.read(sample("focus_sample.csv").getBytes(StandardCharsets.UTF_8));
        BillingExport.Result fromParquet = export.read(parquet);
        assertThat(fromParquet.errors()).isEmpty();
        assertThat(fromParquet.schema()).isEqualTo("focus");
        assertThat(fromParquet.items()).extracting(CostLineItem::id)
                .containsExactlyInAnyOrderElementsOf(fromCsv.items().stream().map(CostLineItem::id).toList());
        assertThat(fromParquet.items().stream().mapToDouble(CostLineItem::billedCost).sum()).isCloseTo(20.577654408, within(1e-6));
    }

    @Test
    void readsCur2ParquetWithTagsAsAMap() throws Exception {
        // Synthetic: CUR 2.0 columns with their Parquet types, resource_tags a MAP as Data Exports write it.
        byte[] parquet = parquet("SELECT TIMESTAMP '2026-11-01 00:00:00' AS bill_billing_period_start_date, "
                + "'123456789012' AS line_item_usage_account_id, 'Usage' AS line_item_line_item_type, "
                + "TIMESTAMP '2026-11-20 09:00:00' AS line_item_usage_start_date, 'AmazonEC2' AS line_item_product_code, "
                + "'USE1-BoxUsage:g5.xlarge' AS line_item_usage_type, 'i-0a' AS line_item_resource_id, "
                + "1.006::DOUBLE AS line_item_unblended_cost, 'USD' AS line_item_currency_code, 'g5.xlarge' AS product_instance_type, "
                + "'us-east-1' AS product_region_code, 'OnDemand' AS pricing_term, "
                + "MAP {'user_team': 'vision'} AS resource_tags");
        BillingExport.Result r = export.read(parquet);
        assertThat(r.errors()).isEmpty();
        assertThat(r.schema()).isEqualTo("cur2");
        assertThat(r.items()).singleElement().satisfies(i -> {
            assertThat(i.resourceId()).isEqualTo("arn:aws:ec2:us-east-1:123456789012:instance/i-0a");
            assertThat(i.billedCost()).isEqualTo(1.006);
            assertThat(i.tags()).containsEntry("team", "vision");
            assertThat(i.billingPeriod()).isEqualTo("2026-11");
        });
    }

    @Test
    void aTruncatedParquetFileIsAnError() throws Exception {
        byte[] parquet = parquet("SELECT 1 AS BilledCost, TIMESTAMP '2026-11-20 09:00:00' AS ChargePeriodStart");
        byte[] cut = java.util.Arrays.copyOf(parquet, parquet.length / 2);
        assertThat(export.read(cut).errors()).singleElement()
                .satisfies(e -> assertThat(e.message()).startsWith("not a readable Parquet file"));
    }

    static final String CUR2_HEADER = "bill_billing_period_start_date,line_item_usage_account_id,line_item_line_item_type,"
            + "line_item_usage_start_date,line_item_usage_type,line_item_resource_id,line_item_unblended_cost,"
            + "savings_plan_savings_plan_effective_cost,product_region_code,pricing_term\n";

    @Test
    void theSavingsPlanNegationDoesNotTakeTheCoveredCostAwayAgain() {
        // Synthetic: AWS writes covered usage at on-demand, its effective cost, and a negation of the on-demand.
        String csv = CUR2_HEADER
                + "2026-11-01T00:00:00Z,123456789012,SavingsPlanCoveredUsage,2026-11-20T09:00:00Z,BoxUsage:p4d.24xlarge,i-0b,32.77,21.50,us-east-1,OnDemand\n"
                + "2026-11-01T00:00:00Z,123456789012,SavingsPlanNegation,2026-11-20T09:00:00Z,BoxUsage:p4d.24xlarge,i-0b,-32.77,,us-east-1,\n";
        CostLineItem item = export.read(csv.getBytes(StandardCharsets.UTF_8)).items().get(0);
        assertThat(item.billedCost()).isCloseTo(0, within(1e-9));
        assertThat(item.effectiveCost()).isCloseTo(21.50, within(1e-9));
    }

    @Test
    void partFilesOfOneRunAddUpInsteadOfReplacingEachOther() {
        String usage = CUR2_HEADER + "2026-11-01T00:00:00Z,123456789012,Usage,2026-11-20T09:00:00Z,BoxUsage:g5.xlarge,i-0a,1.006,,us-east-1,OnDemand\n";
        String transfer = CUR2_HEADER + "2026-11-01T00:00:00Z,123456789012,Usage,2026-11-20T09:10:00Z,DataTransfer-Out-Bytes,i-0a,0.09,,us-east-1,OnDemand\n";
        BillingExport.Accumulator run = export.accumulator();
        assertThat(run.add(usage.getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(run.add(transfer.getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(run.result().items()).singleElement().satisfies(i -> assertThat(i.billedCost()).isCloseTo(1.096, within(1e-9)));
        assertThat(run.add("garbage".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(run.anyFileFailed()).isTrue();
    }

    @Test
    void numbersThatAreNotPlainDecimalsAreRefused() {
        for (String odd : new String[] {"NaN", "Infinity", "1e400", "0x1p3", "5d"}) {
            String csv = CUR2_HEADER + "2026-11-01T00:00:00Z,123456789012,Usage,2026-11-20T09:00:00Z,BoxUsage,i-0a," + odd + ",,us-east-1,OnDemand\n";
            assertThat(export.read(csv.getBytes(StandardCharsets.UTF_8)).errors()).as(odd).singleElement()
                    .satisfies(e -> assertThat(e.location()).isEqualTo("row 2.line_item_unblended_cost"));
        }
    }

    @Test
    void aFileThatIsNoBillingExportSaysSo() {
        assertThat(export.read("a,b,c\n1,2,3\n".getBytes(StandardCharsets.UTF_8)).errors()).singleElement()
                .satisfies(e -> assertThat(e.message()).startsWith("neither FOCUS"));
        assertThat(export.read(new byte[0]).errors()).singleElement()
                .satisfies(e -> assertThat(e.message()).startsWith("empty file"));
    }
}
