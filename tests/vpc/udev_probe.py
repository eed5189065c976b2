#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What udev spends a hot-plugged virtio-net link's time on (issue 15 item 4), inside the
virtual VPC (bench/udev starts it in the vpc namespace, as demo.sh starts demo.py).

Boots the guest, then binds and unbinds ENI 1 --binds times with udevd at its normal log
level (enid's own timeline: kernel event -> udev done -> configured), then as many times
with udevd restarted at debug level logging to the kernel log (SYSTEMD_LOG_TARGET=kmsg,
printk_devkmsg=on so none is rate-limited). From the kernel log's timestamps it prints,
for the median debug bind: each uevent of the hot-plug (pci, virtio, net, queues) from
queued to processed, and within the net device's add event the time from each rule or
builtin line to the next, summed per rules file:line (what runs there: IMPORT builtin,
RUN, rename). Debug logging itself slows udevd: compare its total with the normal binds'.
Usage: udev_probe.py --state DIR --out DIR --kernel VMLINUX --initrd CPIO.GZ [--binds N]
"""
import collections
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layout  # noqa: E402
import session  # noqa: E402

# "[   12.345678] systemd-udevd[87]: eth0: /usr/lib/udev/rules.d/80-net-setup-link.rules:11 ..."
KMSG = re.compile(r"^\[\s*(\d+\.\d+)\]\s+(?:systemd-udevd|\(udev-worker\)|\(spawn\))\[(\d+)\]:"
                  r"\s+(.*)$")
RULE = re.compile(r"^(\S+?): (/\S+\.rules:\d+) (.*)$")
DEV = re.compile(r"^(\S+?): (.*)$")


def kmsg_udev(lines):
    """(t, pid, text) of every udevd line of dmesg."""
    out = []
    for line in lines:
        m = KMSG.match(line.strip())
        if m:
            out.append((float(m.group(1)), int(m.group(2)), m.group(3)))
    return out


def devices(ev):
    """Per device name: first and last line time, and whether it was processed."""
    per = collections.OrderedDict()
    for t, _pid, text in ev:
        m = DEV.match(text)
        if not m or " " in m.group(1) or m.group(1).endswith(".rules"):
            continue
        d = per.setdefault(m.group(1), [t, t, 0])
        d[1] = t
        d[2] += 1
    return per


def worker_events(ev):
    """Every event a worker processed: (device, t_first, t_last, lines) in time order; the
    manager is the pid that queues events."""
    manager = next((pid for _t, pid, x in ev if "Device is queued" in x), None)
    per = collections.OrderedDict()
    for t, pid, text in ev:
        if pid != manager:
            per.setdefault(pid, []).append((t, text))
    out = []
    for lines in per.values():
        cur = None
        for t, text in lines:
            m = DEV.match(text)
            if cur is None or "Processing device" in text:
                cur = [m.group(1) if m else "?", t, t, []]
                out.append(cur)
            cur[2] = t
            cur[3].append((t, text))
    return sorted(out, key=lambda e: e[1])


def spans(lines):
    """Time from each line to the next, summed per rules file:line (what it does), or per
    message with numbers blanked when no rule is named."""
    tot = collections.defaultdict(float)
    what = {}
    for (t, text), (t2, _x) in zip(lines, lines[1:]):
        m = RULE.match(text)
        key = m.group(2) if m else re.sub(r"\d+", "N", text.split(": ", 1)[-1])[:70]
        tot[key] += t2 - t
        if m:
            what.setdefault(key, m.group(3)[:80])
    return tot, what


def run_binds(vpc, eni, n, debug):
    """n binds of eni; per bind (enid's udev_us and configured_us after the event, the
    dmesg lines of udevd)."""
    res = []
    for _ in range(n):
        vpc.guest.run("dmesg -c >/dev/null")
        bt, pingers = vpc.timed_bind(eni, [eni.ips[0]])
        vpc.stop(pingers)
        time.sleep(1.0)  # the queue devices' events may come after configured
        _rc, out = vpc.guest.run("dmesg")
        res.append((bt.timeline, bt.ifname, kmsg_udev(out) if debug else []))
        vpc.unbind(eni)
        time.sleep(1.0)
    return res


def main():
    ap = session.arg_parser()
    ap.add_argument("--binds", type=int, default=5)
    a = ap.parse_args()
    vpc = session.Vpc(session.names(a.state), a.out, a.state, a.kernel, a.initrd, a.addressing)
    eni = layout.ENIS[0]
    try:
        print("# booted in %.1f s" % vpc.guest.boot())
        vpc.clock_offset()
        _rc, out = vpc.guest.run("udevadm --version; ls /lib/udev/rules.d")
        print("# guest udev: %s" % " ".join(out))
        normal = run_binds(vpc, eni, a.binds, False)
        # a daemonized udevd logs to its stderr, /dev/null: restart it logging to kmsg
        vpc.guest.run("echo on > /proc/sys/kernel/printk_devkmsg; udevadm control --exit; "
                      "sleep 0.5; SYSTEMD_LOG_TARGET=kmsg SYSTEMD_LOG_LEVEL=debug "
                      "/lib/systemd/systemd-udevd --daemon --resolve-names=never "
                      ">/dev/null 2>&1; udevadm control --log-priority=debug")
        debug = run_binds(vpc, eni, a.binds, True)
        vpc.guest.run("udevadm control --log-priority=info")
        for tag, res in (("udevd info", normal), ("udevd debug", debug)):
            ud = [r[0][0] / 1000.0 for r in res if r[0] and r[0][0] is not None]
            cf = [r[0][2] / 1000.0 for r in res if r[0] and r[0][2] is not None]
            print("# %s: %d binds; enid's timeline, kernel event -> udev done median %.1f ms "
                  "(%s), -> configured median %.1f ms" % (
                      tag, len(res), statistics.median(ud) if ud else float("nan"),
                      " ".join("%.0f" % x for x in ud),
                      statistics.median(cf) if cf else float("nan")))
        # the median debug bind, by enid's udev figure
        dbg = sorted((r for r in debug if r[0] and r[0][0] is not None), key=lambda r: r[0][0])
        if not dbg:
            print("# no debug bind with a timeline")
            return 1
        timeline, ifname, ev = dbg[len(dbg) // 2]
        print("# median debug bind: %s, enid: udev done %.1f ms after the kernel event; "
              "%d udevd lines" % (ifname, timeline[0] / 1000.0, len(ev)))
        t0 = ev[0][0] if ev else 0
        for name, (first, last, nl) in devices(ev).items():
            print("#   device %-28s lines %4d  from +%7.1f to +%7.1f ms (%.1f ms)" % (
                name, nl, 1000 * (first - t0), 1000 * (last - t0), 1000 * (last - first)))
        for dev, first, last, lines in worker_events(ev):
            act = next((re.search(r"ACTION=(\w+)", x).group(1) for _t, x in lines
                        if "ACTION=" in x), "?")
            print("# worker: %s %s from +%.1f ms, %.1f ms, %d lines; steps over 0.5 ms:" % (
                dev, act, 1000 * (first - t0), 1000 * (last - first), len(lines)))
            tot, what = spans(lines)
            for key, sec in sorted(tot.items(), key=lambda x: -x[1]):
                if sec >= 0.0005:
                    print("#   %7.1f ms  %s  %s" % (1000 * sec, key, what.get(key, "")))
        with open(os.path.join(a.out, "udev-probe-dmesg.txt"), "w") as f:
            for t, pid, text in ev:
                f.write("%.6f %d %s\n" % (t, pid, text))
        print("# the median debug bind's udevd lines: %s" %
              os.path.join(a.out, "udev-probe-dmesg.txt"))
        return 0
    finally:
        vpc.unbind_all()
        vpc.close()


if __name__ == "__main__":
    sys.exit(main())
