# SPDX-License-Identifier: GPL-2.0
"""Pure helpers for the vpc tier's figures: ping output lines and summaries."""
import re
import statistics

# iputils ping -D: "[1700000000.123456] 64 bytes from 172.31.0.102: icmp_seq=5 ttl=64 ..."
_REPLY = re.compile(r"^\[(\d+\.\d+)\] \d+ bytes from ([0-9.]+): icmp_seq=(\d+)")


def ping_reply(line):
    """(wall-clock time, source, icmp_seq) of a reply line of `ping -D`, else None."""
    m = _REPLY.match(line)
    if not m:
        return None
    return float(m.group(1)), m.group(2), int(m.group(3))


def ms(seconds):
    return None if seconds is None else seconds * 1000.0


def summary(name, samples):
    """'name: n=N median=Xms min=Yms max=Zms' over the samples that exist (ms)."""
    vals = [v for v in samples if v is not None]
    missing = len(samples) - len(vals)
    if not vals:
        return "%s: n=0%s" % (name, " (%d missing)" % missing if missing else "")
    return "%s: n=%d median=%.0fms min=%.0fms max=%.0fms%s" % (
        name, len(vals), statistics.median(vals), min(vals), max(vals),
        " (%d missing)" % missing if missing else "")


def fmt_ms(v):
    return "-" if v is None else "%.0f" % v
