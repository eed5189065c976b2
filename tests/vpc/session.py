# SPDX-License-Identifier: GPL-2.0
"""One run of the virtual ECS: the guest, the tap watcher, the peers' pings and the
metadata "console", with the helpers the scenarios share (bind with timing, the guest's
state as JSON, waits). Runs inside the vpc namespace."""
import argparse
import json
import os
import statistics
import subprocess
import time

import checks
import guestvm
import imds
import layout
from pinger import Pinger
from tapwatch import TapWatch

CONFIGURED = r"^enid: \w+: (\S+): configured"


def arg_parser():
    """The options every driver of the virtual ECS takes (scenarios.py, demo.py,
    bench/nm/bench.py): the state folder net.sh made, the output folder, the guest's kernel
    and initramfs, the addressing enid uses."""
    ap = argparse.ArgumentParser()
    for opt in ("--state", "--out", "--kernel", "--initrd"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--addressing", default="static", choices=("static", "metadata"))
    return ap


def names(state):
    """The names net.sh chose (STATE/names.env: NAME=value lines)."""
    with open(state + "/names.env") as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


class BindTiming:
    """One bind's figures, host times relative to device_add returning (s)."""

    def __init__(self, eni, t_add):
        self.eni = eni
        self.t_add = t_add
        self.ifname = None
        self.frame = None        # first frame from the guest on the ENI's tap
        self.frame_kind = None
        self.kevent = None       # the kernel's event (guest clock, mapped; an estimate)
        self.configured = None   # enid's "configured" line on ttyS1
        self.replies = {}        # peer name -> first reply
        self.timeline = None     # guest: udev_us, addressing_us, configured_us after the event

    def rel(self, t):
        return None if t is None else t - self.t_add


class Vpc:
    def __init__(self, names, outdir, statedir, kernel, initrd, addressing="static",
                 cmdline="", **guest_opts):
        self.names = names
        self.outdir = outdir
        self.peers = [("peer1", names["PEER1_NS"]), ("peer2", names["PEER2_NS"])]
        self.addressing = addressing
        # ENI_GUEST_MEM (MiB), ENI_GUEST_APPEND: as for the qemu tier (tests/kdebug sets them)
        guest_opts.setdefault("mem", int(os.environ.get("ENI_GUEST_MEM", "512")))
        self.guest = guestvm.Guest(kernel, initrd, outdir,
                                   cmdline=("eni.addressing=%s %s %s" % (
                                       addressing, cmdline,
                                       os.environ.get("ENI_GUEST_APPEND", ""))).strip(),
                                   **guest_opts)
        self.taps = [layout.PRIMARY_TAP] + [e.tap for e in layout.ENIS]
        self.watch = TapWatch(self.taps)
        self.watch.start()
        self.bound = []
        self.flux = []              # ARP replies for an ENI's address through another NIC
        self.offset = None          # guest CLOCK_MONOTONIC - host CLOCK_MONOTONIC (s)

    def close(self):
        self.watch.stop()
        self.guest.shutdown()

    # ---- guest state --------------------------------------------------------------------
    def js(self, cmd):
        return json.loads(self.guest.out(cmd) or "null")

    def status(self):
        return self.js("enictl status --json")

    def rules(self):
        return self.js("ip -j rule show")

    def routes(self):
        return self.js("ip -j route show table all proto %s" % checks.RTPROT)

    def state(self):
        return self.status(), self.rules(), self.routes()

    def main_default(self):
        return self.js("ip -j -4 route show table main default")

    def enid_pid(self):
        rc, out = self.guest.run("cat /run/enid.pid")
        return out[0].strip() if rc == 0 and out else None

    def wait_state(self, probe, timeout=10.0, interval=0.2):
        """Polls the guest until probe(status, rules, routes) returns no problem; returns
        the last problems (empty on success)."""
        deadline = time.monotonic() + timeout
        while True:
            problems = probe(*self.state())
            if not problems or time.monotonic() > deadline:
                return problems
            time.sleep(interval)

    def clock_offset(self, samples=5):
        """guest - host CLOCK_MONOTONIC from the agent's fork-free CLK, tightest round trip."""
        best = None
        for _ in range(samples):
            m = self.guest.mark()
            ts = time.monotonic()
            self.guest.ser.sendall(b"CLK\n")
            r = self.guest.wait_line(r"^CLK now at (\d+) nsecs", m, 5)
            if r is None:
                continue
            rtt = r[0] - ts
            if best is None or rtt < best[0]:
                best = (rtt, int(r[1].group(1)) / 1e9 - (ts + r[0]) / 2)
        if best:
            self.offset = best[1]
        return best

    # ---- the network around it ------------------------------------------------------------
    def forget_neighbours(self):
        """A just-bound ENI is new to the VPC: the peers and the gateway forget old ARP."""
        for ns in (self.names["PEER1_NS"], self.names["VPC_NS"]):
            subprocess.run(["ip", "-n", ns, "neigh", "flush", "all"], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def ping(self, targets, interval=0.02):
        """{(peer, ip): Pinger} for each peer name and IP."""
        return {(name, ip): Pinger(ns, ip, interval) for name, ns in self.peers
                for ip in targets}

    @staticmethod
    def stop(pingers):
        for p in pingers.values():
            p.stop()

    # ---- bind and unbind -----------------------------------------------------------------
    def bind(self, eni, lag=0.0):
        """The console binds the ENI (metadata lists it after lag s), then the hypervisor
        hot-plugs it. Returns the host time device_add returned."""
        imds.attach(eni, lag)
        t = self.guest.bind(eni)
        self.bound.append(eni)
        return t

    def unbind(self, eni):
        self.guest.unbind(eni)
        self.bound.remove(eni)
        imds.detach(eni.mac)

    def unbind_all(self):
        for eni in list(self.bound):
            try:
                self.unbind(eni)
            except (guestvm.GuestError, OSError) as e:
                print("# cleanup: unbinding %s: %s" % (eni, e))

    def timed_bind(self, eni, targets, timeout=20.0, lag=0.0):
        """Binds with the peers pinging targets every 20 ms from the moment device_add
        returns; waits for enid's configured line and a first reply at every pinger.
        Returns (BindTiming, pingers) with the pingers still running."""
        self.forget_neighbours()
        self.watch.mark()
        m = self.guest.mark()
        t = self.bind(eni, lag)
        pingers = self.ping(targets)
        bt = BindTiming(eni, t)
        r = self.guest.wait_line(CONFIGURED, m, timeout)
        if r:
            bt.configured, bt.ifname = r[0], r[1].group(1)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and not all(p.replies for p in pingers.values()):
            time.sleep(0.02)
        bt.frame, bt.frame_kind = self.watch.first_rx(eni.tap)
        for (peer, ip), p in pingers.items():
            if ip == eni.ips[0]:
                bt.replies[peer] = p.first_reply()
        link = checks.link_by_mac(self.status(), eni.mac)
        if link and link.get("configured_us") is not None:
            bt.timeline = (link.get("udev_us"), link.get("addressing_us"),
                           link["configured_us"])
            if self.offset is not None and link.get("event_us"):
                bt.kevent = link["event_us"] / 1e6 - self.offset
        return bt, pingers


def figure_lines(timings):
    """Lines for diag(): per bind, then median/min/max of each figure (ms)."""
    import figures as f
    out = ["per bind, ms after device_add returned (host clock): first frame on the ENI's "
           "tap, kernel event (guest clock mapped, +-RTT/2), enid configured line, first "
           "reply peer1/peer2; guest timeline after the kernel event: udev, addressing, "
           "configured"]
    cols = {k: [] for k in ("frame", "kevent", "configured", "peer1", "peer2", "udev",
                            "addressing", "guest_configured", "reply_minus_frame")}
    for i, bt in enumerate(timings, 1):
        row = {
            "frame": f.ms(bt.rel(bt.frame)),
            "kevent": f.ms(bt.rel(bt.kevent)),
            "configured": f.ms(bt.rel(bt.configured)),
            "peer1": f.ms(bt.rel(bt.replies.get("peer1"))),
            "peer2": f.ms(bt.rel(bt.replies.get("peer2"))),
        }
        tl = bt.timeline or (None, None, None)
        row["udev"], row["addressing"], row["guest_configured"] = [
            None if v is None else v / 1000.0 for v in tl]
        first = [v for v in (row["peer1"], row["peer2"]) if v is not None]
        row["reply_minus_frame"] = (min(first) - row["frame"]
                                    if first and row["frame"] is not None else None)
        for k, v in row.items():
            cols[k].append(v)
        out.append(" bind %2d %s: frame %s (%s) kevent %s configured %s reply peer1 %s peer2 %s"
                   " | guest udev %s addressing %s configured %s" % (
                       i, bt.ifname or "?", f.fmt_ms(row["frame"]), bt.frame_kind,
                       *(f.fmt_ms(row[k]) for k in ("kevent", "configured", "peer1", "peer2", "udev",
                           "addressing", "guest_configured"))))
    names = {
        "frame": "device_add -> first frame from the ENI (host)",
        "kevent": "device_add -> kernel event (estimate)",
        "configured": "device_add -> CONFIGURED (host, serial line)",
        "peer1": "device_add -> first ping reply, peer1 (same vSwitch)",
        "peer2": "device_add -> first ping reply, peer2 (other subnet)",
        "reply_minus_frame": "first reply - first frame (either peer)",
        "udev": "guest: kernel event -> udev done",
        "addressing": "guest: kernel event -> addressing ready",
        "guest_configured": "guest: kernel event -> configured",
    }
    for k, title in names.items():
        out.append(f.summary(title, cols[k]))
    return out


def median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None
