# SPDX-License-Identifier: GPL-2.0
"""TAP-style output of the Python tiers: `ok N desc`, `not ok N desc`, `ok N desc # SKIP why`,
and `# ...` diagnostics, nothing else. A description is one line (whitespace runs collapse)."""
import sys


def diag(*lines):
    for text in lines:
        for line in str(text).splitlines() or [""]:
            print("# " + line)
    sys.stdout.flush()


class Tap:
    def __init__(self, prefix=""):
        self.n = 0
        self.failed = 0
        self.prefix = prefix        # e.g. "[5.10.0-46-amd64] ": which guest kernel (vpc)

    def result(self, passed, desc, why=()):
        """One result line; on failure the why lines follow as diagnostics."""
        self.n += 1
        print(("ok %d %s%s" if passed else "not ok %d %s%s") % (self.n, self.prefix,
                                                               " ".join(desc.split())))
        if not passed:
            self.failed += 1
            diag(*why)
        sys.stdout.flush()
        return passed

    def check(self, desc, problems):
        """ok when the list of problems is empty, else not ok with them as diagnostics."""
        return self.result(not problems, desc, problems)

    def save_count(self, path):
        """Writes the number of the last line to path (when given), for the shell script
        that numbers the lines after these."""
        if path:
            with open(path, "w") as f:
                f.write("%d\n" % self.n)

    def skip(self, desc, why):
        self.n += 1
        print("ok %d %s%s # SKIP %s" % (self.n, self.prefix, " ".join(desc.split()), why))
        sys.stdout.flush()
