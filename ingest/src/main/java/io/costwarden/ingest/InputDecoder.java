package io.costwarden.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Turns raw input bytes into plain bytes: gunzips when the gzip magic is present, within a size bound. */
public final class InputDecoder {
    private InputDecoder() {
    }

    /** Thrown when the bytes cannot be decoded; the message says why. */
    public static final class UnreadableInput extends Exception {
        public UnreadableInput(String message) {
            super(message);
        }
    }

    public static boolean isGzip(byte[] input) {
        return input.length >= 2 && (input[0] & 0xff) == 0x1f && (input[1] & 0xff) == 0x8b;
    }

    public static byte[] decode(byte[] input, InputLimits limits) throws UnreadableInput {
        if (!isGzip(input)) {
            return input;
        }
        // Concatenated gzip members (as S3 multipart writers produce) are read through by GZIPInputStream.
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(input), 64 * 1024)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, input.length * 4));
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limits.maxDecompressedBytes()) {
                    throw new UnreadableInput("gzip input inflates beyond " + limits.maxDecompressedBytes()
                            + " bytes (limit costwarden.ingest.max-decompressed-bytes)");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (EOFException e) {
            throw new UnreadableInput("gzip input is truncated");
        } catch (ZipException e) {
            throw new UnreadableInput("gzip input is corrupt: " + e.getMessage());
        } catch (IOException e) {
            throw new UnreadableInput("gzip input cannot be read: " + e.getMessage());
        }
    }
}
