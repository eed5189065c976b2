#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/bind-vs-nm's measurement, run inside the virtual VPC's vpc namespace: for each
stack, boot the virtual ECS (tests/vpc's harness; eni.stack=nm for NetworkManager), then
bind and unbind one ENI N times, measured as the vpc tier measures enid: the peers ping the
ENI's primary IP every 20 ms from the moment device_add returns (pinger.py), the first
reply counts; tapwatch.py tells which tap the replies leave through. Prints per-bind lines,
the summary table (table.py) and the verdict.
The DHCP stacks (enid-dhcp: enid with addressing = dhcp; nm-dhcp: NetworkManager with
ipv4.method=auto) bind the ENI the vSwitch's dnsmasq serves (layout.DHCP_ENI), alternating a
first bind (the stack's remembered leases deleted) and a rebind of the known MAC (enid:
INIT-REBOOT); each bind also counts the DHCP messages on the ENI's tap, and after the binds
one more bind stays bound for IDLE s while the stack's wakeups are counted (voluntary and
involuntary context switches, /proc/PID/status).
Usage: bench.py --state DIR --out DIR --kernel VMLINUX --initrd CPIO --initrd-nm CPIO
                [--addressing static|metadata] [--binds N] [--stacks enid,nm,enid-dhcp,nm-dhcp]"""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "vpc"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "lib"))
sys.path.insert(0, HERE)
import checks  # noqa: E402
import guestvm  # noqa: E402
import layout  # noqa: E402
import session  # noqa: E402
import table  # noqa: E402
from qmp import QmpError  # noqa: E402

ENI = layout.ENIS[0]
DHCP_ENI = layout.Eni(layout.DHCP_ENI.n, layout.DHCP_ENI.ips[:1])  # dnsmasq gives one IP
IDLE = 20.0             # s bound and left alone, wakeups counted (DHCP stacks)
NM_ACTIVATED = r"device \((\S+)\): Activation: successful"
REPLY_WAIT = 15.0       # s for the first replies after device_add
TAIL = 1.0              # s of pinging after both first replies, for the reply counts
SETTLE = 10.0


def say(*lines):
    for line in lines:
        print(line)
    sys.stdout.flush()


class Stack:
    def __init__(self, name, a):
        self.name = name
        self.nm = name.startswith("nm")
        self.dhcp = name.endswith("-dhcp")
        self.eni = DHCP_ENI if self.dhcp else ENI
        if self.dhcp:
            self.label = "NetworkManager (dhcp)" if self.nm else "enid (dhcp)"
        else:
            self.label = "NetworkManager" if self.nm else "enid (%s)" % a.addressing
        self.initrd = a.initrd_nm if self.nm else a.initrd
        self.cmdline = "eni.stack=nm" if self.nm else ""
        self.configured_rx = NM_ACTIVATED if self.nm else session.CONFIGURED


def to_dhcp(vpc, st):
    """Switches the booted stack to DHCP for the ENI; problems."""
    if st.nm:
        vpc.guest.out("nmcli connection modify %s ipv4.method auto ipv4.addresses '' "
                      "ipv4.gateway ''" % st.eni.dev)
        rc, out = vpc.guest.run("nmcli -t -f ipv4.method connection show %s" % st.eni.dev)
        return [] if rc == 0 and "auto" in " ".join(out) else [
            "NetworkManager's profile %s is not DHCP: %s" % (st.eni.dev, out)]
    m = vpc.guest.mark()
    vpc.guest.out("enid-start stop; sed 's/^addressing = auto$/addressing = dhcp/' "
                  "/etc/enid/enid-dhcp.conf > /etc/enid/enid-dhcponly.conf; "
                  "ln -sf enid-dhcponly.conf /etc/enid/enid.conf; enid-start")
    if vpc.guest.wait_line(r"^enid: \w+: enid .* running", m, 20) is None:
        return ["enid did not restart with addressing = dhcp"]
    return []


def forget_leases(vpc, st):
    """A first bind: the stack's remembered leases go (enid: INIT-REBOOT no more)."""
    vpc.guest.out("rm -f /var/lib/NetworkManager/*.lease" if st.nm else
                  "rm -f /run/enid/dhcp-leases")


def stack_pid(vpc, st):
    return vpc.guest.out("cat /run/nm.pid" if st.nm else "cat /run/enid.pid").strip()


