#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The daemon's include graph: no cycle among its parts, a pure core that includes nothing
from the I/O side, and every part's functions declared in its own header (no header that
declares another file's functions, the way one shared header once did). A part is a file
stem (x.c with x.h). Usage: scripts/includes.py [DIR] (default daemon/); prints one line
per problem and exits 1, else one summary line."""

import os
import re
import sys

# No sockets, no clock, no globals, no files: unit-tested directly.
PURE = {"addr", "claim", "config", "config_keys", "config_read", "plan", "bounds", "kstate", "kdiff",
        "link", "link_fsm", "heal", "owned", "metadata", "md_policy", "rtnl_msg", "eni_msg",
        "arp_msg", "dhcp_msg", "dhcp_fsm", "json_out", "nl_msg", "ndisc_msg", "ctl_proto", "version"}


# Headers that front several files of one part: the metadata client (md_fetch.h public,
# md_client.h private to its files) and the config (config.h; the file reader in config_ini.c).
FRONTS = {"md_fetch": {"md_client", "md_job", "md_instance", "md_token"},
          "md_client": {"md_client", "md_job", "md_instance", "md_token"},
          "config": {"config", "config_ini"}}
PROGRAMS = {"enid", "enictl"}


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def foreign_decls(d):
    """Functions defined (not static) in one .c and declared in another part's header."""
    defs, decls = {}, {}
    for f in sorted(os.listdir(d)):
        with open(os.path.join(d, f)) as fh:
            text = strip_comments(fh.read())
        stem = f.rsplit(".", 1)[0]
        if f.endswith(".c"):
            for m in re.finditer(r"^(?!static)[A-Za-z_][\w \*]*?[\s\*](\w+)\([^;{]*?\)\s*\n\{",
                                 text, re.M):
                defs[m.group(1)] = stem
        elif f.endswith(".h"):
            for m in re.finditer(r"^(?!static)[A-Za-z_][\w \*]*?[\s\*](\w+)\(", text, re.M):
                decls.setdefault(m.group(1), set()).add(stem)
    out = []
    for fn, c in sorted(defs.items()):
        for h in sorted(decls.get(fn, ())):
            if h != c and c not in FRONTS.get(h, ()) and c not in PROGRAMS:
                out.append("%s.h declares %s() of %s.c: each part declares its own" % (h, fn, c))
    return out


def graph(d):
    deps = {}
    for f in sorted(os.listdir(d)):
        if not f.endswith((".c", ".h")):
            continue
        stem = f.rsplit(".", 1)[0]
        deps.setdefault(stem, set())
        with open(os.path.join(d, f)) as fh:
            for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)\.h"', fh.read(), re.M):
                if inc != stem and os.path.exists(os.path.join(d, inc + ".h")):
                    deps[stem].add(inc)
    return deps


def cycles(deps):
    """Strongly connected components of more than one part (Tarjan, iterative)."""
    index, low, on, stack, out, n = {}, {}, set(), [], [], [0]
    for root in sorted(deps):
        if root in index:
            continue
        work = [(root, iter(sorted(deps[root])))]
        index[root] = low[root] = n[0]
        n[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = n[0]
                    n[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(deps[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "daemon")
    deps = graph(d)
    problems = ["include cycle: " + " <-> ".join(c) for c in cycles(deps)]
    for stem in sorted(PURE & set(deps)):
        bad = sorted(x for x in deps[stem] if x not in PURE)
        if bad:
            problems.append("pure %s includes the I/O side: %s" % (stem, ", ".join(bad)))
    problems += foreign_decls(d)
    for p in problems:
        print(p)
    if problems:
        return 1
    print("includes: %d parts, no cycle, each declares its own functions; the pure core "
          "(%d parts) includes only itself" % (
        len(deps), len(PURE & set(deps))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
