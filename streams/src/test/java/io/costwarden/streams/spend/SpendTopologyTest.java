package io.costwarden.streams.spend;

import static io.costwarden.streams.Events.ACCOUNT;
import static io.costwarden.streams.Events.REGION;
import static io.costwarden.streams.Events.arn;
import static io.costwarden.streams.Events.event;
import static io.costwarden.streams.Events.launch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.costwarden.model.CostLineItem;
import io.costwarden.model.Finding;
import io.costwarden.model.FindingState;
import io.costwarden.model.Ids;
import io.costwarden.model.InstanceCatalog.HourlyPrice;
import io.costwarden.model.PurchaseOption;
import io.costwarden.model.ResourceChange;
import io.costwarden.model.ResourceEvent;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topics;
import io.costwarden.model.Verb;
import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import io.costwarden.streams.decisions.DecisionTopology;
import io.costwarden.streams.inventory.InventoryTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real inventory, the spend detector and the real decisions for groups, as CostwardenTopology wires
 * them. Event time comes from the events; the wall clock moves only with {@code advanceWallClockTime}.
 */
class SpendTopologyTest {
    static final Instant T0 = Instant.parse("2026-11-20T09:00:00Z");
    /**
     * The wall clock the driver starts at: later than every event the tests send, as for a replay or
     * CloudTrail's delivery delay. Data time then follows the events; only the test of the cap starts at T0.
     */
    static final Instant WALL = T0.plus(Duration.ofDays(400));
    static final double P4D = 32.77;
    static final double M5 = 0.10;
    static final Map<String, Double> ON_DEMAND = Map.of("p4d.24xlarge", P4D, "g5.xlarge", 1.006, "m5.large", M5);
    /** Fixed prices; nothing on spot, and SageMaker ml.* unknown, as in the bundled catalog. */
    static final PriceBook PRICES = (type, region, purchase) -> purchase == PurchaseOption.SPOT ? Optional.empty()
            : Optional.ofNullable(ON_DEMAND.get(type))
                    .map(p -> new HourlyPrice(BigDecimal.valueOf(p), "test prices", LocalDate.of(2026, 11, 1)));

    static final String GPU_RATE = """
            policies:
              - name: ml-gpu-rate
                resource: [ec2-instance, sagemaker-notebook]
                detect:
                  spend-rate:
                    group-by: team
                    gpu-only: true
                    above: 50
            """;

    @TempDir
    Path stateDir;

    private final AtomicReference<PolicySet> policies = new AtomicReference<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, ResourceEvent> events;
    private TestInputTopic<String, CostLineItem> costs;
    private TestOutputTopic<String, Finding> findings;

