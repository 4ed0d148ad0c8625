package io.costwarden.app.cli;

import io.costwarden.model.policy.InvalidPolicyException;
import io.costwarden.model.policy.PolicyFile;
import io.costwarden.model.policy.PolicySet;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * {@code costwarden validate FILE...}: checks policy files without starting anything. Prints every error
 * as {@code file:line:col: message}; exits 0 when every file is valid, 1 otherwise, 64 without files.
 */
final class Validate {
    private Validate() {
    }

    static int run(String[] files, PrintStream out, PrintStream err) {
        if (files.length == 0) {
            err.print("validate needs at least one policy file\n\n" + CostwardenMain.USAGE);
            return 64;
        }
        boolean ok = true;
        for (String file : files) {
            try {
                PolicySet set = PolicyFile.load(Path.of(file));
                out.println(file + ": ok, " + set.policies().size() + " policies, version " + set.version());
            } catch (InvalidPolicyException e) {
                e.errors().forEach(err::println);
                ok = false;
            } catch (NoSuchFileException e) {
                err.println(file + ": no such file");
                ok = false;
            } catch (IOException e) {
                err.println(file + ": cannot read: " + e.getMessage());
                ok = false;
            }
        }
        return ok ? 0 : 1;
    }
}
