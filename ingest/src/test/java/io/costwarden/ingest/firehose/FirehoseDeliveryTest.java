package io.costwarden.ingest.firehose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.costwarden.ingest.InputLimits;
import io.costwarden.ingest.metrics.MetricStreamJsonTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FirehoseDeliveryTest {
    @Test
    void decodesBase64Records() throws FirehoseDelivery.Invalid {
        // The documented request with the missing comma restored (the published block is invalid JSON).
        String body = MetricStreamJsonTest.sample("firehose-developer-guide__httpdeliveryrequestresponse__block4__INVALID-JSON-as-published.json")
                .replace("1578090901599\n", "1578090901599,\n");
        FirehoseDelivery d = FirehoseDelivery.parse(body.getBytes(StandardCharsets.UTF_8), InputLimits.DEFAULT);
        assertThat(d.requestId()).isEqualTo("ed4acda5-034f-9f42-bba1-f29aea6d7d8f");
        assertThat(d.timestamp()).isEqualTo(1578090901599L);
        assertThat(d.records()).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly("hello", "hello world");
    }

    @Test
    void theInvalidJsonAsPublishedIsRefusedWithItsLocation() {
        byte[] body = MetricStreamJsonTest.sample("firehose-developer-guide__httpdeliveryrequestresponse__block4__INVALID-JSON-as-published.json")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> FirehoseDelivery.parse(body, InputLimits.DEFAULT))
                .isInstanceOf(FirehoseDelivery.Invalid.class).hasMessageStartingWith("not JSON").hasMessageContaining("line 4");
    }

    @Test
    void recordsWhoseDataIsNotBase64AreRefused() {
        byte[] body = MetricStreamJsonTest.sample("firehose-developer-guide__httpdeliveryrequestresponse__block7.json")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> FirehoseDelivery.parse(body, InputLimits.DEFAULT))
                .isInstanceOf(FirehoseDelivery.Invalid.class).hasMessage("records[0].data: missing or not a base64 string");
        assertThatThrownBy(() -> FirehoseDelivery.parse(
                "{\"requestId\":\"r\",\"timestamp\":1,\"records\":[{\"data\":\"!!!\"}]}".getBytes(StandardCharsets.UTF_8),
                InputLimits.DEFAULT))
                .isInstanceOf(FirehoseDelivery.Invalid.class).hasMessageStartingWith("records[0].data: not base64");
    }

    @Test
    void envelopeFieldsAreChecked() {
        assertThatThrownBy(() -> FirehoseDelivery.parse("{\"timestamp\":1,\"records\":[]}".getBytes(StandardCharsets.UTF_8),
                InputLimits.DEFAULT)).hasMessage("requestId: missing or not a string");
        assertThatThrownBy(() -> FirehoseDelivery.parse("[]".getBytes(StandardCharsets.UTF_8), InputLimits.DEFAULT))
                .hasMessageStartingWith("not a Firehose delivery request");
    }
}
