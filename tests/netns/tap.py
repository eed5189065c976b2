# SPDX-License-Identifier: GPL-2.0
"""TAP-style output: `ok N desc`, `not ok N desc`, `# ...` diagnostics, nothing else."""

import sys


def diag(*lines):
    for text in lines:
        for line in str(text).splitlines() or [""]:
            print("# " + line)
    sys.stdout.flush()


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, passed, desc, why=()):
        """One result line; on failure the why lines follow as diagnostics."""
        self.n += 1
        desc = desc.replace("\n", " ")
        print(("ok %d %s" if passed else "not ok %d %s") % (self.n, desc))
        if not passed:
            self.failed += 1
            diag(*why)
        sys.stdout.flush()
        return passed

    def skip(self, desc, why):
        self.n += 1
        print("ok %d %s # SKIP %s" % (self.n, desc, why))
        sys.stdout.flush()
