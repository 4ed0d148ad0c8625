package io.costwarden.ingest.s3sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Synthetic messages in the forms AWS documents for S3 notifications, SNS, EventBridge and CloudTrail. */
class QueueMessageTest {
    static final String KEY = "AWSLogs/o-a1b2c3d4e5/123456789012/CloudTrail/us-east-1/2026/11/20/"
            + "123456789012_CloudTrail_us-east-1_20261120T0905Z_AbCdEf.json.gz";

    static String s3Notification(String bucket, String encodedKey) {
        return "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\","
                + "\"eventTime\":\"2026-11-20T09:05:10.000Z\",\"eventName\":\"ObjectCreated:Put\","
                + "\"s3\":{\"s3SchemaVersion\":\"1.0\",\"bucket\":{\"name\":\"" + bucket + "\",\"arn\":\"arn:aws:s3:::" + bucket
                + "\"},\"object\":{\"key\":\"" + encodedKey + "\",\"size\":1024}}}]}";
    }

    @Test
    void readsAnS3NotificationAndDecodesTheKey() throws QueueMessage.Invalid {
        assertThat(QueueMessage.objects(s3Notification("trail-bucket", "prefix+with+space/" + KEY)))
                .containsExactly(new ObjectRef("trail-bucket", "prefix with space/" + KEY));
    }

    @Test
    void readsTheSameNotificationInsideAnSnsEnvelope() throws QueueMessage.Invalid {
        String inner = s3Notification("trail-bucket", KEY).replace("\"", "\\\"");
        String sns = "{\"Type\":\"Notification\",\"MessageId\":\"m-1\",\"TopicArn\":\"arn:aws:sns:us-east-1:123456789012:trail\","
                + "\"Message\":\"" + inner + "\",\"Timestamp\":\"2026-11-20T09:05:11.000Z\"}";
        assertThat(QueueMessage.objects(sns)).containsExactly(new ObjectRef("trail-bucket", KEY));
    }

    @Test
    void readsEventBridgeObjectCreatedAndCloudTrailsOwnNotification() throws QueueMessage.Invalid {
        String eb = "{\"version\":\"0\",\"id\":\"e-1\",\"detail-type\":\"Object Created\",\"source\":\"aws.s3\","
                + "\"account\":\"123456789012\",\"time\":\"2026-11-20T09:05:10Z\",\"region\":\"us-east-1\","
                + "\"detail\":{\"bucket\":{\"name\":\"trail-bucket\"},\"object\":{\"key\":\"" + KEY + "\",\"size\":1024}}}";
        assertThat(QueueMessage.objects(eb)).containsExactly(new ObjectRef("trail-bucket", KEY));
        String ct = "{\"s3Bucket\":\"trail-bucket\",\"s3ObjectKey\":[\"" + KEY + "\"]}";
        assertThat(QueueMessage.objects(ct)).containsExactly(new ObjectRef("trail-bucket", KEY));
    }

    @Test
    void s3sTestEventAnnouncesNothing() throws QueueMessage.Invalid {
        assertThat(QueueMessage.objects("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-20T09:00:00Z\","
                + "\"Bucket\":\"trail-bucket\",\"RequestId\":\"r\",\"HostId\":\"h\"}")).isEmpty();
    }

    @Test
    void digestsAndOtherObjectsAreNotLogFiles() {
        assertThat(new ObjectRef("b", KEY).isCloudTrailLogFile()).isTrue();
        assertThat(new ObjectRef("b", "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/20/x.json.gz")
                .isCloudTrailLogFile()).isFalse();
        assertThat(new ObjectRef("b", "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/20/readme.txt")
                .isCloudTrailLogFile()).isFalse();
    }

    @Test
    void aKeyThatIsNotUrlEncodedIsAnInvalidMessageNotACrash() {
        assertThatThrownBy(() -> QueueMessage.objects(s3Notification("trail-bucket", "AWSLogs/%zz.json.gz")))
                .isInstanceOf(QueueMessage.Invalid.class).hasMessageContaining("not URL-encoded");
    }

    @Test
    void anythingElseIsRefusedSayingWhatWasThere() {
        assertThatThrownBy(() -> QueueMessage.objects("{\"hello\":1}")).isInstanceOf(QueueMessage.Invalid.class)
                .hasMessageContaining("top-level fields: hello");
        assertThatThrownBy(() -> QueueMessage.objects("nope")).hasMessageStartingWith("not JSON");
    }
}