def wakeups(vpc, pid):
    """Context switches of every thread of pid (NetworkManager has several)."""
    out = vpc.guest.out("cat /proc/%s/task/*/status | grep ctxt_switches" % pid)
    return sum(int(x.split()[1]) for x in out.splitlines() if x.strip())


def idle_wakeups(vpc, st):
    """Binds the ENI once more, waits until it answers, then counts the stack's wakeups
    over IDLE s (between renewals: dnsmasq's lease is 1 h); (wakeups, problems)."""
    forget_leases(vpc, st)
    row = one_bind(vpc, st, keep=True)
    if row["peer1"] is None:
        vpc.unbind(st.eni)
        return None, ["no reply before the idle count"]
    time.sleep(3.0)             # gratuitous ARP rounds and NM's settling done
    pid = stack_pid(vpc, st)
    w0 = wakeups(vpc, pid)
    time.sleep(IDLE)
    w1 = wakeups(vpc, pid)
    vpc.unbind(st.eni)
    return w1 - w0, row["problems"]


def boot(vpc, st):
    """Boots the guest; problems (empty when the stack runs)."""
    secs = vpc.guest.boot()
    lines = vpc.guest.lines_since(0)
    p = [x for x in lines if x.startswith("EV ") and "error" in x]
    want = "nm-started" if st.nm else "enid-started"
    if not any(x.startswith("EV ") and want in x for x in lines):
        p.append("no `EV %s` at boot" % want)
    if st.nm:
        if vpc.guest.run("pidof enid")[0] == 0:
            p.append("enid runs in the NetworkManager boot")
        if vpc.guest.run("grep -q eni_notify /proc/modules")[0] == 0:
            p.append("eni_notify is loaded in the NetworkManager boot")
        rc, out = vpc.guest.run("nmcli -t -f NAME,DEVICE connection show")
        names = [x.split(":")[0] for x in out]
        if rc != 0 or ENI.dev not in names:
            p.append("NetworkManager has no profile %s: %s" % (ENI.dev, out))
        ver = vpc.guest.out("NetworkManager --version").strip()
        say("# %s: NetworkManager %s, profiles %s; guest booted in %.1f s" % (
            st.label, ver, ",".join(sorted(names)), secs))
    else:
        say("# %s: enid %s; guest booted in %.1f s" % (
            st.label, "running" if vpc.enid_pid() else "NOT running", secs))
    return p


def configured_inside(vpc, st):
    """The ENI holds its addresses (both stacks); for enid also its rules and table."""
    eni = st.eni
    if st.nm:
        want = {"%s/%d" % (ip, layout.PREFIX) for ip in eni.ips}
        deadline = time.monotonic() + SETTLE
        while True:
            got = set()
            for link in vpc.js("ip -j addr show"):
                if link.get("address", "").lower() == eni.mac:
                    got = {"%s/%d" % (a["local"], a["prefixlen"])
                           for a in link.get("addr_info", []) if a.get("family") == "inet"}
            if got == want or time.monotonic() > deadline:
                return [] if got == want else ["addresses %s, want %s" % (sorted(got),
                                                                          sorted(want))]
            time.sleep(0.2)

    def probe(status, rules, routes):
        return checks.configured(status, rules, routes, eni, layout.PREFIX, layout.GATEWAY)
    return vpc.wait_state(probe, SETTLE)


def gone_inside(vpc, st):
    if st.nm:
        deadline = time.monotonic() + SETTLE
        while vpc.guest.run("ip -o link | grep -qi %s" % st.eni.mac)[0] == 0:
            if time.monotonic() > deadline:
                return ["the ENI's link is still there"]
            time.sleep(0.2)
        return []
    return vpc.wait_state(lambda s, r, t: checks.clean(s, r, t), SETTLE)


