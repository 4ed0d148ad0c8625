package io.costwarden.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Hardware and hourly prices per instance type, read from a catalog CSV: the bundled
 * {@code instance-catalog.csv} or a file written by the price refresher. The format, the sources and what
 * is missing are described in {@code README.md} beside the bundled file and in {@code docs/catalog.md}.
 *
 * <p>SageMaker {@code ml.<type>} names resolve to {@code <type>} for hardware (a SageMaker instance is
 * that EC2 instance underneath) but never for prices: SageMaker bills its own, higher, rate, so an
 * {@code ml.*} price is known only when the catalog has a row for the {@code ml.*} name itself.
 *
 * <p>Lookups are two hash probes and allocate nothing but the returned {@code Optional}, because they run
 * for every event.
 */
public final class InstanceCatalog {
    /** The header line every catalog file carries, in this order. */
    public static final String HEADER = "instance_type,region,vcpus,memory_gib,gpu_count,gpu_model,"
            + "on_demand_usd_per_hour,spot_usd_per_hour,price_date,source";

    private static final String BUNDLED_RESOURCE = "instance-catalog.csv";
    private static final int COLUMNS = 10;
    private static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9.-]*");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]+");
    private static final InstanceCatalog BUNDLED = loadBundled();

    /** GPUs or ML accelerators of one instance type. */
    public record Accelerators(int count, String model) {
        public Accelerators {
            Objects.requireNonNull(model, "model");
        }
    }

    /** What one instance of a type has. {@code gpuModel} is empty when it has no accelerator. */
    public record InstanceSpec(String type, int vcpus, double memoryGib, int gpuCount, String gpuModel) {
        public InstanceSpec {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(gpuModel, "gpuModel");
        }
    }

    /** A published hourly price, where it came from and the day it was read. */
    public record HourlyPrice(BigDecimal usdPerHour, String source, LocalDate asOf) {
        public HourlyPrice {
            Objects.requireNonNull(usdPerHour, "usdPerHour");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(asOf, "asOf");
        }
    }

    /**
     * One line of a catalog file. Every empty cell is {@code Optional.empty()}: unknown, never zero. A row
     * without a region carries hardware only; a row with a price names its day and source.
     */
    public record Row(String instanceType, Optional<String> region, OptionalInt vcpus, Optional<BigDecimal> memoryGib,
                      OptionalInt gpuCount, Optional<String> gpuModel, Optional<BigDecimal> onDemandUsdPerHour,
                      Optional<BigDecimal> spotUsdPerHour, Optional<LocalDate> priceDate, Optional<String> source) {
        public Row {
            Objects.requireNonNull(instanceType, "instanceType");
            List.of(region, vcpus, memoryGib, gpuCount, gpuModel, onDemandUsdPerHour, spotUsdPerHour, priceDate, source)
                    .forEach(Objects::requireNonNull);
            if (!TYPE.matcher(instanceType).matches()) {
                throw new IllegalArgumentException("instance type '" + instanceType + "' is not an instance type name");
            }
            region.ifPresent(r -> {
                if (!REGION.matcher(r).matches()) {
                    throw new IllegalArgumentException("region '" + r + "' is not a region code");
                }
            });
            if (vcpus.isPresent() && vcpus.getAsInt() <= 0) {
                throw new IllegalArgumentException("vcpus must be positive, not " + vcpus.getAsInt());
            }
            memoryGib.ifPresent(m -> positive("memory_gib", m));
            if (gpuCount.isPresent() && gpuCount.getAsInt() < 0) {
                throw new IllegalArgumentException("gpu_count must not be negative, not " + gpuCount.getAsInt());
            }
            gpuModel.ifPresent(m -> plainText("gpu_model", m));
            source.ifPresent(s -> plainText("source", s));
            // Zero would be read as "free" by every sum downstream; an unknown price is an empty cell.
            onDemandUsdPerHour.ifPresent(p -> positive("on_demand_usd_per_hour", p));
            spotUsdPerHour.ifPresent(p -> positive("spot_usd_per_hour", p));
            boolean priced = onDemandUsdPerHour.isPresent() || spotUsdPerHour.isPresent();
            if (region.isEmpty() && (priced || priceDate.isPresent() || source.isPresent())) {
                throw new IllegalArgumentException("a row without a region carries hardware only: no price, price_date or source");
            }
            if (priced && (priceDate.isEmpty() || source.isEmpty())) {
                throw new IllegalArgumentException("a price needs its price_date and source");
            }
        }

        /** A hardware-only row. */
        public static Row hardware(String instanceType, OptionalInt vcpus, Optional<BigDecimal> memoryGib,
                                   OptionalInt gpuCount, Optional<String> gpuModel) {
            return new Row(instanceType, Optional.empty(), vcpus, memoryGib, gpuCount, gpuModel, Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty());
        }

        private static void positive(String column, BigDecimal value) {
            if (value.signum() <= 0) {
                throw new IllegalArgumentException(column + " must be positive, not " + value.toPlainString()
                        + " (leave the cell empty when unknown)");
            }
        }

        private static void plainText(String column, String value) {
            if (value.isBlank() || value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0
                    || value.indexOf('\r') >= 0 || !value.strip().equals(value)) {
                throw new IllegalArgumentException(column + " '" + value + "' must be non-blank text without commas, quotes, "
                        + "line breaks or surrounding spaces");
            }
        }
    }

    /** A catalog file that cannot be read as one; the message starts with {@code name:line:}. */
    public static final class MalformedCatalogException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedCatalogException(String message) {
            super(message);
        }
    }

    /** Hardware of one type, merged over its rows; each field may be unknown. */
    private record Hardware(OptionalInt vcpus, Optional<BigDecimal> memoryGib, OptionalInt gpuCount, Optional<String> gpuModel) {
        static final Hardware UNKNOWN = new Hardware(OptionalInt.empty(), Optional.empty(), OptionalInt.empty(), Optional.empty());

        static Hardware of(Row r) {
            return new Hardware(r.vcpus(), r.memoryGib(), r.gpuCount(), r.gpuModel());
        }

        /** Fills what this one lacks from {@code other}; refuses two different known values. */
        Hardware merge(Hardware other) {
            return new Hardware(
                    pick("vcpus", vcpus, other.vcpus),
                    pick("memory_gib", memoryGib, other.memoryGib, (a, b) -> a.compareTo(b) == 0),
                    pick("gpu_count", gpuCount, other.gpuCount),
                    pick("gpu_model", gpuModel, other.gpuModel, String::equals));
        }

        /** {@code other}'s known fields win: used when a newer catalog overrides an older one. */
        Hardware overriddenBy(Hardware other) {
            return new Hardware(
                    other.vcpus.isPresent() ? other.vcpus : vcpus,
                    other.memoryGib.or(() -> memoryGib),
                    other.gpuCount.isPresent() ? other.gpuCount : gpuCount,
                    other.gpuModel.or(() -> gpuModel));
        }

        private static OptionalInt pick(String column, OptionalInt a, OptionalInt b) {
            if (a.isPresent() && b.isPresent() && a.getAsInt() != b.getAsInt()) {
                throw new IllegalArgumentException(column + " " + b.getAsInt() + " contradicts " + a.getAsInt()
                        + " on an earlier row of the same instance type");
            }
            return a.isPresent() ? a : b;
        }

        private static <T> Optional<T> pick(String column, Optional<T> a, Optional<T> b, java.util.function.BiPredicate<T, T> same) {
            if (a.isPresent() && b.isPresent() && !same.test(a.get(), b.get())) {
                throw new IllegalArgumentException(column + " '" + b.get() + "' contradicts '" + a.get()
                        + "' on an earlier row of the same instance type");
            }
            return a.or(() -> b);
        }
    }

    private record Prices(Optional<HourlyPrice> onDemand, Optional<HourlyPrice> spot) {
        /** Row validation guarantees a priced row has its day and source. */
        static Prices of(Row r) {
            return new Prices(r.onDemandUsdPerHour().map(p -> new HourlyPrice(p, r.source().orElseThrow(), r.priceDate().orElseThrow())),
                    r.spotUsdPerHour().map(p -> new HourlyPrice(p, r.source().orElseThrow(), r.priceDate().orElseThrow())));
        }
    }

    private final List<Row> rows;
    private final Map<String, Hardware> hardware;
    private final Map<String, Map<String, Prices>> prices;

    private InstanceCatalog(List<Row> rows, Map<String, Hardware> hardware) {
        this.rows = List.copyOf(rows);
        Map<String, Hardware> hw = new HashMap<>(hardware);
        // An ml.* row may know less than its EC2 type (or only its price): the EC2 type fills the gaps,
        // once here rather than on every lookup.
        hardware.forEach((type, h) -> {
            Hardware base = type.startsWith("ml.") ? hardware.get(type.substring(3)) : null;
            if (base != null) {
                hw.put(type, base.overriddenBy(h));
            }
        });
        this.hardware = Map.copyOf(hw);
        Map<String, Map<String, Prices>> byType = new HashMap<>();
        for (Row r : rows) {
            if (r.region().isPresent() && (r.onDemandUsdPerHour().isPresent() || r.spotUsdPerHour().isPresent())) {
                byType.computeIfAbsent(r.instanceType(), t -> new HashMap<>()).put(r.region().get(), Prices.of(r));
            }
        }
        Map<String, Map<String, Prices>> frozen = new HashMap<>();
        byType.forEach((type, byRegion) -> frozen.put(type, Map.copyOf(byRegion)));
        this.prices = Map.copyOf(frozen);
    }

    /** The catalog bundled with Costwarden (see {@code README.md} beside it for its sources and date). */
    public static InstanceCatalog bundled() {
        return BUNDLED;
    }

    /**
     * Reads a catalog file, typically one written by {@code costwarden refresh-prices}, to stand in for
     * (or, through {@link #withOverrides}, on top of) the bundled one.
     *
     * @throws MalformedCatalogException naming the file and line of the first bad row
     * @throws UncheckedIOException when the file cannot be read
     */
    public static InstanceCatalog load(Path csv) {
        try (Reader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            return parse(reader, csv.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read instance catalog " + csv, e);
        }
    }

    /** Reads catalog text; {@code name} is what error messages call it. */
    public static InstanceCatalog parse(Reader text, String name) {
        BufferedReader reader = text instanceof BufferedReader b ? b : new BufferedReader(text);
        List<Row> rows = new ArrayList<>();
        Map<String, Hardware> hardware = new HashMap<>();
        Map<String, Integer> firstLine = new HashMap<>();
        boolean headerSeen = false;
        int n = 0;
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                n++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (!headerSeen) {
                    if (!line.equals(HEADER)) {
                        throw new MalformedCatalogException(name + ":" + n + ": expected the header line '" + HEADER + "'");
                    }
                    headerSeen = true;
                    continue;
                }
                Row row;
                try {
                    row = parseRow(line);
                } catch (IllegalArgumentException e) {
                    throw new MalformedCatalogException(name + ":" + n + ": " + e.getMessage());
                }
                String key = row.instanceType() + "@" + row.region().orElse("");
                Integer earlier = firstLine.putIfAbsent(key, n);
                if (earlier != null) {
                    throw new MalformedCatalogException(name + ":" + n + ": " + row.instanceType()
                            + row.region().map(r -> " in " + r).orElse(" (hardware)") + " is already on line " + earlier);
                }
                try {
                    hardware.merge(row.instanceType(), Hardware.of(row), Hardware::merge);
                } catch (IllegalArgumentException e) {
                    throw new MalformedCatalogException(name + ":" + n + ": " + e.getMessage());
                }
                rows.add(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read instance catalog " + name, e);
        }
        if (!headerSeen) {
            throw new MalformedCatalogException(name + ":" + n + ": no header line '" + HEADER + "'");
        }
        return new InstanceCatalog(rows, hardware);
    }

    private static Row parseRow(String line) {
        String[] f = line.split(",", -1);
        if (f.length != COLUMNS) {
            throw new IllegalArgumentException("expected " + COLUMNS + " columns, found " + f.length);
        }
        return new Row(f[0], text(f[1]), whole("vcpus", f[2]), decimal("memory_gib", f[3]), whole("gpu_count", f[4]),
                text(f[5]), decimal("on_demand_usd_per_hour", f[6]), decimal("spot_usd_per_hour", f[7]), date(f[8]),
                text(f[9]));
    }

    private static Optional<String> text(String cell) {
        return cell.isEmpty() ? Optional.empty() : Optional.of(cell);
    }

    private static OptionalInt whole(String column, String cell) {
        if (cell.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(cell));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(column + " '" + cell + "' is not a whole number");
        }
    }

    private static Optional<BigDecimal> decimal(String column, String cell) {
        if (cell.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new BigDecimal(cell));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(column + " '" + cell + "' is not a decimal number");
        }
    }

    private static Optional<LocalDate> date(String cell) {
        if (cell.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(cell));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("price_date '" + cell + "' is not a date like 2026-07-20");
        }
    }

    /**
     * Writes rows in the catalog format, each comment line prefixed with {@code # }, so that
     * {@link #load} reads them back.
     */
    public static void write(Collection<Row> rows, List<String> comments, Writer out) throws IOException {
        for (String comment : comments) {
            for (String line : comment.split("\n", -1)) {
                out.write(line.isEmpty() ? "#\n" : "# " + line + "\n");
            }
        }
        out.write(HEADER);
        out.write('\n');
        StringBuilder b = new StringBuilder();
        for (Row r : rows) {
            b.setLength(0);
            b.append(r.instanceType()).append(',').append(r.region().orElse("")).append(',');
            r.vcpus().ifPresent(b::append);
            b.append(',').append(r.memoryGib().map(InstanceCatalog::plain).orElse("")).append(',');
            r.gpuCount().ifPresent(b::append);
            b.append(',').append(r.gpuModel().orElse(""))
                    .append(',').append(r.onDemandUsdPerHour().map(InstanceCatalog::plain).orElse(""))
                    .append(',').append(r.spotUsdPerHour().map(InstanceCatalog::plain).orElse(""))
                    .append(',').append(r.priceDate().map(LocalDate::toString).orElse(""))
                    .append(',').append(r.source().orElse("")).append('\n');
            out.write(b.toString());
        }
    }

    private static String plain(BigDecimal d) {
        return d.toPlainString();
    }

    /** Every row, in file order. */
    public List<Row> rows() {
        return rows;
    }

    /**
     * This catalog with {@code newer} laid over it: a row of {@code newer} replaces the row for the same
     * type and region, and hardware {@code newer} knows replaces what this one says. Lets a refreshed file
     * that covers a few regions update the bundled catalog without losing the others.
     */
    public InstanceCatalog withOverrides(InstanceCatalog newer) {
        Map<String, Row> byKey = new LinkedHashMap<>();
        for (Row r : rows) {
            byKey.put(r.instanceType() + "@" + r.region().orElse(""), r);
        }
        for (Row r : newer.rows) {
            byKey.put(r.instanceType() + "@" + r.region().orElse(""), r);
        }
        Map<String, Hardware> hw = new HashMap<>(hardware);
        newer.hardware.forEach((type, h) -> hw.merge(type, h, Hardware::overriddenBy));
        return new InstanceCatalog(new ArrayList<>(byKey.values()), hw);
    }

    public Optional<Accelerators> accelerators(String instanceType) {
        Hardware h = hardwareOf(instanceType);
        if (h.gpuModel().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Accelerators(h.gpuCount().orElse(0), h.gpuModel().get()));
    }

    /** 0 for instance types without accelerators and for types the catalog does not know. */
    public int gpuCount(String instanceType) {
        return hardwareOf(instanceType).gpuCount().orElse(0);
    }

    /** Hardware of a type; empty when the catalog does not know its vCPUs, memory and GPU count. */
    public Optional<InstanceSpec> spec(String instanceType) {
        Hardware h = hardwareOf(instanceType);
        if (h.vcpus().isEmpty() || h.memoryGib().isEmpty() || h.gpuCount().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new InstanceSpec(instanceType, h.vcpus().getAsInt(), h.memoryGib().get().doubleValue(),
                h.gpuCount().getAsInt(), h.gpuModel().orElse("")));
    }

    /**
     * The published hourly price of one instance of {@code instanceType} in {@code region}, or empty when
     * the catalog does not have it (never zero).
     *
     * <p>{@link PurchaseOption#UNKNOWN} is priced as on-demand: a launch whose event does not say how it is
     * paid for may well be on-demand, and the on-demand rate is the upper bound of what it costs, so a
     * spend estimate errs towards alarming early rather than late. {@link PurchaseOption#SPOT} without a
     * known spot price is empty, not the on-demand price: spot is usually far cheaper, and the caller
     * decides how to treat an unknown.
     */
    public Optional<HourlyPrice> hourlyPrice(String instanceType, String region, PurchaseOption purchase) {
        Map<String, Prices> byRegion = prices.get(instanceType);
        if (byRegion == null) {
            return Optional.empty();
        }
        Prices p = byRegion.get(region);
        if (p == null) {
            return Optional.empty();
        }
        return purchase == PurchaseOption.SPOT ? p.spot() : p.onDemand();
    }

    private Hardware hardwareOf(String instanceType) {
        Hardware h = hardware.get(instanceType);
        if (h == null && instanceType.startsWith("ml.")) {
            h = hardware.get(instanceType.substring(3));
        }
        return h == null ? Hardware.UNKNOWN : h;
    }

    private static InstanceCatalog loadBundled() {
        try (InputStream in = InstanceCatalog.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled " + BUNDLED_RESOURCE + " is missing from the classpath");
            }
            return parse(new InputStreamReader(in, StandardCharsets.UTF_8), BUNDLED_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
