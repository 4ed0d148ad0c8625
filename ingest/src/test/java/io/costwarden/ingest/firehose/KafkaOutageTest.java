package io.costwarden.ingest.firehose;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.KafkaPublisher;
import io.costwarden.ingest.metrics.MetricStreamJsonTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With Kafka unreachable nothing may be acknowledged: the endpoint turns this exception into a 503. */
class KafkaOutageTest {
    @Test
    void aDeliveryIsNeverAcknowledgedWhileKafkaIsDown() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String line = MetricStreamJsonTest.sample("cwmetricstream_single_record.json");
        byte[] body = ("{\"requestId\":\"r\",\"timestamp\":1,\"records\":[{\"data\":\""
                + Base64.getEncoder().encodeToString(line.getBytes(StandardCharsets.UTF_8)) + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        try (KafkaPublisher dead = new KafkaPublisher("127.0.0.1:" + closedPort, Map.of(), Duration.ofSeconds(2))) {
            MetricStreamIngest ingest = new MetricStreamIngest(InputLimits.DEFAULT, dead, new SimpleMeterRegistry(),
                    Clock.systemUTC());
            assertThatThrownBy(() -> ingest.ingest(body)).isInstanceOf(KafkaPublisher.NotDurable.class);
        }
    }
}
