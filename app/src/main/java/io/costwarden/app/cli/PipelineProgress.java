package io.costwarden.app.cli;

import io.costwarden.model.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether the pipeline has finished with everything written so far: each Kafka Streams application has
 * committed past the end of every topic it reads. Under exactly-once a commit covers the outputs too,
 * so once the streams application is caught up its findings and action requests are all written;
 * checking the stages in order (streams, then actions) therefore means everything is processed.
 */
final class PipelineProgress {
    record Stage(String groupId, List<String> topics) {
    }

    private final Admin admin;

    PipelineProgress(Admin admin) {
        this.admin = admin;
    }

    /** Blocks until every stage has no lag, in order; false if that did not happen within the timeout. */
    boolean awaitIdle(List<Stage> stages, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean idle = true;
            for (Stage s : stages) {
                if (lag(s) > 0) {
                    idle = false;
                    break;
                }
            }
            if (idle) {
                return true;
            }
            // Polling the admin API: there is no push notification for "consumer group caught up".
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return false;
    }

    /**
     * Records not yet committed by the stage's group: over its required topics and every partition its
     * members are assigned (which covers internal repartition topics and optional inputs such as costs,
     * whatever the topology reads today).
     */
    long lag(Stage s) throws Exception {
        var group = admin.describeConsumerGroups(List.of(s.groupId())).all().get(10, TimeUnit.SECONDS).get(s.groupId());
        java.util.Set<String> topics = new java.util.HashSet<>(s.topics());
        group.members().forEach(m -> m.assignment().topicPartitions().forEach(tp -> topics.add(tp.topic())));
        Map<TopicPartition, Long> ends = endOffsets(List.copyOf(topics));
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(s.groupId())
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        long lag = 0;
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += Math.max(0, e.getValue() - (c == null ? 0 : c.offset()));
        }
        return lag;
    }

    Map<TopicPartition, Long> endOffsets(List<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (var d : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
            d.partitions().forEach(p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
        }
        return admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    static List<Stage> stages(String streamsApplicationId, String actionsApplicationId) {
        return List.of(new Stage(streamsApplicationId, List.of(Topics.EVENTS.name(), Topics.METRICS.name())),
                new Stage(actionsApplicationId, List.of(Topics.ACTIONS.name())));
    }
}