def one_bind(vpc, st, keep=False):
    """Binds the stack's ENI with the peers pinging its primary IP; returns the row
    (table.py). keep: left bound."""
    ENI = st.eni
    ip = ENI.ips[0]
    vpc.forget_neighbours()
    vpc.watch.mark()
    m = vpc.guest.mark()
    t = vpc.bind(ENI)
    pingers = vpc.ping([ip])
    deadline = t + REPLY_WAIT
    while time.monotonic() < deadline and not all(p.replies for p in pingers.values()):
        time.sleep(0.02)
    time.sleep(TAIL)
    vpc.stop(pingers)
    time.sleep(0.1)             # replies in flight reach the taps
    row = {"frame": None, "configured": None, "ifname": None}
    frame, row["frame_kind"] = vpc.watch.first_rx(ENI.tap)
    row["frame"] = None if frame is None else frame - t
    for (peer, _), p in pingers.items():
        first = p.first_reply()
        row[peer] = None if first is None else first - t
    r = vpc.guest.wait_line(st.configured_rx, m, 0.5)
    if r:
        row["configured"], row["ifname"] = r[0] - t, r[1].group(1)
    row["via_eni"] = vpc.watch.count(ENI.tap, "icmp-echo-reply", ip)
    row["via_primary"] = vpc.watch.count(layout.PRIMARY_TAP, "icmp-echo-reply", ip)
    firsts = {tap: vpc.watch.first_of(tap, "icmp-echo-reply", ip)
              for tap in (ENI.tap, layout.PRIMARY_TAP)}
    seen = [(v, tap) for tap, v in firsts.items() if v is not None]
    row["first_via"] = min(seen)[1] if seen else None
    row["problems"] = configured_inside(vpc, st)
    row["routes"] = vpc.guest.out("ip -4 route show table main; ip -4 rule show")
    if st.dhcp:
        row["dhcp"] = (vpc.watch.count(ENI.tap, "dhcp-discover", "0.0.0.0"),
                       vpc.watch.count(ENI.tap, "dhcp-request", "0.0.0.0"))
    if keep:
        return row
    vpc.unbind(ENI)
    row["problems"] += ["after unbind: %s" % x for x in gone_inside(vpc, st)]
    return row


def guest_mem(vpc, proc):
    """(rss, pss, uss) KiB of the guest's process proc (smaps_rollup), or None."""
    rc, out = vpc.guest.run("cat /proc/$(pidof %s | cut -d' ' -f1)/smaps_rollup" % proc)
    v = {}
    for line in out if rc == 0 else []:
        k, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            v[k.strip()] = int(rest.split()[0])
    if "Rss" not in v:
        return None
    return v["Rss"], v["Pss"], v.get("Private_Clean", 0) + v.get("Private_Dirty", 0)


def mem_phase(vpc, st, phase, mems):
    for proc in ("NetworkManager", "dbus-daemon") if st.nm else ("enid",):
        m = guest_mem(vpc, proc)
        mems.append((proc, phase, m))
        say("# memory %-15s %-7s %s" % (proc, phase, "RSS %d PSS %d USS %d KiB" % m if m else "?"))


def four_bound(vpc, st, mems):
    """Binds ENIs 1-4, waits for their first addresses, reads the memory, unbinds them."""
    four = layout.ENIS[:4]
    for eni in four:
        vpc.bind(eni)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        out = vpc.guest.out("ip -o -4 addr")
        if all(e.ips[0] + "/" in out for e in four):
            break
        time.sleep(0.5)
    time.sleep(2.0)
    mem_phase(vpc, st, "4 ENIs", mems)
    vpc.unbind_all()


def fmt(v):
    return "-" if v is None else "%.0f" % (v * 1000)