    private void start(String policyFile, Instant wallClock) throws InvalidPolicyException {
        policies.set(PolicyFile.parse("policies.yaml", policyFile));
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, ResourceChange> changes = InventoryTopology.build(builder);
        DecisionTopology.forGroups(builder, SpendTopology.build(builder, changes, policies::get, meters,
                new SpendTopology.Settings(PRICES, SpendTopology.DEFAULT_GROUP_BY)), policies::get, meters);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "spend-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props, wallClock);
        events = driver.createInputTopic(Topics.EVENTS.name(), Topics.EVENTS.keySerde().serializer(),
                Topics.EVENTS.valueSerde().serializer());
        costs = driver.createInputTopic(Topics.COSTS.name(), Topics.COSTS.keySerde().serializer(),
                Topics.COSTS.valueSerde().serializer());
        findings = driver.createOutputTopic(Topics.FINDINGS.name(), Topics.FINDINGS.keySerde().deserializer(),
                Topics.FINDINGS.valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    void send(ResourceEvent e) {
        events.pipeInput(e.resourceId(), e);
    }

    /** The group as the API shows one group: its totals, with its members from the store beside it. */
    GroupSpend group(String key) {
        KeyValueStore<String, GroupSpend> store = driver.getKeyValueStore(SpendTopology.GROUPS);
        GroupSpend g = store.get(key);
        if (g == null) {
            return null;
        }
        assertThat(g.resources()).as("the stored group holds totals, not its resources").isEmpty();
        KeyValueStore<String, Contribution> members = driver.getKeyValueStore(SpendTopology.MEMBERS);
        Map<String, Contribution> mine = new java.util.LinkedHashMap<>();
        try (var it = members.prefixScan(SpendTopology.member(key, ""), new org.apache.kafka.common.serialization.StringSerializer())) {
            it.forEachRemaining(kv -> mine.put(kv.value.resourceId(), kv.value));
        }
        return g.withMembers(mine);
    }

    static ResourceEvent stopped(String id, Instant at) {
        return event("StopInstances", Verb.STOP, id, "", 0, Map.of(), at.toString());
    }

    static ResourceEvent tagged(String id, Map<String, String> tags, Instant at) {
        return event("CreateTags", Verb.TAG, id, "", 0, tags, at.toString());
    }

    static ResourceEvent p4d(String id, String team, Instant at) {
        return launch(id, "p4d.24xlarge", 8, Map.of("team", team), at.toString());
    }

    static CostLineItem billed(String id, String instance, String hour, double cost, Map<String, String> tags,
            String... usageTypes) {
        return new CostLineItem(CostLineItem.SCHEMA_VERSION, id, arn(instance), ACCOUNT, REGION, "2026-11",
                Instant.parse(hour), cost, cost, "USD", List.of(usageTypes), "p4d.24xlarge", "on-demand", "AmazonEC2",
                tags, "cur2");
    }

    /**
     * One account may hold every resource: its stored group must not grow with them (300 here would make a
     * value of about 60 KB the old way; a group holding 5,000
     * resources outgrew Kafka's 1 MB record limit in the failover test). Members live in their own store.
     */
    @Test
    void aGroupsStoredValueStaysSmallHoweverManyResourcesItHas() throws Exception {
        start(GPU_RATE, WALL);
        for (int i = 0; i < 300; i++) {
            send(launch("i-" + i, "m5.large", 0, Map.of("team", "web"), T0.plusMillis(i).toString()));
        }
        KeyValueStore<String, GroupSpend> store = driver.getKeyValueStore(SpendTopology.GROUPS);
        byte[] stored = io.costwarden.model.JsonSerde.of(GroupSpend.class).serializer().serialize("t",
                store.get("account=" + ACCOUNT));
        assertThat(stored.length).as("bytes of the account's stored group").isLessThan(4_000);
        GroupSpend account = group("account=" + ACCOUNT);
        assertThat(account.resources()).hasSize(300);
        assertThat(account.running(SpendFilter.ALL)).isEqualTo(300);
        assertThat(account.rate(SpendFilter.ALL)).isCloseTo(300 * M5, within(1e-6));
        send(stopped("i-7", T0.plusSeconds(3600)));
        assertThat(group("account=" + ACCOUNT).running(SpendFilter.ALL)).isEqualTo(299);
        assertThat(group("account=" + ACCOUNT).resources()).doesNotContainKey(arn("i-7"));
    }

    @Test
    void aGpuSpendRateFindingOpensWithTheLaunchThatTakesTheTeamOverItsLimitAndResolvesWhenOneStops() throws Exception {
        start(GPU_RATE, WALL);
        send(p4d("i-1", "ml", T0));
        send(launch("i-cpu", "m5.large", 0, Map.of("team", "ml"), T0.plusSeconds(60).toString()));
        assertThat(findings.readValuesToList()).as("one p4d is $32.77/h, under $50/h").isEmpty();

        send(p4d("i-2", "ml", T0.plusSeconds(120)));
        List<Finding> out = findings.readValuesToList();
        assertThat(out).extracting(Finding::state).containsExactly(FindingState.OPEN, FindingState.ACTED);
        Finding f = out.get(0);
        assertThat(f.policy()).isEqualTo("ml-gpu-rate");
        assertThat(f.group()).isEqualTo("team=ml");
        assertThat(f.resourceId()).isEmpty();
        assertThat(f.detector()).isEqualTo("spend-rate");
        assertThat(f.id()).as("the episode is the hour it began, so a replay gives the same id")
                .isEqualTo(Ids.finding("ml-gpu-rate", "team=ml", "spend-rate:2026-11-20T09:00:00Z"));
        assertThat(f.figures()).containsEntry("rateUsdPerHour", 65.54).containsEntry("limit", 50.0)
                .containsEntry("runningResources", 2.0);
        assertThat(f.violations()).containsExactly(
                "team=ml (GPU resources) spends $65.54/h, above the limit of $50.00/h (2 running resources)");
        assertThat(f.triggerEventId()).isEqualTo("RunInstances-i-2-" + T0.plusSeconds(120));

        // Still over the limit: checked every 30 s, said once.
        driver.advanceWallClockTime(Duration.ofMinutes(2));
        assertThat(findings.readValuesToList()).isEmpty();
        assertThat(group("team=ml").rate(SpendFilter.ALL)).isCloseTo(2 * P4D + M5, within(1e-9));

        send(stopped("i-2", T0.plusSeconds(600)));
        out = findings.readValuesToList();
        assertThat(out).extracting(Finding::state).containsExactly(FindingState.RESOLVED);
        assertThat(out.get(0).stateReason()).isEqualTo("team=ml (GPU resources) spends $32.77/h, no longer above $50.00/h");
    }

    @Test
    void accruesByEventTimeThenRunsOnWithTheWallClock() throws Exception {
        start(GPU_RATE, WALL);
        send(p4d("i-1", "ml", T0));
        // Two hours later in event time (a replay delivers both in a moment) the team starts a small one.
        Instant eleven = T0.plus(Duration.ofHours(2));
        send(launch("i-cpu", "m5.large", 0, Map.of("team", "ml"), eleven.toString()));
        send(tagged("i-1", Map.of("owner", "ana"), eleven));
        GroupSpend ml = group("team=ml");
        assertThat(ml.asOf()).isEqualTo(eleven);
        assertThat(ml.day(SpendFilter.ALL)).isCloseTo(2 * P4D, within(1e-6));
        assertThat(ml.monthToDate(SpendFilter.GPU)).isCloseTo(2 * P4D, within(1e-6));
        assertThat(ml.hour(SpendFilter.ALL)).as("a new hour began at 11:00").isZero();
        assertThat(ml.hours()).extracting(GroupSpend.HourSample::hour)
                .containsExactly(T0, T0.plus(Duration.ofHours(1)));

        // No events for 30 minutes of wall clock: the clock runs on from the newest event time.
        driver.advanceWallClockTime(Duration.ofMinutes(30));
        ml = group("team=ml");
        assertThat(ml.asOf()).isEqualTo(eleven.plus(Duration.ofMinutes(30)));
        assertThat(ml.hour(SpendFilter.ALL)).isCloseTo((P4D + M5) / 2, within(1e-6));
        assertThat(ml.hour(SpendFilter.GPU)).isCloseTo(P4D / 2, within(1e-6));
        assertThat(ml.day(SpendFilter.ALL)).isCloseTo(2 * P4D + (P4D + M5) / 2, within(1e-6));
        assertThat(ml.forecast(SpendFilter.ALL)).as("month to date + rate until 1 December 00:00")
                .isCloseTo(2 * P4D + (P4D + M5) / 2 + (P4D + M5) * (10 * 24 + 12.5), within(1e-6));
        assertThat(group("owner=ana").resources()).containsOnlyKeys(arn("i-1"));
        assertThat(group("account=" + ACCOUNT).rate(SpendFilter.ALL)).isCloseTo(P4D + M5, within(1e-9));
    }

    @Test
    void aReplayOfLastYearAccruesLastYearsHoursNotTheYearSince() throws Exception {
        start(GPU_RATE, WALL);
        Instant lastYear = Instant.parse("2025-11-03T22:00:00Z");
        send(p4d("i-old", "ml", lastYear));
        send(stopped("i-old", lastYear.plus(Duration.ofHours(5))));
        GroupSpend ml = group("team=ml");
        assertThat(ml.rate(SpendFilter.ALL)).isZero();
        assertThat(ml.days()).extracting(GroupSpend.DaySpend::day, d -> Math.round(d.estimateUsd() * 100) / 100.0)
                .containsExactly(
                        tuple(LocalDate.parse("2025-11-03"), Math.round(2 * P4D * 100) / 100.0),
                        tuple(LocalDate.parse("2025-11-04"), Math.round(3 * P4D * 100) / 100.0));
        assertThat(ml.monthToDate(SpendFilter.ALL)).isCloseTo(5 * P4D, within(1e-6));
        assertThat(ml.day(SpendFilter.ALL)).as("the day began at midnight").isCloseTo(3 * P4D, within(1e-6));
    }

    @Test
    void anEventFromTheFutureMovesTheClockNoFurtherThanFiveMinutesAheadOfTheWallClock() throws Exception {
        start(GPU_RATE, T0);
        send(p4d("i-1", "ml", T0));
        send(launch("i-2", "m5.large", 0, Map.of("team", "ml"), T0.plus(Duration.ofDays(30)).toString()));
        GroupSpend ml = group("team=ml");
        assertThat(ml.asOf()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
        assertThat(ml.monthToDate(SpendFilter.ALL)).isCloseTo(P4D / 12, within(1e-6));
    }

    @Test
    void aTagChangeMovesTheResourceAndItsRateToItsNewGroup() throws Exception {
        start(GPU_RATE, WALL);
        send(p4d("i-1", "ml", T0));
        send(tagged("i-1", Map.of("team", "vision"), T0.plus(Duration.ofMinutes(30))));
        GroupSpend ml = group("team=ml");
        assertThat(ml.resources()).isEmpty();
        assertThat(ml.hour(SpendFilter.ALL)).as("what it cost while it was ml's").isCloseTo(P4D / 2, within(1e-6));
        GroupSpend vision = group("team=vision");
        assertThat(vision.resources()).containsOnlyKeys(arn("i-1"));
        assertThat(vision.resources().get(arn("i-1")).since()).as("running since its launch, whatever its team")
                .isEqualTo(T0);
        assertThat(vision.rate(SpendFilter.GPU)).isCloseTo(P4D, within(1e-9));

        send(event("DeleteTags", Verb.UNTAG, "i-1", "", 0, Map.of("team", ""), T0.plus(Duration.ofMinutes(40)).toString()));
        assertThat(group("team=vision").resources()).isEmpty();
        assertThat(group("team=(untagged)").resources()).containsOnlyKeys(arn("i-1"));
    }

    @Test
    void aRunningResourceWithoutAKnownPriceIsCountedAsUnpricedNotFree() throws Exception {
        start(GPU_RATE, WALL);
        String nb = ResourceKind.SAGEMAKER_NOTEBOOK.arn("eu-west-1", ACCOUNT, "bo-experiments");
        send(new ResourceEvent(ResourceEvent.SCHEMA_VERSION, "nb-1", "CreateNotebookInstance", T0, ACCOUNT, "eu-west-1",
                "bo", Verb.LAUNCH, ResourceKind.SAGEMAKER_NOTEBOOK, nb, "bo-experiments", "ml.p3.2xlarge", 1,
                PurchaseOption.UNKNOWN, Map.of("team", "nlp"), 1));
        send(new ResourceEvent(ResourceEvent.SCHEMA_VERSION, "spot-1", "RunInstances", T0, ACCOUNT, REGION, "carol",
                Verb.LAUNCH, ResourceKind.EC2_INSTANCE, arn("i-spot"), "i-spot", "g5.xlarge", 1, PurchaseOption.SPOT,
                Map.of("team", "nlp"), 1));
        GroupSpend nlp = group("team=nlp");
        assertThat(nlp.rate(SpendFilter.ALL)).isZero();
        assertThat(nlp.unpriced(SpendFilter.GPU)).isEqualTo(2);
        assertThat(nlp.resources().get(nb).priceSource())
                .isEqualTo("unpriced: no on-demand price for ml.p3.2xlarge in eu-west-1 in the catalog");
        assertThat(nlp.resources().get(arn("i-spot")).priceSource())
                .isEqualTo("unpriced: no spot price for g5.xlarge in us-east-1 in the catalog");
    }

    @Test
    void aTrainingJobIsPricedPerInstance() throws Exception {
        start(GPU_RATE, WALL);
        String job = ResourceKind.SAGEMAKER_TRAINING_JOB.arn(REGION, ACCOUNT, "llm-sft");
        send(new ResourceEvent(ResourceEvent.SCHEMA_VERSION, "job-1", "CreateTrainingJob", T0, ACCOUNT, REGION, "ana",
                Verb.LAUNCH, ResourceKind.SAGEMAKER_TRAINING_JOB, job, "llm-sft", "p4d.24xlarge", 16,
                PurchaseOption.ON_DEMAND, Map.of("team", "ml"), 2));
        assertThat(group("team=ml").rate(SpendFilter.GPU)).as("a policy for notebooks and instances does not watch jobs,"
                + " but the group shows them").isCloseTo(2 * P4D, within(1e-9));
        assertThat(findings.readValuesToList()).as("ml-gpu-rate watches ec2-instance and sagemaker-notebook only").isEmpty();
    }

    @Test
    void aBudgetIsBrokenWhenMonthToDatePlusTheRateUntilMonthEndExceedsIt() throws Exception {
        start("""
                policies:
                  - name: ml-monthly
                    resource: ec2-instance
                    detect:
                      budget:
                        group-by: team
                        monthly: 10000
                """, WALL);
        // 20 November 09:00: 255 hours left in the month; one p4d forecasts $8,356, two $16,713.
        send(p4d("i-1", "ml", T0));
        assertThat(findings.readValuesToList()).isEmpty();
        send(p4d("i-2", "ml", T0));
        List<Finding> out = findings.readValuesToList();
        assertThat(out).extracting(Finding::state).containsExactly(FindingState.OPEN, FindingState.ACTED);
        assertThat(out.get(0).figures()).containsEntry("forecastUsd", 16712.7).containsEntry("limit", 10000.0)
                .containsEntry("monthToDateUsd", 0.0);
        assertThat(out.get(0).violations()).containsExactly("team=ml is forecast to spend $16,712.70 in November 2026"
                + " ($0.00 so far + $65.54/h for the 255.0 h left), above the budget of $10,000.00 (2 running resources)");

        // Stopping one an hour later: $65.54 spent, + $32.77/h for 254 h = $8,389.12, within the budget.
        send(stopped("i-2", T0.plus(Duration.ofHours(1))));
        out = findings.readValuesToList();
        assertThat(out).extracting(Finding::state).containsExactly(FindingState.RESOLVED);
        assertThat(out.get(0).stateReason())
                .isEqualTo("team=ml is forecast to spend $8,389.12 in November 2026, within the budget of $10,000.00");
    }

    @Test
    void aBurnRateAnomalyNeedsMinDaysOfHistoryForThatHourAndTheMinimum() throws Exception {
        start("""
                policies:
                  - name: ml-burn
                    resource: ec2-instance
                    detect:
                      burn-rate:
                        group-by: team
                        factor: 3
                        minimum: 20
                        min-days: 3
                """, WALL);
        Instant d0 = Instant.parse("2026-11-16T00:00:00Z");
        // A steady $0.10/h from Monday; at 09:00 on Wednesday a p4d (330 x the median) is only 2 days in.
        send(launch("i-steady", "m5.large", 0, Map.of("team", "ml"), d0.toString()));
        send(p4d("i-burst", "ml", d0.plus(Duration.ofDays(2)).plus(Duration.ofHours(9))));
        assertThat(findings.readValuesToList()).isEmpty();
        send(stopped("i-burst", d0.plus(Duration.ofDays(2)).plus(Duration.ofMinutes(9 * 60 + 30))));

        // Thursday 09:00: three days of 09:00 (Monday $0.10, Tuesday $0.10, Wednesday $16.485): median $0.10.
        Instant thursday = d0.plus(Duration.ofDays(3)).plus(Duration.ofHours(9));
        send(p4d("i-burst-2", "ml", thursday));
        List<Finding> out = findings.readValuesToList();
        assertThat(out).extracting(Finding::state).containsExactly(FindingState.OPEN, FindingState.ACTED);
        assertThat(out.get(0).figures()).containsEntry("medianUsdPerHour", 0.1).containsEntry("medianDays", 3.0)
                .containsEntry("rateUsdPerHour", 32.87);
        assertThat(out.get(0).violations()).containsExactly("team=ml spends $32.87/h, above 3 x the 7-day median of"
                + " $0.10/h for 09:00 UTC over 3 days and above the minimum of $20.00/h (2 running resources)");
        assertThat(out.get(0).id()).isEqualTo(Ids.finding("ml-burn", "team=ml", "burn-rate:2026-11-19T09:00:00Z"));
    }

    @Test
    void aSmallTeamTripleItsUsualIsNoAnomalyBelowTheMinimum() throws Exception {
        start("""
                policies:
                  - name: ml-burn
                    resource: ec2-instance
                    detect:
                      burn-rate:
                        group-by: team
                        factor: 3
                        minimum: 20
                        min-days: 1
                """, WALL);
        send(launch("i-1", "m5.large", 0, Map.of("team", "ml"), T0.minus(Duration.ofDays(2)).toString()));
        for (int i = 2; i <= 6; i++) {
            send(launch("i-" + i, "m5.large", 0, Map.of("team", "ml"), T0.toString()));
        }
        assertThat(group("team=ml").rate(SpendFilter.ALL)).isCloseTo(6 * M5, within(1e-9));
        assertThat(findings.readValuesToList()).isEmpty();
    }

    @Test
    void billedInstanceUsageReconcilesPerGroupAndDayAndARestatementReplacesItsAmount() throws Exception {
        start(GPU_RATE, WALL);
        Instant midnight = Instant.parse("2026-11-20T00:00:00Z");
        send(p4d("i-1", "ml", midnight));
        send(stopped("i-1", midnight.plus(Duration.ofHours(2))));
        send(p4d("i-x", "vision", Instant.parse("2026-11-21T01:00:00Z")));

        costs.pipeInput(arn("i-1"), billed("c1", "i-1", "2026-11-20T00:00:00Z", 30.0, Map.of("team", "ml"),
                "USE1-BoxUsage:p4d.24xlarge", "USE1-DataTransfer-Out-Bytes"));
        costs.pipeInput(arn("i-1"), billed("c2", "i-1", "2026-11-20T01:00:00Z", 30.0, Map.of("team", "ml"),
                "USE1-BoxUsage:p4d.24xlarge"));
        GroupSpend.DaySpend day = group("team=ml").dayOf(LocalDate.parse("2026-11-20")).orElseThrow();
        assertThat(day.estimateUsd()).isCloseTo(2 * P4D, within(1e-6));
        assertThat(day.billedUsd()).isEqualTo(60.0);
        assertThat(day.billedItems()).isEqualTo(2);

        // Restated: the same id says 31 now, and the same item delivered twice changes nothing.
        costs.pipeInput(arn("i-1"), billed("c2", "i-1", "2026-11-20T01:00:00Z", 31.0, Map.of("team", "ml"),
                "USE1-BoxUsage:p4d.24xlarge"));
        costs.pipeInput(arn("i-1"), billed("c2", "i-1", "2026-11-20T01:00:00Z", 31.0, Map.of("team", "ml"),
                "USE1-BoxUsage:p4d.24xlarge"));
        day = group("team=ml").dayOf(LocalDate.parse("2026-11-20")).orElseThrow();
        assertThat(day.billedUsd()).isEqualTo(61.0);
        assertThat(day.billedItems()).isEqualTo(2);
        assertThat(group("account=" + ACCOUNT).dayOf(LocalDate.parse("2026-11-20")).orElseThrow().billedUsd())
                .isEqualTo(61.0);

        // A restatement that moves the item to another team takes it out of ml's day.
        costs.pipeInput(arn("i-1"), billed("c2", "i-1", "2026-11-20T01:00:00Z", 31.0, Map.of("team", "nlp"),
                "USE1-BoxUsage:p4d.24xlarge"));
        assertThat(group("team=ml").dayOf(LocalDate.parse("2026-11-20")).orElseThrow().billedUsd()).isEqualTo(30.0);
        assertThat(group("team=nlp").dayOf(LocalDate.parse("2026-11-20")).orElseThrow().billedUsd()).isEqualTo(31.0);

        // Not instance usage, or unreadable: skipped and counted, never a crash.
        costs.pipeInput("vol", new CostLineItem(1, "v1", "arn:aws:ec2:us-east-1:" + ACCOUNT + ":volume/vol-1", ACCOUNT,
                REGION, "2026-11", Instant.parse("2026-11-20T01:00:00Z"), 2.0, 2.0, "USD", List.of("USE1-EBS:VolumeUsage.gp3"),
                "", "on-demand", "AmazonEC2", Map.of("team", "ml"), "cur2"));
        costs.pipeInput("bad", new CostLineItem(1, null, arn("i-1"), ACCOUNT, REGION, "2026-11", null, 1.0, 1.0, "USD",
                List.of("BoxUsage:m5.large"), "", "", "", null, "cur2"));
        assertThat(meters.counter(SpendMetrics.SKIPPED, "reason", "not-instance-usage").count()).isEqualTo(1);
        assertThat(meters.counter(SpendMetrics.SKIPPED, "reason", "malformed-cost-item").count()).isEqualTo(1);
        assertThat(group("team=ml").dayOf(LocalDate.parse("2026-11-20")).orElseThrow().billedUsd()).isEqualTo(30.0);

        // The gauge: ml's 20 November, the only complete day billed for team: (65.54 - 30) / 30; nlp: (0 - 31) / 31.
        double ratio = meters.get(SpendMetrics.ERROR_RATIO).tag("dimension", "team").gauge().value();
        assertThat(ratio).isCloseTo((2 * P4D - 30 - 31) / 61, within(1e-9));
        assertThat(meters.get(SpendMetrics.ERROR_USD).tag("dimension", "account").gauge().value())
                .isCloseTo(2 * P4D - 61, within(1e-9));
    }

    @Test
    void billedDaysOlderThanTheReconciledWindowAreSkippedAndCounted() throws Exception {
        start(GPU_RATE, WALL);
        send(p4d("i-1", "ml", T0));
        costs.pipeInput(arn("i-1"), billed("old", "i-1", "2026-09-01T00:00:00Z", 9.0, Map.of("team", "ml"),
                "BoxUsage:p4d.24xlarge"));
        assertThat(group("team=ml").days()).extracting(GroupSpend.DaySpend::day).doesNotContain(LocalDate.parse("2026-09-01"));
        assertThat(meters.counter(SpendMetrics.SKIPPED, "reason", "billed-day-outside-window").count()).isEqualTo(4);
    }

    @Test
    void aPolicyReloadThatGroupsByANewTagRegroupsRunningResourcesWithinASecond() throws Exception {
        start(GPU_RATE, WALL);
        send(launch("i-1", "p4d.24xlarge", 8, Map.of("team", "ml", "cost-center", "cc-7"), T0.toString()));
        send(launch("i-2", "p4d.24xlarge", 8, Map.of("team", "ml", "cost-center", "cc-7"), T0.toString()));
        findings.readValuesToList();
        assertThat(group("cost-center=cc-7")).isNull();

        policies.set(PolicyFile.parse("policies.yaml", """
                policies:
                  - name: cc-rate
                    resource: ec2-instance
                    detect:
                      spend-rate:
                        group-by: cost-center
                        above: 60
                    scope:
                      groups: ["cc-*"]
                """));
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(group("cost-center=cc-7").resources()).containsOnlyKeys(arn("i-1"), arn("i-2"));
        List<Finding> out = findings.readValuesToList();
        assertThat(out).filteredOn(f -> f.state() == FindingState.OPEN).extracting(Finding::group)
                .containsExactly("cost-center=cc-7");
    }

    @Test
    void aReloadThatLowersTheLimitIsJudgedWithinASecondWithoutAnEvent() throws Exception {
        start(GPU_RATE, WALL);
        send(p4d("i-1", "ml", T0));
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(findings.readValuesToList()).isEmpty();

        policies.set(PolicyFile.parse("policies.yaml", GPU_RATE.replace("above: 50", "above: 30")));
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        List<Finding> out = findings.readValuesToList();
        assertThat(out).extracting(Finding::state).containsExactly(FindingState.OPEN, FindingState.ACTED);
        assertThat(out.get(0).figures()).containsEntry("limit", 30.0);
    }

    @Test
    void anHourBoundaryAloneCanEndABreachWithoutAnyEvent() throws Exception {
        start("""
                policies:
                  - name: ml-burn
                    resource: ec2-instance
                    detect:
                      burn-rate:
                        group-by: team
                        factor: 2
                        minimum: 1
                        min-days: 1
                """, Instant.parse("2026-11-19T09:30:00Z"));
        // Yesterday 09:00-10:00 quiet, 10:00-11:00 busy ($32.87/h); today at 09:30 the same p4d is an anomaly
        // for 09:00, but not any more once 10:00 (whose median is $32.87) begins.
        Instant yesterday = Instant.parse("2026-11-18T09:00:00Z");
        send(launch("i-steady", "m5.large", 0, Map.of("team", "ml"), yesterday.toString()));
        send(p4d("i-big", "ml", yesterday.plus(Duration.ofHours(1))));
        send(stopped("i-big", yesterday.plus(Duration.ofHours(2))));
        send(event("StartInstances", Verb.START, "i-big", "", 0, Map.of(), yesterday.plus(Duration.ofMinutes(24 * 60 + 30)).toString()));
        assertThat(findings.readValuesToList()).extracting(Finding::state)
                .containsExactly(FindingState.OPEN, FindingState.ACTED);

        driver.advanceWallClockTime(Duration.ofMinutes(30));
        List<Finding> out = findings.readValuesToList();
        assertThat(out).extracting(Finding::state).containsExactly(FindingState.RESOLVED);
        assertThat(out.get(0).stateReason()).startsWith("team=ml spends $32.87/h, no longer above 2 x the 7-day median of"
                + " $32.87/h for 10:00 UTC");
    }

    @Test
    void aGroupOutOfThePolicysScopeIsNotJudged() throws Exception {
        start("""
                policies:
                  - name: ml-rate
                    resource: ec2-instance
                    detect:
                      spend-rate:
                        group-by: team
                        above: 10
                    scope:
                      groups: ["ml-*"]
                """, WALL);
        send(p4d("i-1", "vision", T0));
        send(p4d("i-2", "ml-research", T0));
        assertThat(findings.readValuesToList()).filteredOn(f -> f.state() == FindingState.OPEN)
                .extracting(Finding::group).containsExactly("team=ml-research");
    }
}
