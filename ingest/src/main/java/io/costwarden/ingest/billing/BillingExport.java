package io.costwarden.ingest.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.costwarden.ingest.InputDecoder;
import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.RecordError;
import io.costwarden.model.CostLineItem;
import io.costwarden.model.Ids;
import io.costwarden.model.ResourceKind;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A billing export in CSV (gzipped or not) or Parquet to one {@link CostLineItem} per resource and hour. Reads
 * FOCUS 1.x, CUR 2.0 (Data Exports, snake_case columns) and the legacy CUR (camelCase columns such as
 * {@code lineItem/UnblendedCost}, normalised to the CUR 2.0 names). Lines without a resource (taxes,
 * support, fees) and other clouds' lines in a FOCUS file are skipped and counted; a broken line is
 * reported with its row and column, and the rest of the file is still read.
 */
public final class BillingExport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.regex.Pattern DECIMAL = java.util.regex.Pattern.compile("[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?");

    /** What one file yielded. */
    public record Result(String schema, int rows, List<CostLineItem> items, Map<String, Integer> skipped,
            List<RecordError> errors) {
    }

    private final InputLimits limits;

    public BillingExport(InputLimits limits) {
        this.limits = limits;
    }

    /** One file on its own. */
    public Result read(byte[] input) {
        Accumulator acc = accumulator();
        acc.add(input);
        return acc.result();
    }

    /**
     * Several files of one export run, summed together: one resource-hour can be split over part files
     * (usage in one, data transfer in another), and an item must carry the whole of it, since its id does
     * not depend on the amounts and a later item with the same id replaces an earlier one.
     */
    public Accumulator accumulator() {
        return new Accumulator();
    }

    public final class Accumulator {
        private final Map<String, Integer> skipped = new TreeMap<>();
        private final List<RecordError> errors = new ArrayList<>();
        private final Map<String, Acc> byResourceHour = new LinkedHashMap<>();
        private String schema = "";
        private int rows;
        private boolean fileFailed;

        private Accumulator() {
        }

        /** Adds one file; false when the file as a whole could not be read (its error is in the result). */
        public boolean add(byte[] input) {
            Result r = readInto(input, this);
            if (r != null) {
                errors.addAll(r.errors());
                fileFailed = true;
                return false;
            }
            return true;
        }

        /** True when some file could not be read at all: an export run is then incomplete. */
        public boolean anyFileFailed() {
            return fileFailed;
        }

        public Result result() {
            String s = schema;
            return new Result(s, rows, byResourceHour.values().stream().map(a -> a.item(s)).toList(), skipped, errors);
        }
    }

    /** Reads one file into the accumulator; returns a Result only when the whole file is unreadable. */
    private Result readInto(byte[] input, Accumulator acc) {
        byte[] plain;
        try {
            plain = InputDecoder.decode(input, limits);
        } catch (InputDecoder.UnreadableInput e) {
            return new Result("", 0, List.of(), Map.of(), List.of(new RecordError("", e.getMessage(), "")));
        }
        if (ParquetRows.isParquet(plain)) {
            try (ParquetRows parquet = new ParquetRows(plain)) {
                return aggregate(parquet.header(), parquet::next, acc);
            } catch (IOException | SQLException e) {
                return new Result("", 0, List.of(), Map.of(), List.of(new RecordError("", "not a readable Parquet file: "
                        + e.getMessage(), "")));
            }
        }
        CsvMapper csv = new CsvMapper();
        csv.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        try (MappingIterator<String[]> it = csv.readerFor(String[].class).readValues(plain)) {
            if (!it.hasNextValue()) {
                return new Result("", 0, List.of(), Map.of(), List.of(new RecordError("", "empty file: expected a CSV header", "")));
            }
            List<String> header = List.of(it.nextValue());
            return aggregate(header, () -> it.hasNextValue() ? it.nextValue() : null, acc);
        } catch (IOException | RuntimeException e) {
            return new Result("", 0, List.of(), Map.of(), List.of(new RecordError("", "not CSV: " + e.getMessage(), "")));
        }
    }

    /** Rows one at a time, null after the last; CSV and Parquet both read through this. */
    private interface Rows {
        String[] next() throws Exception;
    }

    /** Adds the rows to the accumulator; returns a Result only when the header shows no billing export. */
    private Result aggregate(List<String> header, Rows source, Accumulator acc) {
        Map<String, Integer> columns = columns(header);
        String schema = schema(columns);
        if (schema.isEmpty()) {
            return new Result("", 0, List.of(), Map.of(), List.of(new RecordError("header",
                    "neither FOCUS (BilledCost, ChargePeriodStart) nor CUR (line_item_unblended_cost, "
                            + "line_item_usage_start_date) columns", String.join(",", header))));
        }
        acc.schema = acc.schema.isEmpty() || acc.schema.equals(schema) ? schema : "mixed";
        int rows = 0;
        try {
            String[] row;
            while ((row = source.next()) != null) {
                rows++;
                try {
                    Line line = schema.equals("focus") ? focus(row, columns) : cur(row, columns, header);
                    if (line.skip() != null) {
                        acc.skipped.merge(line.skip(), 1, Integer::sum);
                        continue;
                    }
                    Instant hour = line.start().truncatedTo(ChronoUnit.HOURS);
                    acc.byResourceHour.computeIfAbsent(line.resourceId() + "|" + hour, k -> new Acc(line, hour)).add(line);
                } catch (InvalidLine e) {
                    // Row numbers count the header as row 1, as a spreadsheet shows them.
                    acc.errors.add(new RecordError("row " + (rows + 1) + "." + e.column, e.getMessage(), String.join(",", row)));
                }
            }
        } catch (Exception e) {
            // A syntax error ends the file there; what was read before it is kept.
            acc.errors.add(new RecordError("row " + (rows + 2), "unreadable: " + e.getMessage(), ""));
        }
        acc.rows += rows;
        return null;
    }

    /** Column name to index; legacy CUR names ({@code lineItem/UsageStartDate}) as CUR 2.0 ones. */
    static Map<String, Integer> columns(List<String> header) {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            String h = header.get(i).trim();
            m.put(h, i);
            if (h.contains("/") && !h.startsWith("resourceTags/")) {
                m.put(snake(h), i);
            }
        }
        return m;
    }

    /** {@code lineItem/UsageStartDate} to {@code line_item_usage_start_date}. */
    static String snake(String legacy) {
        StringBuilder out = new StringBuilder();
        for (String part : legacy.split("/")) {
            if (out.length() > 0) {
                out.append('_');
            }
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                if (Character.isUpperCase(c)) {
                    if (i > 0) {
                        out.append('_');
                    }
                    out.append(Character.toLowerCase(c));
                } else {
                    out.append(c);
                }
            }
        }
        return out.toString();
    }

    private static String schema(Map<String, Integer> c) {
        if (c.containsKey("BilledCost") && c.containsKey("ChargePeriodStart")) {
            return "focus";
        }
        if (c.containsKey("line_item_unblended_cost") && c.containsKey("line_item_usage_start_date")) {
            return c.containsKey("lineItem/UnblendedCost") ? "cur1" : "cur2";
        }
        return "";
    }

    private record Line(String skip, String resourceId, String account, String region, String period, Instant start,
            double billed, double effective, String currency, String usageType, String instanceType, String pricing,
            String service, Map<String, String> tags) {
        static Line skipped(String why) {
            return new Line(why, null, null, null, null, null, 0, 0, null, null, null, null, null, null);
        }
    }

    private static Line focus(String[] row, Map<String, Integer> c) throws InvalidLine {
        String provider = get(row, c, "ProviderName");
        if (!provider.isEmpty() && !provider.equalsIgnoreCase("AWS")) {
            return Line.skipped("other-provider:" + provider);
        }
        String account = get(row, c, "SubAccountId");
        String region = get(row, c, "RegionId");
        String resource = resourceArn(get(row, c, "ResourceId"), region, account);
        if (resource.isEmpty()) {
            return Line.skipped("no-resource");
        }
        String pricing = switch (get(row, c, "PricingCategory")) {
            case "Standard" -> "on-demand";
            case "Dynamic" -> "spot";
            case "Committed" -> "commitment";
            default -> "other";
        };
        return new Line(null, resource, account, region, period(row, c, "BillingPeriodStart"), time(row, c, "ChargePeriodStart"),
                number(row, c, "BilledCost"), number(row, c, "EffectiveCost"), get(row, c, "BillingCurrency"),
                cut(get(row, c, "ChargeDescription")), "", pricing, get(row, c, "ServiceName"), jsonTags(get(row, c, "Tags")));
    }

    private static Line cur(String[] row, Map<String, Integer> c, List<String> header) throws InvalidLine {
        String account = get(row, c, "line_item_usage_account_id");
        String region = get(row, c, "product_region_code");
        if (region.isEmpty()) {
            region = get(row, c, "product_region");
        }
        String resource = resourceArn(get(row, c, "line_item_resource_id"), region, account);
        if (resource.isEmpty()) {
            return Line.skipped("no-resource");
        }
        String lineType = get(row, c, "line_item_line_item_type");
        String usageType = get(row, c, "line_item_usage_type");
        double billed = number(row, c, "line_item_unblended_cost");
        // AWS's amortised cost: covered usage at its commitment rate; the negation and upfront lines that
        // offset it cost nothing more; unused commitment shows on the fee lines.
        double effective = switch (lineType) {
            case "SavingsPlanCoveredUsage" -> number(row, c, "savings_plan_savings_plan_effective_cost");
            case "SavingsPlanNegation", "SavingsPlanUpfrontFee" -> 0;
            case "SavingsPlanRecurringFee" -> number(row, c, "savings_plan_total_commitment_to_date")
                    - number(row, c, "savings_plan_used_commitment");
            case "DiscountedUsage" -> number(row, c, "reservation_effective_cost");
            case "RIFee" -> number(row, c, "reservation_unused_amortized_upfront_fee_for_billing_period")
                    + number(row, c, "reservation_unused_recurring_fee");
            case "Fee" -> usageType.contains("Upfront") ? 0 : billed;
            default -> billed;
        };
        String term = get(row, c, "pricing_term");
        String pricing = usageType.contains("SpotUsage") || term.equalsIgnoreCase("Spot") ? "spot"
                : lineType.equals("SavingsPlanCoveredUsage") || lineType.equals("DiscountedUsage") ? "commitment"
                : term.equalsIgnoreCase("OnDemand") ? "on-demand" : "other";
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < header.size() && i < row.length; i++) {
            // Legacy CUR: one column per tag, resourceTags/user:team.
            if (header.get(i).startsWith("resourceTags/user:") && !row[i].isEmpty()) {
                tags.put(header.get(i).substring("resourceTags/user:".length()), row[i]);
            }
        }
        // CUR 2.0: one resource_tags column holding a JSON map with keys like user_team.
        jsonTags(get(row, c, "resource_tags")).forEach((k, v) -> tags.put(k.startsWith("user_") ? k.substring(5) : k, v));
        return new Line(null, resource, account, region, period(row, c, "bill_billing_period_start_date"),
                time(row, c, "line_item_usage_start_date"), billed, effective, get(row, c, "line_item_currency_code"),
                usageType, get(row, c, "product_instance_type"), pricing, get(row, c, "line_item_product_code"), tags);
    }

    /** Instance ids become canonical EC2 ARNs so costs meet the inventory's keys; ARNs stay as they are. */
    static String resourceArn(String id, String region, String account) {
        if (id.isEmpty() || id.equals("NULL")) {
            return "";
        }
        if (id.startsWith("i-") && !region.isEmpty() && !account.isEmpty()) {
            return ResourceKind.EC2_INSTANCE.arn(region, account, id);
        }
        return id;
    }

    private static String get(String[] row, Map<String, Integer> c, String column) {
        Integer i = c.get(column);
        if (i == null || i >= row.length) {
            return "";
        }
        String v = row[i].trim();
        return v.equals("NULL") ? "" : v;
    }

    private static double number(String[] row, Map<String, Integer> c, String column) throws InvalidLine {
        String v = get(row, c, column);
        if (v.isEmpty()) {
            return 0;
        }
        // Plain decimals only: Java would also accept NaN, Infinity, hex and a trailing d, and one such
        // cell would spoil a whole resource-hour.
        if (!DECIMAL.matcher(v).matches()) {
            throw new InvalidLine(column, "not a number: '" + cut(v) + "'");
        }
        double d = Double.parseDouble(v);
        if (!Double.isFinite(d)) {
            throw new InvalidLine(column, "out of range: '" + cut(v) + "'");
        }
        return d;
    }

    private static Instant time(String[] row, Map<String, Integer> c, String column) throws InvalidLine {
        String v = get(row, c, column);
        if (v.isEmpty()) {
            throw new InvalidLine(column, "missing");
        }
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException iso) {
            try {
                return LocalDateTime.parse(v.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw new InvalidLine(column, "not a time: '" + cut(v) + "'");
            }
        }
    }

    /** {@code 2024-09} from the billing period's start, or empty. */
    private static String period(String[] row, Map<String, Integer> c, String column) throws InvalidLine {
        String v = get(row, c, column);
        return v.isEmpty() ? "" : time(row, c, column).toString().substring(0, 7);
    }

    private static Map<String, String> jsonTags(String json) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (json.isEmpty() || !json.startsWith("{")) {
            return tags;
        }
        try {
            JsonNode n = JSON.readTree(json);
            n.fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
        } catch (IOException e) {
            // Tags are descriptive: unreadable tags leave the line's costs usable.
        }
        return tags;
    }

    private static String cut(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100);
    }

    /** Lines of one resource and hour, summed. */
    private static final class Acc {
        final Line first;
        final Instant hour;
        double billed;
        double effective;
        final TreeSet<String> usageTypes = new TreeSet<>();
        Line costliest;

        Acc(Line first, Instant hour) {
            this.first = first;
            this.hour = hour;
        }

        void add(Line l) {
            billed += l.billed();
            effective += l.effective();
            if (!l.usageType().isEmpty()) {
                usageTypes.add(l.usageType());
            }
            if (costliest == null || Math.abs(l.billed()) > Math.abs(costliest.billed())) {
                costliest = l;
            }
        }

        CostLineItem item(String schema) {
            String id = Ids.hash("cost", first.period(), first.resourceId(), hour.toString());
            String instanceType = costliest.instanceType().isEmpty() ? first.instanceType() : costliest.instanceType();
            return new CostLineItem(CostLineItem.SCHEMA_VERSION, id, first.resourceId(), first.account(), first.region(),
                    first.period(), hour, billed, effective, first.currency(), List.copyOf(usageTypes), instanceType,
                    costliest.pricing(), first.service(), first.tags(), schema);
        }
    }

    private static final class InvalidLine extends Exception {
        final String column;

        InvalidLine(String column, String message) {
            super(message, null, false, false);
            this.column = column;
        }
    }
}
