# SPDX-License-Identifier: GPL-2.0
"""The host side of the guest's line protocol on ttyS1: pure parsing and formatting.

guest -> host:  HOST plug <id> <mac> | HOST unplug <id> | MARK seen <id>
                ENI-GUEST-DONE rc=<n> | TAP result lines | anything else (output)
host -> guest:  DONE plug|unplug <id> ok | DONE plug|unplug <id> err <text>
"""
import re
import statistics

_ID = r"[A-Za-z][A-Za-z0-9_.-]{0,62}"  # a QEMU device id
_MAC = r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}"
_PLUG = re.compile(r"^HOST plug (%s) (%s)$" % (_ID, _MAC))
_UNPLUG = re.compile(r"^HOST unplug (%s)$" % _ID)
_MARK = re.compile(r"^MARK seen (%s)$" % _ID)
_REQUEST = re.compile(r"^HOST (plug|unplug) (\S+)")
_DONE = re.compile(r"^ENI-GUEST-DONE rc=(-?\d+)$")
_TAP = re.compile(r"^(not ok|ok)(?=\s|$)(?:\s+\d+)?(?:\s+-)?\s*(.*)$")
_KERNEL_TROUBLE = re.compile(r"WARNING:|BUG:|Oops|Kernel panic|Call Trace|general protection")


def parse(line):
    """Classifies one guest line: (kind, args).

    kinds: plug (id, mac), unplug (id,), seen (id,), done (rc,), tap (ok, description),
    bad (op, id) for a malformed HOST request that can still be answered, output (line,)
    for everything else (a malformed MARK included).
    """
    m = _PLUG.match(line)
    if m:
        return "plug", (m.group(1), m.group(2).lower())
    m = _UNPLUG.match(line)
    if m:
        return "unplug", (m.group(1),)
    m = _MARK.match(line)
    if m:
        return "seen", (m.group(1),)
    m = _DONE.match(line)
    if m:
        return "done", (int(m.group(1)),)
    m = _REQUEST.match(line)
    if m:
        return "bad", (m.group(1), m.group(2))
    m = _TAP.match(line)
    if m:
        return "tap", (m.group(1) == "ok", m.group(2))
    return "output", (line,)


def reply(op, dev_id, err=None):
    """The host's answer to a plug/unplug request."""
    if err is None:
        return "DONE %s %s ok" % (op, dev_id)
    text = " ".join(str(err).split()) or "failed"
    return "DONE %s %s err %s" % (op, dev_id, text)


def tap(num, ok, kver, description):
    """A result line for the top-level runner: numbered globally, tagged by kernel."""
    return "%s %d [%s] %s" % ("ok" if ok else "not ok", num, kver, description)


def latency_summary(kver, samples_ms):
    if not samples_ms:
        return "# hotplug latency %s: n=0" % kver
    return "# hotplug latency %s: n=%d median=%.1fms max=%.1fms" % (
        kver, len(samples_ms), statistics.median(samples_ms), max(samples_ms))


def kernel_trouble(lines):
    """First console line that shows a kernel warning, BUG or oops, else None."""
    for line in lines:
        if _KERNEL_TROUBLE.search(line):
            return line.strip()
    return None
