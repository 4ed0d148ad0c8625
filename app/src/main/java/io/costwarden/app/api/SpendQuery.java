package io.costwarden.app.api;

import com.fasterxml.jackson.core.type.TypeReference;
import io.costwarden.app.CostwardenConfig;
import io.costwarden.app.auth.ApiAuth;
import io.costwarden.app.roles.StreamsRole;
import io.costwarden.model.Json;
import io.costwarden.streams.spend.Contribution;
import io.costwarden.streams.spend.GroupSpend;
import io.costwarden.streams.spend.SpendTopology;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
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
 * Interactive queries on the {@value SpendTopology#GROUPS} store, by group key or by dimension. Like the
 * inventory's: a key is answered by the instance that owns it and a dimension gathers every instance's
 * local part, when {@code costwarden.streams.advertised-address} says where the others are.
 */
@ApplicationScoped
public class SpendQuery {
    private static final TypeReference<List<GroupSpend>> GROUPS = new TypeReference<>() {
    };

    private final StreamsRole role;
    private final ApiAuth auth;
    private final Optional<HostInfo> self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public SpendQuery(StreamsRole role, CostwardenConfig config, ApiAuth auth) {
        this.role = role;
        this.auth = auth;
        this.self = config.streams().advertisedAddress().map(HostInfo::buildFromEndpoint);
    }

    public Optional<GroupSpend> group(String key, boolean localOnly) {
        return retryable(() -> lookup(key, localOnly));
    }

    /** Every group of the dimension. */
    public List<GroupSpend> dimension(String dimension, boolean localOnly) {
        return retryable(() -> list(dimension, localOnly));
    }

    private static <T> T retryable(java.util.function.Supplier<T> query) {
        try {
            return query.get();
        } catch (InvalidStateStoreException e) {
            throw ApiProblem.unavailable("spend is moving between instances; retry: " + e.getMessage());
        }
    }

    private Optional<GroupSpend> lookup(String key, boolean localOnly) {
        KafkaStreams streams = running();
        if (!localOnly && self.isPresent()) {
            KeyQueryMetadata md = streams.queryMetadataForKey(SpendTopology.GROUPS, key, Serdes.String().serializer());
            if (md != null && md != KeyQueryMetadata.NOT_AVAILABLE && !md.activeHost().equals(self.get())) {
                return remote(md.activeHost(), "group=" + URLEncoder.encode(key, StandardCharsets.UTF_8)).stream().findFirst();
            }
        }
        return Optional.ofNullable(store(streams).get(key)).map(g -> g.withMembers(members(streams, key)));
    }

    /** The group's running resources, from the members store beside it (same task, same instance). */
    private static Map<String, Contribution> members(KafkaStreams streams, String groupKey) {
        Map<String, Contribution> out = new LinkedHashMap<>();
        ReadOnlyKeyValueStore<String, Contribution> members = streams.store(StoreQueryParameters.fromNameAndType(
                SpendTopology.MEMBERS, QueryableStoreTypes.keyValueStore()));
        try (KeyValueIterator<String, Contribution> it = members.prefixScan(SpendTopology.member(groupKey, ""),
                new StringSerializer())) {
            it.forEachRemaining(kv -> out.put(kv.value.resourceId(), kv.value));
        }
        return out;
    }

    private List<GroupSpend> list(String dimension, boolean localOnly) {
        KafkaStreams streams = running();
        List<GroupSpend> out = new ArrayList<>();
        // A tag key may contain '=', so the prefix can also catch another dimension's groups: the dimension decides.
        try (KeyValueIterator<String, GroupSpend> it = store(streams).prefixScan(dimension + "=", new StringSerializer())) {
            it.forEachRemaining(kv -> {
                if (kv.value.dimension().equals(dimension)) {
                    out.add(kv.value);
                }
            });
        }
        if (!localOnly && self.isPresent()) {
            for (StreamsMetadata md : streams.streamsMetadataForStore(SpendTopology.GROUPS)) {
                if (!md.hostInfo().equals(self.get())) {
                    out.addAll(remote(md.hostInfo(), "groupBy=" + URLEncoder.encode(dimension, StandardCharsets.UTF_8)));
                }
            }
        }
        return out;
    }

    private KafkaStreams running() {
        KafkaStreams streams = role.streams()
                .orElseThrow(() -> ApiProblem.unavailable("the streams role is not enabled on this instance (costwarden.roles)"));
        if (streams.state() != KafkaStreams.State.RUNNING && streams.state() != KafkaStreams.State.REBALANCING) {
            throw ApiProblem.unavailable("spend is not ready: Kafka Streams is " + streams.state());
        }
        return streams;
    }

    private static ReadOnlyKeyValueStore<String, GroupSpend> store(KafkaStreams streams) {
        return streams.store(StoreQueryParameters.fromNameAndType(SpendTopology.GROUPS, QueryableStoreTypes.keyValueStore()));
    }

    /** Another instance's local part, as {@code /api/spend/local-part} answers it. */
    private List<GroupSpend> remote(HostInfo host, String query) {
        String path = "/api/spend/local-part?" + query;
        try {
            HttpResponse<String> r = http.send(internal(HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + path)))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw ApiProblem.unavailable("instance " + host + " answered " + r.statusCode() + " for " + path);
            }
            return Json.mapper().readValue(r.body(), GROUPS);
        } catch (IOException e) {
            throw ApiProblem.unavailable("instance " + host + " is unreachable or answered unreadably: " + e.getMessage());
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
