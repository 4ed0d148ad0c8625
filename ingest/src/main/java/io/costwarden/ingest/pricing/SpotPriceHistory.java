package io.costwarden.ingest.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeSpotPriceHistoryRequest;
import software.amazon.awssdk.services.ec2.model.SpotPrice;

/**
 * One spot price per instance type in a region, from EC2 {@code DescribeSpotPriceHistory}.
 *
 * <p>Spot prices are set per Availability Zone. For each type we take the latest price of every zone and
 * then the median over zones, the upper one of the middle pair when the count is even. The median
 * because one zone under pressure should not set the price of the region, the upper middle because it
 * is a price some zone actually charges and the higher of the two candidates (the estimate should not
 * understate spend).
 */
final class SpotPriceHistory {
    static final String LINUX = "Linux/UNIX";

    private final Ec2Client ec2;

    SpotPriceHistory(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    /**
     * Asks for the prices in effect at {@code at}: with a start time and no end time, EC2 answers with the
     * price each zone had at that instant and any change since.
     *
     * @param instanceTypes empty for every type the region offers
     */
    Map<String, BigDecimal> medianPerType(Instant at, List<String> instanceTypes) {
        DescribeSpotPriceHistoryRequest.Builder request = DescribeSpotPriceHistoryRequest.builder()
                .productDescriptions(LINUX).startTime(at);
        if (!instanceTypes.isEmpty()) {
            request.instanceTypesWithStrings(instanceTypes);
        }
        List<SpotPrice> history = new ArrayList<>();
        ec2.describeSpotPriceHistoryPaginator(request.build()).spotPriceHistory().forEach(history::add);
        return medianOfLatestPerZone(history);
    }

    static Map<String, BigDecimal> medianOfLatestPerZone(List<SpotPrice> history) {
        Map<String, Map<String, SpotPrice>> latest = new HashMap<>();
        for (SpotPrice p : history) {
            if (p.instanceTypeAsString() == null || p.availabilityZone() == null || p.spotPrice() == null || p.timestamp() == null) {
                continue;
            }
            latest.computeIfAbsent(p.instanceTypeAsString(), t -> new HashMap<>())
                    .merge(p.availabilityZone(), p, (a, b) -> b.timestamp().isAfter(a.timestamp()) ? b : a);
        }
        Map<String, BigDecimal> median = new HashMap<>();
        latest.forEach((type, byZone) -> {
            List<BigDecimal> prices = new ArrayList<>();
            for (SpotPrice p : byZone.values()) {
                try {
                    BigDecimal price = new BigDecimal(p.spotPrice());
                    if (price.signum() > 0) {
                        prices.add(price);
                    }
                } catch (NumberFormatException e) {
                    // A zone with an unreadable price does not vote; the other zones still do.
                }
            }
            if (!prices.isEmpty()) {
                prices.sort(null);
                median.put(type, prices.get(prices.size() / 2).stripTrailingZeros());
            }
        });
        return median;
    }
}
