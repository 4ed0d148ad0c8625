package io.costwarden.app.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.app.roles.RecentActivity;
import io.costwarden.app.roles.IngestRole;
import io.costwarden.ingest.IngestReport;
import io.costwarden.ingest.firehose.MetricStreamIngest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Finding;
import io.costwarden.model.Json;
import io.costwarden.model.Topics;
import io.quarkus.runtime.Quarkus;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * {@code costwarden demo}: replays the bundled scenario (real public CloudTrail samples plus labelled
 * synthetic GPU launches) or the given files into the embedded broker, with every role running and
 * actions forced to dry-run. With {@code --once} it waits until the pipeline has processed everything,
 * prints a JSON report and exits.
 */
@ApplicationScoped
public class Demo {
    static final String SCENARIO = "demo/scenario/";
    private static final Logger LOG = Logger.getLogger(Demo.class);

    private final IngestRole ingest;
    private final KafkaCluster kafka;
    private final RecentActivity recent;
    private final CostwardenConfig config;

    public Demo(IngestRole ingest, KafkaCluster kafka, RecentActivity recent, CostwardenConfig config) {
        this.ingest = ingest;
        this.kafka = kafka;
        this.recent = recent;
        this.config = config;
    }

    record Input(String name, byte[] bytes) {
    }

