# SPDX-License-Identifier: GPL-2.0
"""bench/bind-vs-nm's figures (pure): per-bind rows -> the summary table and the verdict.
A row is a dict: peer1, peer2, frame, configured (s after device_add returned, or None),
via_eni, via_primary (echo replies from the ENI's primary IP per tap)."""
import statistics

COLS = ("peer1", "peer2", "frame")


def stats(rows, key):
    """(n, median, max) in ms over the rows that have the figure; n counts them."""
    vals = [r[key] * 1000.0 for r in rows if r.get(key) is not None]
    if not vals:
        return 0, None, None
    return len(vals), statistics.median(vals), max(vals)


def _ms(v):
    return "-" if v is None else "%.0f" % v


def table(results):
    """results: [(stack label, rows)] -> lines of the summary table (ms)."""
    fmt = "%-16s %5s  %-16s %-16s %-16s %s"
    lines = [fmt % ("", "", "device_add ->", "device_add ->", "device_add ->",
                    "echo replies left"),
             fmt % ("", "", "1st reply peer1", "1st reply peer2", "ENI's 1st frame",
                    "through"),
             fmt % ("stack", "binds", "median/max ms", "median/max ms", "median/max ms",
                    "ENI / primary")]
    lines.append("-" * len(lines[-1]))
    for label, rows in results:
        cells = []
        for k in COLS:
            n, med, mx = stats(rows, k)
            miss = len(rows) - n
            cells.append("%s/%s%s" % (_ms(med), _ms(mx), " (%d!)" % miss if miss else ""))
        eni = sum(r.get("via_eni", 0) for r in rows)
        prim = sum(r.get("via_primary", 0) for r in rows)
        lines.append(fmt % (label, len(rows), cells[0], cells[1], cells[2],
                            "%d / %d" % (eni, prim)))
    return lines


def verdict(ours, theirs):
    """Whether our median first reply (each peer) is at or below theirs: (ok, lines)."""
    ok = True
    lines = []
    for k in ("peer1", "peer2"):
        _, a, _ = stats(ours, k)
        _, b, _ = stats(theirs, k)
        good = a is not None and b is not None and a <= b
        ok = ok and good
        lines.append("%s: enid median %s ms, NetworkManager median %s ms: %s" % (
            k, _ms(a), _ms(b), "at or below" if good else "NOT at or below"))
    return ok, lines


def dhcp_table(results):
    """results: [(stack label, rows with kind and dhcp, idle wakeups or None)] -> lines: per
    stack and kind (first bind, rebind) the median/max first reply and the DHCP messages
    per bind (median DISCOVER + REQUEST)."""
    fmt = "%-22s %-7s %5s  %-16s %-16s %-12s %s"
    lines = [fmt % ("", "", "", "device_add ->", "device_add ->", "DHCP msgs", "idle"),
             fmt % ("stack", "bind", "binds", "1st reply peer1", "1st reply peer2",
                    "per bind", "wakeups")]
    lines.append("-" * len(lines[-1]))
    for label, rows, idle in results:
        for kind in ("first", "rebind"):
            rs = [r for r in rows if r.get("kind") == kind]
            cells = []
            for k in ("peer1", "peer2"):
                n, med, mx = stats(rs, k)
                miss = len(rs) - n
                cells.append("%s/%s%s" % (_ms(med), _ms(mx), " (%d!)" % miss if miss else ""))
            msgs = [r["dhcp"] for r in rs if r.get("dhcp")]
            m = "%g + %g" % (statistics.median(d for d, _ in msgs),
                             statistics.median(q for _, q in msgs)) if msgs else "-"
            lines.append(fmt % (label, kind, len(rs), cells[0], cells[1], m,
                                "-" if idle is None or kind == "rebind" else idle))
    return lines
