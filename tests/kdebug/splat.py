#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Finds debug-kernel splats in guest console logs: KASAN and UBSAN reports, lockdep and
RCU splats, BUG/WARNING/oops, refcount_t and ref_tracker complaints, debugobjects,
list corruption, netdev refcount waits and kmemleak's suspected leaks.

Usage: splat.py LOG...    prints a count and the first lines of each splat as '# ' lines;
exit 1 when there is one, 2 when a log is missing."""
import re
import sys

SPLAT = re.compile(
    r"BUG:|WARNING:|Oops|general protection fault|kernel BUG at|Call Trace:"
    r"|KASAN|UBSAN|refcount_t:|ODEBUG:|list_(add|del) corruption"
    r"|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage"
    r"|lock held when returning|unregister_netdevice: waiting for"
    r"|leaked [0-9]+ references|leaked reference|unreferenced object|suspected memory leak")
CONTEXT = 12


def main(paths):
    found = 0
    for path in paths:
        try:
            with open(path, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            print("# splat.py: %s" % e)
            return 2
        i = 0
        while i < len(lines):
            if SPLAT.search(lines[i]):
                found += 1
                if found <= 3:
                    print("# %s:%d:" % (path, i + 1))
                    for line in lines[i:i + CONTEXT]:
                        print("#   " + line)
                # one splat: skip its trace
                i += CONTEXT
                continue
            i += 1
    print("# splats: %d in %s" % (found, " ".join(paths)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
