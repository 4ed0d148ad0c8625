package io.costwarden.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int validate(String... files) {
        return Validate.run(files, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theBundledPoliciesAreValid() {
        assertThat(validate("src/main/resources/policies/default.yaml")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(": ok, 6 policies, version ");
    }

    @Test
    void everyErrorOfEveryFileIsPrintedAndTheExitCodeSaysSo() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "policies:\n  - name: a\n    resorce: ec2-instance\n    detect: {launch: {required-tags: [team]}}\n");
        assertThat(validate(bad.toString(), dir.resolve("missing.yaml").toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(
                bad + ":2:5: policy is missing 'resource'",
                bad + ":3:5: unknown key 'resorce' in a policy (did you mean 'resource'?)",
                "missing.yaml: no such file");
        assertThat(validate()).isEqualTo(64);
    }
}
