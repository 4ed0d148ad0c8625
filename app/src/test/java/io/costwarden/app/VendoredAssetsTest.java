package io.costwarden.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The vendored chart library is byte for byte the npm package's files that SOURCE.md names. */
class VendoredAssetsTest {
    private static final String DIR = "/META-INF/resources/vendor/uplot/";

    @Test
    void everyVendoredFileHasTheHashItsSourceRecords() throws Exception {
        String source;
        try (InputStream in = getClass().getResourceAsStream(DIR + "SOURCE.md")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher row = Pattern.compile("\\| (\\S+\\.(?:js|css)) \\| ([0-9a-f]{64}) \\|").matcher(source);
        int files = 0;
        while (row.find()) {
            try (InputStream in = getClass().getResourceAsStream(DIR + row.group(1))) {
                assertThat(in).as(row.group(1)).isNotNull();
                String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
                assertThat(sha).as(row.group(1)).isEqualTo(row.group(2));
            }
            files++;
        }
        assertThat(files).isEqualTo(2);
        assertThat(getClass().getResource(DIR + "LICENSE")).isNotNull();
    }
}
