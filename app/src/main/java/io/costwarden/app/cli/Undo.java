package io.costwarden.app.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code costwarden undo ACTION_ID}: asks a running Costwarden to undo an action through its API
 * ({@code POST /api/actions/{id}/undo} with the admin key), so the request passes the same checks and
 * audit as any other, then prints the undo's result once the executor has recorded it.
 *
 * <p>Options: {@code --url} (default {@value #DEFAULT_URL}), {@code --api-key} (default the environment's
 * {@code COSTWARDEN_API_KEY}), {@code --by NAME} (recorded as who asked), {@code --wait SECONDS} (default
 * 60; 0 returns once the request is accepted). Exit 0 when the undo succeeded (or, without waiting, was
 * accepted), 1 when it was refused or failed, 2 when the result did not come in time, 64 for bad usage.
 */
public final class Undo {
    static final String DEFAULT_URL = "http://localhost:8080";

    private Undo() {
    }

    public static int run(String[] args, Function<String, String> env, PrintStream out, PrintStream err) {
        String url = DEFAULT_URL;
        String key = env.apply("COSTWARDEN_API_KEY");
        String by = System.getProperty("user.name", "cli");
        long waitSeconds = 60;
        String actionId = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--url" -> url = args[++i];
                    case "--api-key" -> key = args[++i];
                    case "--by" -> by = args[++i];
                    case "--wait" -> waitSeconds = Long.parseLong(args[++i]);
                    default -> {
                        if (args[i].startsWith("--") || actionId != null) {
                            err.print("undo: unexpected argument '" + args[i] + "'\n\n" + CostwardenMain.USAGE);
                            return 64;
                        }
                        actionId = args[i];
                    }
                }
            }
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            err.print("undo: an option is missing its value or has a wrong one\n\n" + CostwardenMain.USAGE);
            return 64;
        }
        if (actionId == null) {
            err.print("undo needs the id of the action to undo\n\n" + CostwardenMain.USAGE);
            return 64;
        }
        if (key == null || key.isBlank()) {
            err.println("undo: no admin key: pass --api-key or set COSTWARDEN_API_KEY (costwarden.api.admin-key of the app)");
            return 64;
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(base + "/api/actions/"
                            + encode(actionId) + "/undo?by=" + encode(by))).header("x-api-key", key)
                    .timeout(Duration.ofSeconds(40)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (accepted.statusCode() != 202) {
                err.println("undo refused (" + accepted.statusCode() + "): " + accepted.body());
                return 1;
            }
            out.println(accepted.body());
            if (waitSeconds == 0) {
                return 0;
            }
            String undoId = field(accepted.body(), "undoActionId");
            long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
            while (System.nanoTime() < deadline) {
                HttpResponse<String> result = http.send(HttpRequest.newBuilder(URI.create(base + "/api/actions/"
                        + encode(undoId))).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (result.statusCode() == 200) {
                    out.println(result.body());
                    return "SUCCEEDED".equals(field(result.body(), "outcome")) ? 0 : 1;
                }
                // The command has no push channel to wait on (the stream would need a session and carries every
                // event); a half-second pause keeps its polling to two small GETs a second for at most --wait.
                Thread.sleep(500);
            }
            err.println("undo " + undoId + " requested, but its result did not come within " + waitSeconds
                    + " s; see GET /api/actions/" + undoId);
            return 2;
        } catch (IOException e) {
            err.println("undo: cannot reach " + base + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String field(String json, String name) throws IOException {
        Object v = io.costwarden.model.Json.mapper().readValue(json, Map.class).get(name);
        if (v == null) {
            throw new IOException("the answer has no '" + name + "': " + json);
        }
        return v.toString();
    }
}
