package io.costwarden.actions.alerts;

import io.costwarden.model.DeadLetter;
import io.costwarden.model.Ids;
import io.costwarden.model.Json;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one message to one target: rate limit, then attempts with backoff, then the dead-letter topic.
 *
 * <ul>
 *   <li><b>Retries.</b> 429, 408, 5xx and I/O errors (refused, reset, timed out) are retried up to
 *       {@code maxAttempts} in all, waiting {@code initialBackoff} doubled each time up to {@code maxBackoff},
 *       each wait jittered to between half and all of it so that instances do not retry in step. A
 *       {@code Retry-After} header (seconds or HTTP date) replaces the backoff; one asking for longer than
 *       {@code maxBackoff} is honoured by not retrying: the message is dead-lettered and the channel is
 *       left alone until then. Any other status (400, 403, 404, 410, 3xx) is not retried: the same request
 *       would fail the same way.</li>
 *   <li><b>Dead letters.</b> A message that is not delivered goes to {@code costwarden.dlq.v1} with reason
 *       {@code alert-delivery: channel <name>, <status> ...} and the event as JSON (never the body or URL,
 *       which may carry the channel's secret).</li>
 *   <li><b>A dead channel does not stall the others.</b> After a channel used up its attempts on a
 *       retryable failure, its messages for {@code downPause} are dead-lettered without an attempt.</li>
 *   <li><b>Rate limit, never a flood.</b> Each channel has a token bucket ({@link RateLimit}); owner
 *       overrides through one Slack webhook share it. A message that finds the bucket empty is not sent
 *       and not queued: it is counted, and when the bucket has a token again one summary message says how
 *       many of which kinds were held back. Queuing would only move the flood to later, when it is even
 *       less useful; the findings themselves stay in the API.</li>
 * </ul>
 * Not thread-safe: one consumer loop owns it.
 */
public final class AlertDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(AlertDelivery.class);
    /** How much of a refusal's body goes into the dead letter's reason: Slack's and PagerDuty's errors are short. */
    private static final int RESPONSE_SNIPPET = 200;

    public enum Result { DELIVERED, DEAD_LETTERED, SUPPRESSED, NOT_FOR_CHANNEL }

    /** Waits between attempts; tests record the waits instead of sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        /**
         * The backoff between retries really waits: the alerts thread has nothing else to do for this
         * message, its offsets must not move past it, and the wait is bounded by the retry policy.
         */
        Sleeper THREAD = d -> Thread.sleep(d.toMillis());
    }

    /** Writes a dead letter and returns once it is durable; throws when it could not be written. */
    @FunctionalInterface
    public interface DeadLetters {
        void write(String key, DeadLetter letter);
    }

    /**
     * @param maxAttempts    attempts per message, the first included
     * @param requestTimeout one attempt's limit, from sending to the end of the response
     * @param downPause      how long a channel that used up its attempts is not tried
     */
    public record Settings(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration requestTimeout,
            Duration downPause) {
        public Settings {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("costwarden.alerts.max-attempts must be at least 1, was " + maxAttempts);
            }
            for (var d : Map.of("initial-backoff", initialBackoff, "max-backoff", maxBackoff, "request-timeout",
                    requestTimeout, "down-pause", downPause).entrySet()) {
                if (d.getValue().isNegative() || d.getValue().isZero()) {
                    throw new IllegalArgumentException("costwarden.alerts." + d.getKey() + " must be positive, was " + d.getValue());
                }
            }
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("costwarden.alerts.max-backoff (" + maxBackoff
                        + ") must not be below initial-backoff (" + initialBackoff + ")");
            }
        }
    }

    private final HttpClient http;
    private final AlertLinks links;
    private final Settings settings;
    private final DeadLetters deadLetters;
    private final Sleeper sleeper;
    private final Clock clock;
    private final Random random;
    private final MeterRegistry meters;
    private final Map<String, ChannelState> states = new HashMap<>();

    public AlertDelivery(HttpClient http, AlertLinks links, Settings settings, DeadLetters deadLetters, Sleeper sleeper,
            Clock clock, Random random, MeterRegistry meters) {
        this.http = http;
        this.links = links;
        this.settings = settings;
        this.deadLetters = deadLetters;
        this.sleeper = sleeper;
        this.clock = clock;
        this.random = random;
        this.meters = meters;
    }

    /** An HTTP client fit for alerts: HTTP/1.1 (what every webhook receiver speaks), no redirects followed. */
    public static HttpClient httpClient(Duration connectTimeout) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public Result send(AlertEvent event, AlertTarget target) throws InterruptedException {
        AlertChannel channel = target.channel();
        if (!channel.hears(event.kind())) {
            return Result.NOT_FOR_CHANNEL;
        }
        Optional<String> body = channel.body(event, links, target.override());
        if (body.isEmpty()) {
            return Result.NOT_FOR_CHANNEL;
        }
        flushSummary(channel);
        AlertMessage message = new AlertMessage(event.id(), event.kind().word(), body.get(), record(event));
        ChannelState state = state(channel);
        Instant now = clock.instant();
        if (state.downUntil.isAfter(now)) {
            return count(channel, event.kind().word(), deadLetter(channel, target, message,
                    "not attempted: " + state.downReason + "; the channel is paused until " + state.downUntil, 0));
        }
        if (!state.take(channel.rateLimit(), now)) {
            state.hold(event, now);
            LOG.debug("alert {} to channel {} held back by its rate limit", event.id(), channel.name());
            return count(channel, event.kind().word(), Result.SUPPRESSED);
        }
        return count(channel, event.kind().word(), attempt(channel, target, message));
    }

    /** Sends each channel's summary of held-back messages once its rate limit allows one. */
    public void flushSummaries() throws InterruptedException {
        for (ChannelState s : new ArrayList<>(states.values())) {
            flushSummary(s.channel);
        }
    }

    private void flushSummary(AlertChannel channel) throws InterruptedException {
        ChannelState state = state(channel);
        Instant now = clock.instant();
        if (state.held == 0 || state.downUntil.isAfter(now) || !state.take(channel.rateLimit(), now)) {
            return;
        }
        Suppressed s = state.summary(channel.name());
        state.resetHeld();
        String record;
        try {
            record = Json.mapper().writeValueAsString(s);
        } catch (IOException e) {
            record = "{\"count\":" + s.count() + "}";
        }
        AlertMessage message = new AlertMessage(s.id(), "suppressed", channel.summaryBody(s, links), record);
        count(channel, "suppressed", attempt(channel, new AlertTarget(channel, ""), message));
    }

    private Result attempt(AlertChannel channel, AlertTarget target, AlertMessage message) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            Attempt a = post(channel, message, attempt);
            if (a.delivered()) {
                LOG.debug("alert {} delivered to channel {} (attempt {})", message.id(), target.key(), attempt);
                return Result.DELIVERED;
            }
            if (!a.retryable()) {
                return deadLetter(channel, target, message, a.what() + ", not retried", attempt);
            }
            if (attempt >= settings.maxAttempts()) {
                pause(channel, clock.instant().plus(settings.downPause()), a.what() + " after " + attempt + " attempts");
                return deadLetter(channel, target, message, a.what() + " after " + attempt + " attempts", attempt);
            }
            int failed = attempt;
            Duration wait = a.retryAfter().orElseGet(() -> backoff(settings, failed, random));
            if (wait.compareTo(settings.maxBackoff()) > 0) {
                // Honour the receiver: do not come back before it said, and do not hold every other channel that long.
                pause(channel, clock.instant().plus(wait), a.what() + " asking to retry after " + wait.toSeconds() + " s");
                return deadLetter(channel, target, message, a.what() + " asking to retry after " + wait.toSeconds()
                        + " s, more than max-backoff " + settings.maxBackoff().toSeconds() + " s", attempt);
            }
            meters.counter("costwarden.alerts.retries", "channel", channel.name()).increment();
            sleeper.sleep(wait);
        }
    }

    /** The wait before attempt {@code attempt + 1}: doubling from the initial backoff, capped, jittered to [half, all]. */
    static Duration backoff(Settings s, int attempt, Random random) {
        long initial = s.initialBackoff().toMillis();
        long cap = s.maxBackoff().toMillis();
        long full = initial;
        for (int i = 1; i < attempt && full < cap; i++) {
            full *= 2;
        }
        full = Math.min(full, cap);
        long half = full / 2;
        return Duration.ofMillis(half + (long) (random.nextDouble() * (full - half)));
    }

    private record Attempt(boolean delivered, boolean retryable, String what, Optional<Duration> retryAfter) {
    }

    private Attempt post(AlertChannel channel, AlertMessage message, int attempt) throws InterruptedException {
        HttpRequest request;
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(channel.url()).timeout(settings.requestTimeout())
                    .POST(HttpRequest.BodyPublishers.ofString(message.body(), StandardCharsets.UTF_8));
            channel.headers(message, clock.instant(), attempt).forEach(b::header);
            request = b.build();
        } catch (IllegalArgumentException e) {
            return new Attempt(false, false, "request could not be built (" + e.getClass().getSimpleName() + ")", Optional.empty());
        }
        // The whole exchange, body included, is bounded: HttpRequest.timeout stops at the headers, and a
        // receiver that trickles its body must not hold every other channel.
        CompletableFuture<HttpResponse<String>> call = http.sendAsync(request, info -> HttpResponse.BodySubscribers
                .fromSubscriber(new Snippet(), Snippet::text));
        try {
            HttpResponse<String> r = call.get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            int status = r.statusCode();
            if (status >= 200 && status < 300) {
                return new Attempt(true, false, "HTTP " + status, Optional.empty());
            }
            boolean retryable = status == 429 || status == 408 || status >= 500;
            String what = "HTTP " + status + (r.body().isEmpty() ? "" : " (" + r.body() + ")");
            return new Attempt(false, retryable, what,
                    retryable ? r.headers().firstValue("Retry-After").flatMap(v -> retryAfter(v, clock.instant()))
                            : Optional.empty());
        } catch (TimeoutException e) {
            call.cancel(true);
            return new Attempt(false, true, "HttpTimeoutException", Optional.empty());
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            // The cause's message can name the host and port; its class says enough and leaks nothing.
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new Attempt(false, cause instanceof IOException, cause.getClass().getSimpleName(), Optional.empty());
        }
    }

    /** Keeps the first {@link #RESPONSE_SNIPPET} bytes of a response body, on one line, and discards the rest. */
    private static final class Snippet implements Flow.Subscriber<List<ByteBuffer>> {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                while (b.hasRemaining() && kept.size() < RESPONSE_SNIPPET) {
                    kept.write(b.get());
                }
                b.position(b.limit());
            }
        }

        @Override
        public void onError(Throwable throwable) {
        }

        @Override
        public void onComplete() {
        }

        String text() {
            return kept.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        }
    }

    /** {@code Retry-After} as seconds or as an HTTP date; unreadable or negative values are ignored. */
    static Optional<Duration> retryAfter(String value, Instant now) {
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(now, at);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException e2) {
                return Optional.empty();
            }
        }
    }

    private void pause(AlertChannel channel, Instant until, String why) {
        ChannelState s = state(channel);
        if (until.isAfter(s.downUntil)) {
            s.downUntil = until;
            s.downReason = why;
        }
        LOG.warn("alert channel {} paused until {}: {}", channel.name(), until, why);
    }

    private Result deadLetter(AlertChannel channel, AlertTarget target, AlertMessage message, String what, int attempts) {
        String reason = "alert-delivery: channel " + channel.name() + " (" + channel.type() + "), " + what;
        String raw = message.record();
        boolean truncated = raw.length() > DeadLetter.RAW_LIMIT;
        DeadLetter letter = new DeadLetter(DeadLetter.SCHEMA_VERSION, "alerts:" + target.key(), "event " + message.id(),
                reason, truncated ? raw.substring(0, DeadLetter.RAW_LIMIT) : raw, raw.length(), truncated, clock.instant());
        deadLetters.write("alerts:" + channel.name(), letter);
        meters.counter("costwarden.dlq", "reason", "alert-delivery").increment();
        LOG.warn("alert {} ({}) to channel {} dead-lettered after {} attempt(s): {}", message.id(), message.type(),
                target.key(), attempts, what);
        return Result.DEAD_LETTERED;
    }

    private Result count(AlertChannel channel, String type, Result r) {
        meters.counter("costwarden.alerts", "channel", channel.name(), "type", type,
                "result", r.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).increment();
        return r;
    }

    private static String record(AlertEvent e) {
        try {
            return Json.mapper().writeValueAsString(e);
        } catch (IOException ex) {
            return "{\"id\":\"" + e.id() + "\"}";
        }
    }

    private ChannelState state(AlertChannel channel) {
        return states.computeIfAbsent(channel.name(), n -> new ChannelState(channel, clock.instant()));
    }

    /** A channel's token bucket, its held-back count and its pause. */
    private static final class ChannelState {
        final AlertChannel channel;
        double tokens;
        Instant refilled;
        Instant downUntil = Instant.MIN;
        String downReason = "";
        int held;
        final Map<AlertKind, Integer> heldKinds = new EnumMap<>(AlertKind.class);
        final Set<String> heldPolicies = new LinkedHashSet<>();
        Instant heldSince = Instant.MIN;
        Instant heldUntil = Instant.MIN;

        ChannelState(AlertChannel channel, Instant now) {
            this.channel = channel;
            this.tokens = channel.rateLimit().burst();
            this.refilled = now;
        }

        boolean take(RateLimit limit, Instant now) {
            if (now.isAfter(refilled)) {
                double gained = Duration.between(refilled, now).toNanos() / 60e9 * limit.perMinute();
                tokens = Math.min(limit.burst(), tokens + gained);
                refilled = now;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }

        void hold(AlertEvent e, Instant now) {
            if (held == 0) {
                heldSince = now;
            }
            held++;
            heldUntil = now;
            heldKinds.merge(e.kind(), 1, Integer::sum);
            if (heldPolicies.size() < Suppressed.POLICY_NAMES) {
                heldPolicies.add(e.policy());
            }
        }

        Suppressed summary(String name) {
            return new Suppressed(Ids.hash("suppressed", name, heldSince.toString()), name, held, heldKinds,
                    new ArrayList<>(heldPolicies), heldSince, heldUntil);
        }

        void resetHeld() {
            held = 0;
            heldKinds.clear();
            heldPolicies.clear();
        }
    }
}