    int run(String[] args, PrintStream out) throws Exception {
        boolean once = false;
        Duration timeout = Duration.ofSeconds(120);
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--once" -> once = true;
                case "--policies" -> i++;
                case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--replay" -> {
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        files.add(args[++i]);
                    }
                }
                default -> {
                    System.err.print("unknown demo option '" + args[i] + "'\n\n" + CostwardenMain.USAGE);
                    return 64;
                }
            }
        }
        List<Input> inputs = files.isEmpty() ? bundledScenario() : read(files);
        ObjectNode replayed = Json.mapper().createObjectNode();
        Map<String, Integer> byVerb = new TreeMap<>();
        Map<String, Integer> skipped = new TreeMap<>();
        List<String> errors = new ArrayList<>();
        int records = 0;
        int accepted = 0;
        int rejected = 0;
        int samples = 0;
        for (Input in : inputs) {
            if (in.name().endsWith(".firehose.json")) {
                // A recorded Firehose delivery of metric-stream datapoints, as /ingest/firehose receives it.
                MetricStreamIngest.Report m = ingest.metricStreams().ingest(in.bytes());
                samples += m.samples();
                m.errors().forEach(e -> errors.add(in.name() + ": " + e));
                rejected += m.errors().size();
                continue;
            }
            IngestReport r = ingest.cloudTrail().ingest("file:" + in.name(), in.bytes());
            records += r.records();
            accepted += r.accepted();
            rejected += r.rejected();
            r.byVerb().forEach((k, v) -> byVerb.merge(k, v, Integer::sum));
            r.skipped().forEach((k, v) -> skipped.merge(k, v, Integer::sum));
            r.errors().forEach(e -> errors.add(in.name() + ": " + e));
        }
        replayed.put("files", inputs.size()).put("records", records).put("accepted", accepted)
                .put("metricSamples", samples).put("rejected", rejected);
        replayed.set("byVerb", Json.mapper().valueToTree(byVerb));
        replayed.set("skipped", Json.mapper().valueToTree(skipped));
        replayed.set("errors", Json.mapper().valueToTree(errors));
        String api = "http://localhost:" + ConfigProvider.getConfig().getValue("quarkus.http.port", Integer.class);
        if (!once) {
            LOG.infof("demo scenario replayed: %d events accepted from %d files", accepted, inputs.size());
            System.err.println("Costwarden demo is running. API: " + api + "/api/findings, " + api
                    + "/api/actions, " + api + "/api/resources; metrics " + api + "/q/metrics. Ctrl-C stops it.");
            Quarkus.waitForExit();
            return 0;
        }
        if (!awaitProcessed(timeout)) {
            System.err.println("demo: the pipeline did not finish within " + timeout.toSeconds()
                    + " s (raise --timeout); no report");
            return 1;
        }
        out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report(replayed, api)));
        return 0;
    }

    private boolean awaitProcessed(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(kafka.clientSettings())) {
            PipelineProgress progress = new PipelineProgress(admin);
            if (!progress.awaitIdle(PipelineProgress.stages(config.streams().applicationId(),
                    config.actions().applicationId()), timeout)) {
                return false;
            }
            Map<TopicPartition, Long> ends = progress.endOffsets(List.of(Topics.FINDINGS.name(),
                    Topics.ACTION_RESULTS.name()));
            while (!recent.caughtUpTo(ends)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            return true;
        }
    }

    private ObjectNode report(ObjectNode replayed, String api) {
        ObjectNode report = Json.mapper().createObjectNode();
        report.set("events", replayed);
        List<Finding> findings = recent.findings();
        ObjectNode f = report.putObject("findings");
        f.put("total", findings.size());
        Map<String, Integer> byPolicy = new TreeMap<>();
        findings.forEach(x -> byPolicy.merge(x.policy(), 1, Integer::sum));
        f.set("byPolicy", Json.mapper().valueToTree(byPolicy));
        ArrayNode items = f.putArray("items");
        for (Finding x : findings) {
            items.addObject().put("id", x.id()).put("policy", x.policy()).put("detector", x.detector())
                    .put("state", x.state().word()).put("resource", x.resourceId().isEmpty() ? x.group() : x.resourceId())
                    .put("instanceType", x.instanceType()).put("gpus", x.gpuCount()).put("launchedBy", x.launchedBy())
                    .put("reason", x.reason()).put("action", x.action().word()).put("mode", x.mode().word());
        }
        List<ActionResult> results = recent.results();
        ObjectNode a = report.putObject("actions");
        a.put("total", results.size());
        Map<String, Integer> byOutcome = new TreeMap<>();
        results.forEach(x -> byOutcome.merge(x.outcome().name(), 1, Integer::sum));
        a.set("byOutcome", Json.mapper().valueToTree(byOutcome));
        Map<String, Integer> byAction = new TreeMap<>();
        results.forEach(x -> byAction.merge(x.action().word(), 1, Integer::sum));
        a.set("byAction", Json.mapper().valueToTree(byAction));
        ArrayNode actionItems = a.putArray("items");
        for (ActionResult x : results) {
            ObjectNode item = actionItems.addObject().put("actionId", x.actionId()).put("findingId", x.findingId())
                    .put("action", x.action().word()).put("outcome", x.outcome().name()).put("resource", x.resourceId())
                    .put("message", x.message());
            item.set("request", Json.mapper().valueToTree(x.request()));
            // Every change a dry-run would send, in order: a downscale is a stop, a type change and a start.
            ArrayNode calls = item.putArray("requests");
            x.requests().forEach(w -> calls.addObject().put("operation", w.operation()).put("body", w.body()));
        }
        report.put("api", api);
        return report;
    }

    private static List<Input> bundledScenario() throws IOException {
        List<Input> inputs = new ArrayList<>();
        for (String name : resource(SCENARIO + "index.txt").lines().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
            inputs.add(new Input(name, resourceBytes(SCENARIO + name)));
        }
        return inputs;
    }

    private static List<Input> read(List<String> files) throws IOException {
        List<Input> inputs = new ArrayList<>();
        for (String f : files) {
            inputs.add(new Input(Path.of(f).getFileName().toString(), Files.readAllBytes(Path.of(f))));
        }
        return inputs;
    }

    private static String resource(String name) throws IOException {
        return new String(resourceBytes(name), StandardCharsets.UTF_8);
    }

    private static byte[] resourceBytes(String name) throws IOException {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("bundled " + name + " is missing from the application");
            }
            return in.readAllBytes();
        }
    }
}
