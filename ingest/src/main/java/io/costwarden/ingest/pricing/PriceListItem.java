package io.costwarden.ingest.pricing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One product of an {@code AmazonEC2} price list, as {@code pricing:GetProducts} returns it: a JSON string
 * in the offer-file shape, {@code product.attributes} plus {@code terms.OnDemand.*.priceDimensions.*}.
 * Only what the catalog needs is kept.
 *
 * @param regionCode empty in older price lists, which carried only a location name
 * @param operation  {@code RunInstances} for plain Linux; other operations are licensed variants
 */
record PriceListItem(String sku, String instanceType, Optional<String> regionCode, String operation, OptionalInt vcpus,
                     Optional<BigDecimal> memoryGib, OptionalInt gpuCount, BigDecimal onDemandUsdPerHour) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A price list item that cannot be read; the message says what is wrong, the caller says which item. */
    static final class MalformedItemException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String sku;

        MalformedItemException(String sku, String message) {
            super(message);
            this.sku = sku;
        }

        /** The item's SKU when it got that far, for the operator to look it up. */
        Optional<String> sku() {
            return Optional.ofNullable(sku);
        }
    }

    static PriceListItem parse(String json) throws MalformedItemException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new MalformedItemException(null, "not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedItemException(null, "not a JSON object");
        }
        JsonNode product = root.path("product");
        String sku = text(product.path("sku")).orElse(null);
        JsonNode attributes = product.path("attributes");
        if (!attributes.isObject()) {
            throw new MalformedItemException(sku, "no product.attributes");
        }
        String type = text(attributes.path("instanceType"))
                .orElseThrow(() -> new MalformedItemException(sku, "no product.attributes.instanceType"));
        return new PriceListItem(sku == null ? "" : sku, type, text(attributes.path("regionCode")),
                text(attributes.path("operation")).orElse(""),
                wholeNumber(attributes.path("vcpu")), gibibytes(attributes.path("memory")), wholeNumber(attributes.path("gpu")),
                onDemandHourly(sku, root.path("terms").path("OnDemand")));
    }

    /**
     * The USD price per hour of the on-demand term. A product carries one on-demand term with one hourly
     * dimension; anything else is refused rather than guessed between.
     */
    private static BigDecimal onDemandHourly(String sku, JsonNode onDemand) throws MalformedItemException {
        if (!onDemand.isObject() || onDemand.isEmpty()) {
            throw new MalformedItemException(sku, "no terms.OnDemand");
        }
        BigDecimal found = null;
        for (Iterator<Map.Entry<String, JsonNode>> terms = onDemand.fields(); terms.hasNext(); ) {
            for (Iterator<JsonNode> dims = terms.next().getValue().path("priceDimensions").elements(); dims.hasNext(); ) {
                JsonNode dim = dims.next();
                if (!"Hrs".equals(dim.path("unit").asText())) {
                    continue;
                }
                String usd = text(dim.path("pricePerUnit").path("USD"))
                        .orElseThrow(() -> new MalformedItemException(sku, "an hourly on-demand dimension without pricePerUnit.USD"));
                BigDecimal price;
                try {
                    price = new BigDecimal(usd);
                } catch (NumberFormatException e) {
                    throw new MalformedItemException(sku, "pricePerUnit.USD '" + usd + "' is not a number");
                }
                if (found != null && found.compareTo(price) != 0) {
                    throw new MalformedItemException(sku, "two different hourly on-demand prices, " + found.toPlainString()
                            + " and " + price.toPlainString());
                }
                found = price;
            }
        }
        if (found == null) {
            throw new MalformedItemException(sku, "no hourly (unit Hrs) on-demand price dimension");
        }
        if (found.signum() <= 0) {
            // The price list uses 0 for placeholders; a catalog that said "free" would hide a real cost.
            throw new MalformedItemException(sku, "hourly on-demand price is " + found.toPlainString());
        }
        return found.stripTrailingZeros();
    }

    private static Optional<String> text(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? Optional.of(node.asText().strip()) : Optional.empty();
    }

    /** Hardware attributes are informative: an odd value (a fraction of a GPU, "NA") leaves the field unknown. */
    private static OptionalInt wholeNumber(JsonNode node) {
        Optional<String> s = text(node);
        if (s.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            int n = Integer.parseInt(s.get().replace(",", ""));
            return n >= 0 ? OptionalInt.of(n) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** {@code "8 GiB"}, {@code "0.5 GiB"}, {@code "3,904 GiB"}. */
    private static Optional<BigDecimal> gibibytes(JsonNode node) {
        Optional<String> s = text(node);
        if (s.isEmpty() || !s.get().endsWith(" GiB")) {
            return Optional.empty();
        }
        try {
            BigDecimal gib = new BigDecimal(s.get().substring(0, s.get().length() - 4).replace(",", "").strip());
            return gib.signum() > 0 ? Optional.of(gib.stripTrailingZeros()) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
