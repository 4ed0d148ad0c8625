package io.costwarden.model.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingPoliciesTest {
    @TempDir
    Path dir;

    static final String ONE = "policies:\n  - name: a\n    resource: ec2-instance\n    detect: {launch: {required-tags: [team]}}\n";

    /** Each write gets a distinct modification time, as edits seconds apart would. */
    static void write(Path file, String text, int second) throws Exception {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-11-20T09:00:00Z").plusSeconds(second)));
    }

    @Test
    void aValidChangeTakesEffectAndAnInvalidOneIsRefusedKeepingTheOld() throws Exception {
        Path file = dir.resolve("policies.yaml");
        write(file, ONE, 0);
        List<ReloadingPolicies.Reload> reloads = new ArrayList<>();
        try (ReloadingPolicies policies = new ReloadingPolicies(file, Duration.ofHours(1), reloads::add)) {
            String first = policies.get().version();
            policies.check();
            assertThat(reloads).as("unchanged file").isEmpty();

            write(file, ONE + "  - name: b\n    resource: sagemaker-notebook\n    detect: {launch: {allowed-instance-types: [\"ml.t3.*\"]}}\n", 1);
            policies.check();
            assertThat(policies.get().policies()).extracting(Policy::name).containsExactly("a", "b");
            assertThat(policies.get().version()).isNotEqualTo(first);
            assertThat(reloads).singleElement().isInstanceOf(ReloadingPolicies.Applied.class);

            String second = policies.get().version();
            write(file, "policies:\n  - name: a\n    resorce: ec2-instance\n", 2);
            policies.check();
            assertThat(policies.get().version()).as("the refused file changes nothing").isEqualTo(second);
            assertThat(reloads).last().isInstanceOfSatisfying(ReloadingPolicies.Refused.class,
                    r -> assertThat(r.reason()).contains(":3:5: unknown key 'resorce'"));

            // A control character: SnakeYAML fails without a position; still a refusal, and watching goes on.
            write(file, ONE + "\u0007\n", 3);
            policies.check();
            assertThat(reloads).last().isInstanceOfSatisfying(ReloadingPolicies.Refused.class,
                    r -> assertThat(r.reason()).contains("not valid YAML"));
            write(file, ONE, 4);
            policies.check();
            assertThat(policies.get().policies()).extracting(Policy::name).containsExactly("a");
        }
    }
}
