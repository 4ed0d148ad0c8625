package io.costwarden.ingest;

import java.util.List;
import java.util.Map;

/**
 * What happened to one input, returned to whoever sent it.
 *
 * @param accepted events now durable in Kafka
 * @param byVerb   accepted events counted by verb
 * @param skipped  valid records that are not for us, by reason
 * @param rejected records (or whole inputs) sent to the dead-letter topic
 * @param errors   one line per rejected record: {@code Records[3].eventTime: not an ISO-8601 time: 'x'}
 */
public record IngestReport(int records, int accepted, Map<String, Integer> byVerb, Map<String, Integer> skipped,
        int rejected, List<String> errors) {
}
