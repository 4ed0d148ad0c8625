package io.costwarden.actions.aws;

import io.costwarden.model.WireRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Records each request exactly as the SDK is about to put it on the wire. On a dry-run client it then
 * stops the call with {@link Captured}, so nothing leaves the process; on a live client it only
 * records, so the audit trail shows the request that was really sent.
 *
 * <p>Sync SDK clients run interceptors on the calling thread, which makes a thread-local the simplest
 * way to hand the request back to the caller.
 */
public final class WireCapture implements ExecutionInterceptor {
    private static final ThreadLocal<WireRequest> LAST = new ThreadLocal<>();

    private final boolean stopBeforeSending;

    public WireCapture(boolean stopBeforeSending) {
        this.stopBeforeSending = stopBeforeSending;
    }

    /** Thrown on dry-run clients in place of sending; carries the request that would have been sent. */
    public static final class Captured extends RuntimeException {
        private final WireRequest request;

        Captured(WireRequest request) {
            super("dry-run: " + request.operation() + " not sent", null, false, false);
            this.request = request;
        }

        public WireRequest request() {
            return request;
        }
    }

    /** The request captured on this thread by the last call, and forgets it. */
    public static Optional<WireRequest> takeLast() {
        WireRequest r = LAST.get();
        LAST.remove();
        return Optional.ofNullable(r);
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        SdkHttpRequest http = context.httpRequest();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h : new String[] {"Content-Type", "X-Amz-Target"}) {
            http.firstMatchingHeader(h).ifPresent(v -> headers.put(h, v));
        }
        WireRequest request = new WireRequest(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME),
                attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), http.method().name(),
                http.getUri().toString(), headers, body(http, context.requestBody()));
        LAST.set(request);
        if (stopBeforeSending) {
            throw new Captured(request);
        }
    }

    /** Signed requests carry their payload on the HTTP request itself; unsigned ones in the request body. */
    private static String body(SdkHttpRequest http, Optional<RequestBody> body) {
        ContentStreamProvider content = body.map(RequestBody::contentStreamProvider).orElse(null);
        if (content == null && http instanceof SdkHttpFullRequest full) {
            content = full.contentStreamProvider().orElse(null);
        }
        if (content == null) {
            return "";
        }
        try (InputStream in = content.newStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
