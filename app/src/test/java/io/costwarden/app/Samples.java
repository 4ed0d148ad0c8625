package io.costwarden.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Real CloudTrail samples bundled with the demo scenario (see app/src/main/resources/demo/scenario/README.md). */
final class Samples {
    static final String GPU_LAUNCH = "demo/scenario/panther__aws_ec2_launch_unusual_ec2_instances__Successful-Unusual-EC2.json";
    static final String GPU_INSTANCE = "i-07d06021b0da55115";
    static final String GPU_ARN = "arn:aws:ec2:us-west-2:111122223333:instance/" + GPU_INSTANCE;

    private Samples() {
    }

    static String text(String resource) {
        try (InputStream in = Samples.class.getClassLoader().getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One or more records in the S3 log-file form, gzipped as CloudTrail delivers it. */
    static byte[] gzippedLogFile(String... records) {
        String file = "{\"Records\":[" + String.join(",", records) + "]}";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(file.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