def run_stack(names, a, st, mems):
    out = os.path.join(a.out, st.name)
    os.makedirs(out, exist_ok=True)
    vpc = session.Vpc(names, out, a.state, a.kernel, st.initrd, a.addressing, st.cmdline)
    rows = []
    try:
        problems = boot(vpc, st)
        if problems:
            say("# %s does not run: %s (logs: %s)" % (st.label, "; ".join(problems[:8]), out))
            tail = [x for x in vpc.guest.lines_since(0)
                    if not x.startswith(("OUT ", "END "))][-25:]
            say(*("#   " + x for x in tail))
            return rows
        if st.dhcp:
            problems = to_dhcp(vpc, st)
            if problems:
                say("# %s: %s" % (st.label, "; ".join(problems)))
                return rows
        time.sleep(1.0)
        mem_phase(vpc, st, "idle", mems)
        for i in range(a.binds):
            if st.dhcp and i % 2 == 0:
                forget_leases(vpc, st)
            row = one_bind(vpc, st)
            row["kind"] = "first" if i % 2 == 0 else "rebind"
            rows.append(row)
            if i == 0:
                say("# %s: the guest's main table and rules with the ENI bound:" % st.label,
                    *("#   " + x for x in row["routes"].splitlines()))
            say("# %-15s bind %2d %-6s frame %5s (%s) configured %5s peer1 %5s peer2 %5s ms;"
                " replies via ENI %3d, primary %3d; first via %s%s" % (
                    st.label, i + 1, row["ifname"] or "?", fmt(row["frame"]),
                    row["frame_kind"], fmt(row["configured"]), fmt(row["peer1"]),
                    fmt(row["peer2"]), row["via_eni"], row["via_primary"], row["first_via"],
                    "; PROBLEMS: " + "; ".join(row["problems"]) if row["problems"] else ""))
            if st.dhcp:
                say("# %-15s bind %2d is a %s: %d DISCOVER + %d REQUEST on the tap" % (
                    st.label, i + 1, "first bind" if i % 2 == 0 else "rebind of the MAC",
                    row["dhcp"][0], row["dhcp"][1]))
            time.sleep(1.0)
        if st.dhcp:
            w, p = idle_wakeups(vpc, st)
            st.idle = w
            say("# %s: %s wakeups in %.0f s bound and idle (between renewals)%s" % (
                st.label, "-" if w is None else w, IDLE, "; " + "; ".join(p) if p else ""))
        four_bound(vpc, st, mems)
        trouble = vpc.guest.kernel_trouble()
        if trouble:
            say("# %s: guest kernel trouble: %s" % (st.label, trouble))
    except (guestvm.GuestError, QmpError, OSError, ValueError, KeyError) as e:
        say("# %s: the run broke: %r (logs: %s)" % (st.label, e, out))
        vpc.unbind_all()
    finally:
        vpc.close()
    return rows


def main():
    ap = session.arg_parser()
    ap.add_argument("--initrd-nm", required=True)
    ap.add_argument("--binds", type=int, default=10)
    ap.add_argument("--stacks", default="enid,nm,enid-dhcp,nm-dhcp")
    a = ap.parse_args()
    names = session.names(a.state)
    results, mems = [], []
    for name in [x for x in a.stacks.split(",") if x]:
        st = Stack(name, a)
        t0 = time.monotonic()
        rows = run_stack(names, a, st, mems)
        say("# %s: %d binds in %.0f s" % (st.label, len(rows), time.monotonic() - t0))
        results.append((st, rows))
    say("", "bind-to-answer: ms after QMP device_add returned (host clock) until the first "
        "echo reply at peer1 (same vSwitch) and peer2 (other subnet), and until the first "
        "frame from the guest on the ENI's tap; echo replies from the ENI's primary IP per "
        "tap, each bind until 1 s after both first replies; (n!): n binds without it.", "")
    say(*table.table([(st.label, rows) for st, rows in results if not st.dhcp]))
    say("", "memory in the guest (KiB; USS = Private_Clean + Private_Dirty, smaps_rollup):",
        "%-15s %-7s %8s %8s %8s" % ("process", "phase", "RSS", "PSS", "USS"),
        *("%-15s %-7s %8d %8d %8d" % ((p, ph) + m) for p, ph, m in mems if m))
    by = {st.name: rows for st, rows in results}
    if by.get("enid") and by.get("nm"):
        ok, lines = table.verdict(by["enid"], by["nm"])
        say("", *lines)
    dhcp = [(st.label, rows, getattr(st, "idle", None)) for st, rows in results if st.dhcp]
    if dhcp:
        say("", "DHCP (%s, the vSwitch's dnsmasq): first bind (no lease remembered) and rebind "
            "of the known MAC; messages = DISCOVER + REQUEST on the ENI's tap per bind; "
            "idle = wakeups in %.0f s bound between renewals." % (DHCP_ENI.ips[0], IDLE), "")
        say(*table.dhcp_table(dhcp))
        if by.get("enid-dhcp") and by.get("nm-dhcp"):
            for kind in ("first", "rebind"):
                ok, lines = table.verdict([r for r in by["enid-dhcp"] if r["kind"] == kind],
                                          [r for r in by["nm-dhcp"] if r["kind"] == kind])
                say(*("dhcp %s: %s" % (kind, x) for x in lines))
    bad = sum(1 for _, rows in results for r in rows if r["problems"])
    if bad:
        say("# %d binds had problems inside the guest (see the per-bind lines)" % bad)
    return 0 if all(rows for _, rows in results) else 1


if __name__ == "__main__":
    sys.exit(main())
