package io.costwarden.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/policies.md carries the reference generated from the declarations, byte for byte. */
class PolicyReferenceTest {

    @Test
    void theDocsCarryTheGeneratedReference() throws IOException {
        String generated = PolicyReference.markdown();
        Path docs = Path.of("..", "docs", "policies.md");
        String text = Files.readString(docs, StandardCharsets.UTF_8);
        int begin = text.indexOf(PolicyReference.BEGIN);
        int end = text.indexOf(PolicyReference.END);
        String current = begin < 0 || end < 0 ? "" : text.substring(begin, end + PolicyReference.END.length() + 1);
        if (!current.equals(generated)) {
            Path out = Path.of("target", "policy-reference.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, generated, StandardCharsets.UTF_8);
            fail("docs/policies.md's generated reference is out of date: replace the part between the markers with "
                    + out.toAbsolutePath());
        }
    }

    @Test
    void everyDeclaredParameterAppearsOnce() {
        String generated = PolicyReference.markdown();
        for (DetectorType t : DetectorType.all()) {
            assertThat(generated).contains("#### `" + t.word() + "`");
            for (Param<?> p : t.params()) {
                assertThat(generated).contains("| `" + p.key() + "` |");
            }
        }
    }
}
