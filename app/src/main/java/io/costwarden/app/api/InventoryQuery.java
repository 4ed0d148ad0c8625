package io.costwarden.app.api;

import com.fasterxml.jackson.core.type.TypeReference;
import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.auth.ApiAuth;
import io.costwarden.app.roles.StreamsRole;
import io.costwarden.model.Json;
import io.costwarden.model.Resource;
import io.costwarden.streams.inventory.InventoryTopology;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries on the inventory store. When the store is spread over several instances, a key
 * is answered by the instance that owns it (found with {@code queryMetadataForKey}) and a listing asks
 * every instance for its local part. Instances find each other through
 * {@code costwarden.streams.advertised-address}; without it every query is local.
 */
@ApplicationScoped
public class InventoryQuery {
    private static final TypeReference<List<Resource>> RESOURCES = new TypeReference<>() {
    };

    private final StreamsRole role;
    private final ApiAuth auth;
    private final Optional<HostInfo> self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public InventoryQuery(StreamsRole role, CostwardenConfig config, ApiAuth auth) {
        this.role = role;
        this.auth = auth;
        this.self = config.streams().advertisedAddress().map(HostInfo::buildFromEndpoint);
    }

    public Optional<Resource> get(String id, boolean localOnly) {
        return duringRebalanceUnavailable(() -> lookup(id, localOnly));
    }

    public List<Resource> all(boolean localOnly) {
        return duringRebalanceUnavailable(() -> list(localOnly));
    }

    /** A rebalance can start between any two calls; what Streams throws then (including "not started") means retry. */
    private static <T> T duringRebalanceUnavailable(java.util.function.Supplier<T> query) {
        try {
            return query.get();
        } catch (InvalidStateStoreException e) {
            throw ApiProblem.unavailable("the inventory is moving between instances; retry: " + e.getMessage());
        }
    }

    private Optional<Resource> lookup(String id, boolean localOnly) {
        KafkaStreams streams = running();
        if (!localOnly && self.isPresent()) {
            KeyQueryMetadata md = streams.queryMetadataForKey(InventoryTopology.STORE, id, Serdes.String().serializer());
            if (md != null && md != KeyQueryMetadata.NOT_AVAILABLE && !md.activeHost().equals(self.get())) {
                return remoteGet(md.activeHost(), id);
            }
        }
        return Optional.ofNullable(store(streams).get(id));
    }

    private List<Resource> list(boolean localOnly) {
        KafkaStreams streams = running();
        List<Resource> out = new ArrayList<>();
        try (KeyValueIterator<String, Resource> it = store(streams).all()) {
            it.forEachRemaining(kv -> out.add(kv.value));
        }
        if (!localOnly && self.isPresent()) {
            for (StreamsMetadata md : streams.streamsMetadataForStore(InventoryTopology.STORE)) {
                if (!md.hostInfo().equals(self.get())) {
                    out.addAll(remoteAll(md.hostInfo()));
                }
            }
        }
        return out;
    }

    private KafkaStreams running() {
        KafkaStreams streams = role.streams()
                .orElseThrow(() -> ApiProblem.unavailable("the streams role is not enabled on this instance (costwarden.roles)"));
        // While rebalancing, the stores of tasks that stay put still answer; the others throw, and that is a 503.
        if (streams.state() != KafkaStreams.State.RUNNING && streams.state() != KafkaStreams.State.REBALANCING) {
            throw ApiProblem.unavailable("the inventory is not ready: Kafka Streams is " + streams.state());
        }
        return streams;
    }

    private static ReadOnlyKeyValueStore<String, Resource> store(KafkaStreams streams) {
        return streams.store(StoreQueryParameters.fromNameAndType(InventoryTopology.STORE, QueryableStoreTypes.keyValueStore()));
    }

    private Optional<Resource> remoteGet(HostInfo host, String id) {
        HttpResponse<String> r = call(host, "/api/resources/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "?local=true");
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.mapper().readValue(r.body(), Resource.class));
        } catch (IOException e) {
            throw ApiProblem.unavailable("instance " + host + " answered unreadably for " + id + ": " + e.getMessage());
        }
    }

    private List<Resource> remoteAll(HostInfo host) {
        HttpResponse<String> r = call(host, "/api/resources/local-part");
        try {
            return Json.mapper().readValue(r.body(), RESOURCES);
        } catch (IOException e) {
            throw ApiProblem.unavailable("instance " + host + " answered unreadably: " + e.getMessage());
        }
    }

    private HttpResponse<String> call(HostInfo host, String path) {
        try {
            HttpResponse<String> r = http.send(internal(HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + path)))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 && r.statusCode() != 404) {
                throw ApiProblem.unavailable("instance " + host + " answered " + r.statusCode() + " for " + path);
            }
            return r;
        } catch (IOException e) {
            throw ApiProblem.unavailable("instance " + host + " is unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiProblem.unavailable("interrupted while asking " + host);
        }
    }

    /** Another instance requires a token where this one does: the internal one, when configured. */
    private HttpRequest.Builder internal(HttpRequest.Builder b) {
        auth.internalAuthorization().ifPresent(h -> b.header("Authorization", h));
        return b;
    }
}
