package io.costwarden.app;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.model.CostLineItem;
import io.costwarden.model.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The spend rate end to end: the demo's synthetic GPU launches go in over HTTP as a CloudTrail log file,
 * are priced from the bundled catalog, summed per team, judged by the bundled gpu-spend-per-team policy,
 * reconciled with a billed hour on costwarden.costs.v1, and come out of /api/spend and /api/findings.
 *
 * <p>The app is shared with the other tests of this class path, so the records get a team and instance
 * ids of their own: the group's figures are this test's alone.
 */
@QuarkusTest
@WithTestResource(FreshDataDir.class)
class SpendApiTest {
    static final double P4D_US_EAST_1 = 21.957642;

    @Inject
    KafkaCluster kafka;

    static String hex16() {
        byte[] b = new byte[8];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b).substring(0, 16);
    }

    /** The synthetic launches' records: the p4d twice and the spot g5, all moved to {@code team}, with fresh ids. */
    static String launches(String team, String p4dA, String p4dB, String g5) {
        String file = Samples.text("demo/scenario/synthetic-gpu-launches.json");
        String records = file.substring(file.indexOf('[') + 1, file.lastIndexOf(']'));
        String p4d = records.substring(0, records.indexOf("},{\"eventVersion\"") + 1);
        String rest = records.substring(p4d.length() + 1);
        String spot = rest.substring(0, rest.indexOf("},{\"eventVersion\"") + 1);
        String teamTag = "{\"key\":\"Name\",\"value\":\"llm-finetune\"},{\"key\":\"team\",\"value\":\"" + team + "\"}";
        String p4dTeam = p4d.replace("{\"key\":\"Name\",\"value\":\"llm-finetune\"}", teamTag);
        return String.join(",",
                p4dTeam.replace("i-0a1b2c3d4e5f60001", p4dA).replace("5e1f0c3a-0000-4000-8000-000000000001", UUID.randomUUID().toString()),
                p4dTeam.replace("i-0a1b2c3d4e5f60001", p4dB).replace("5e1f0c3a-0000-4000-8000-000000000001", UUID.randomUUID().toString()),
                spot.replace("\"value\":\"vision\"", "\"value\":\"" + team + "\"").replace("i-0a1b2c3d4e5f60002", g5)
                        .replace("5e1f0c3a-0000-4000-8000-000000000002", UUID.randomUUID().toString()));
    }

    static String arn(String instance) {
        return "arn:aws:ec2:us-east-1:123456789012:instance/" + instance;
    }

    @Test
    void gpuLaunchesArePricedSummedPerTeamJudgedAndReconciledWithBilling() throws Exception {
        String team = "spend-" + hex16();
        String group = "team=" + team;
        String p4dA = "i-" + hex16();
        String p4dB = "i-" + hex16();
        String g5 = "i-" + hex16();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/resources").then().statusCode(200));
        given().header("x-api-key", "test-ingest-key").body(Samples.gzippedLogFile(launches(team, p4dA, p4dB, g5)))
                .post("/ingest/cloudtrail").then().statusCode(200).body("accepted", equalTo(3));

        JsonPath spend = await().atMost(Duration.ofSeconds(60)).until(
                () -> given().get("/api/spend/" + group).then().extract().jsonPath(),
                json -> Integer.valueOf(3).equals(json.get("all.runningResources")));
        assertThat(spend.getString("group")).isEqualTo(group);
        assertThat(spend.getDouble("all.rateUsdPerHour")).isCloseTo(2 * P4D_US_EAST_1, org.assertj.core.api.Assertions.within(1e-4));
        assertThat(spend.getDouble("gpu.rateUsdPerHour")).isCloseTo(2 * P4D_US_EAST_1, org.assertj.core.api.Assertions.within(1e-4));
        assertThat(spend.getInt("all.unpricedResources")).as("no spot price is bundled for the g5").isEqualTo(1);
        assertThat(spend.getString("resources[0].instanceType")).isEqualTo("p4d.24xlarge");
        assertThat(spend.getBoolean("resources[0].priced")).isTrue();
        assertThat(spend.getString("resources[0].priceSource")).contains("AWS Pricing API");
        assertThat(spend.getString("resources[2].resourceId")).isEqualTo(arn(g5));
        assertThat(spend.getString("resources[2].priceSource")).isEqualTo("unpriced: no spot price for g5.xlarge in us-east-1 in the catalog");
        assertThat(spend.getDouble("all.forecastUsd")).isGreaterThan(spend.getDouble("all.monthToDateUsd"));

        // The bundled policy: more than $20/h on GPUs in one team (notify-only with no grace: acted at once).
        JsonPath finding = await().atMost(Duration.ofSeconds(60)).until(
                () -> given().queryParam("group", group).queryParam("policy", "gpu-spend-per-team").queryParam("state", "current").get("/api/findings").then()
                        .statusCode(200).extract().jsonPath(),
                json -> json.getInt("total") == 1);
        assertThat(finding.getString("items[0].policy")).isEqualTo("gpu-spend-per-team");
        assertThat(finding.getString("items[0].detector")).isEqualTo("spend-rate");
        assertThat(finding.getString("items[0].state")).isEqualTo("acted");
        // One p4d is over the limit already; which launch completed the condition depends on partition order.
        assertThat(finding.getString("items[0].violations[0]")).startsWith(group + " (GPU resources) spends $")
                .contains("/h, above the limit of $20.00/h (");
        assertThat(finding.getDouble("items[0].figures.limit")).isEqualTo(20.0);
        assertThat(finding.getDouble("items[0].figures.rateUsdPerHour")).isGreaterThan(20.0);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/spend/" + group).then()
                .body("breaching", equalTo(List.of("gpu-spend-per-team"))));

        // The same group, '=' URL-encoded.
        given().urlEncodingEnabled(false).get("/api/spend/" + URLEncoder.encode(group, StandardCharsets.UTF_8))
                .then().statusCode(200).body("group", equalTo(group));

        // Billing for the day before the group's clock: a complete day, so the error gauge counts it.
        LocalDate yesterday = LocalDate.ofInstant(Instant.parse(spend.getString("asOf")), ZoneOffset.UTC).minusDays(1);
        Map<String, Object> props = new HashMap<>(kafka.clientSettings());
        try (KafkaProducer<String, CostLineItem> producer = new KafkaProducer<>(props, Topics.COSTS.keySerde().serializer(),
                Topics.COSTS.valueSerde().serializer())) {
            CostLineItem item = new CostLineItem(CostLineItem.SCHEMA_VERSION, "cost-" + p4dA, arn(p4dA), "123456789012",
                    "us-east-1", yesterday.toString().substring(0, 7), yesterday.atTime(9, 0).toInstant(ZoneOffset.UTC),
                    21.96, 21.96, "USD", List.of("USE1-BoxUsage:p4d.24xlarge"), "p4d.24xlarge", "on-demand", "AmazonEC2",
                    Map.of("team", team), "cur2");
            producer.send(new ProducerRecord<>(Topics.COSTS.name(), item.resourceId(), item)).get(30, TimeUnit.SECONDS);
        }
        JsonPath reconciled = await().atMost(Duration.ofSeconds(60)).until(
                () -> given().get("/api/spend/" + group).then().extract().jsonPath(),
                json -> json.getList("reconciliation.day", String.class) != null
                        && json.getList("reconciliation.day", String.class).contains(yesterday.toString()));
        Map<String, Object> day = reconciled.getMap("reconciliation.find { it.day == '" + yesterday + "' }");
        assertThat(day).containsEntry("billedUsd", 21.96f).containsEntry("billedItems", 1).containsEntry("complete", true);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("costwarden_spend_estimate_error_ratio{dimension=\"team\"}"));

        // The team's list, highest rate first, with totals over every team.
        JsonPath list = given().queryParam("groupBy", "team").queryParam("limit", 1000).get("/api/spend").then()
                .statusCode(200).extract().jsonPath();
        assertThat(list.getString("groupBy")).isEqualTo("team");
        List<Float> rates = list.getList("items.all.rateUsdPerHour", Float.class);
        assertThat(rates).isSortedAccordingTo((a, b) -> Float.compare(b, a));
        assertThat(list.getList("items.group", String.class)).contains(group);
        assertThat(list.getDouble("totals.rateUsdPerHour")).isGreaterThanOrEqualTo(2 * P4D_US_EAST_1 - 1e-3);
        assertThat(list.getInt("totals.unpricedResources")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void unknownGroupsAndMalformedKeysAreJsonErrors() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/spend").then().statusCode(200));
        given().get("/api/spend/team=nobody-" + hex16()).then().statusCode(404).body("status", equalTo(404))
                .body("error", containsString("no spend for team=nobody-"));
        given().get("/api/spend/ml-research").then().statusCode(400)
                .body("error", equalTo("'ml-research' is not a group: expected <dimension>=<value> with a dimension of"
                        + " team, owner, project, account, e.g. team=ml-research"));
        given().get("/api/spend/colour=blue").then().statusCode(400);
        given().queryParam("groupBy", "colour").get("/api/spend").then().statusCode(400)
                .body("error", containsString("groupBy 'colour' is not aggregated; one of team, owner, project, account"));
        given().queryParam("limit", 0).get("/api/spend").then().statusCode(400)
                .body("error", equalTo("limit must be between 1 and 1000, was 0"));
    }
}
