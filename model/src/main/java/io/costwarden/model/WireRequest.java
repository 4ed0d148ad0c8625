package io.costwarden.model;

import java.util.Map;

/**
 * An AWS API request exactly as the SDK puts it on the wire (before signing), so an operator can see
 * what a dry-run would have sent: {@code Action=StopInstances&Version=2016-11-15&InstanceId.1=i-...}.
 *
 * @param headers only the headers that carry meaning (Content-Type, X-Amz-Target), never credentials
 */
public record WireRequest(String service, String operation, String method, String url, Map<String, String> headers,
        String body) {

    public WireRequest {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        body = body == null ? "" : body;
    }
}
