package io.costwarden.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.costwarden.app.roles.IngestRole;
import io.costwarden.ingest.IngestReport;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.billing.BillingImport;
import io.costwarden.model.Json;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * {@code costwarden replay FILE...} and {@code costwarden import-billing FILE...}: each file through the
 * same pipeline as HTTP ingest (or the billing importer). Prints one JSON
 * report per file. Exit 0 when everything was accepted or skipped, 2 when some records were rejected
 * (the rest were still ingested), 1 when a file could not be read or Kafka did not acknowledge.
 */
@ApplicationScoped
public class Replay {
    private final IngestRole ingest;

    public Replay(IngestRole ingest) {
        this.ingest = ingest;
    }

    int run(String[] files, PrintStream out) throws IOException {
        return run(files, out, false);
    }

    private int importBilling(String[] files, PrintStream out) throws IOException {
        ObjectNode line = Json.mapper().createObjectNode();
        line.set("files", Json.mapper().valueToTree(files));
        try {
            BillingImport billing = ingest.billing();
            var run = billing.export().accumulator();
            for (String file : files) {
                run.add(Files.readAllBytes(Path.of(file)));
            }
            BillingImport.Report report = billing.publish("files:" + String.join(",", files), run.result());
            line.set("report", Json.mapper().valueToTree(report));
            out.println(Json.mapper().writeValueAsString(line));
            return run.anyFileFailed() ? 1 : report.rejected() > 0 ? 2 : 0;
        } catch (NoSuchFileException e) {
            line.put("error", "no such file: " + e.getFile());
        } catch (KafkaPublisher.NotDurable | IllegalStateException e) {
            line.put("error", e.getMessage());
        }
        out.println(Json.mapper().writeValueAsString(line));
        return 1;
    }

    /**
     * {@code billing}: files are CUR or FOCUS exports for costwarden.costs.v1 instead of CloudTrail. They
     * are summed as one run, so the part files of one export add up rather than replace each other.
     */
    int run(String[] files, PrintStream out, boolean billing) throws IOException {
        if (files.length == 0) {
            System.err.print("this command needs at least one file\n\n" + CostwardenMain.USAGE);
            return 64;
        }
        if (billing) {
            return importBilling(files, out);
        }
        boolean failed = false;
        boolean rejected = false;
        for (String file : files) {
            ObjectNode line = Json.mapper().createObjectNode().put("file", file);
            try {
                IngestReport report = ingest.cloudTrail().ingest("file:" + Path.of(file).getFileName(),
                        Files.readAllBytes(Path.of(file)));
                line.set("report", Json.mapper().valueToTree(report));
                rejected |= report.rejected() > 0;
            } catch (NoSuchFileException e) {
                line.put("error", "no such file");
                failed = true;
            } catch (KafkaPublisher.NotDurable e) {
                line.put("error", e.getMessage());
                failed = true;
            } catch (IllegalStateException e) {
                line.put("error", e.getMessage());
                out.println(Json.mapper().writeValueAsString(line));
                return 1;
            }
            out.println(Json.mapper().writeValueAsString(line));
        }
        return failed ? 1 : rejected ? 2 : 0;
    }
}
