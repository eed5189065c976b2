#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The vpc tier's scenarios, run inside the vpc namespace (run.sh starts it there):
boot the virtual ECS, then bind and unbind ENIs over QMP and check each outcome inside the
guest (enictl status, ip rule, ip route) and outside it (the peers' pings, which tap the
replies leave through). Prints TAP lines and '# ' lines; the bind figures come last.
Usage: scenarios.py --state DIR --out DIR --kernel VMLINUX --initrd CPIO.GZ
                    [--addressing static|metadata] [--cycles N] [--only NAME,...]
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
import guestvm  # noqa: E402
import imds  # noqa: E402
import layout  # noqa: E402
import session  # noqa: E402
from qmp import QmpError  # noqa: E402
from taplines import Tap, diag  # noqa: E402

E = layout.ENIS
SETTLE = 10.0       # s for the guest's state to reach what a check expects


def configured_probe(enis):
    def probe(status, rules, routes):
        p = []
        for eni in enis:
            p += checks.configured(status, rules, routes, eni, layout.PREFIX, layout.GATEWAY)
        return p
    return probe


def clean_probe(status, rules, routes):
    return checks.clean(status, rules, routes)


def outside(vpc, enis, seconds=1.0, targets=None):
    """Both peers ping the ENIs' addresses (or targets among them) every 50 ms for a while:
    problems when a peer gets no reply or a reply leaves through another NIC than the ENI's
    own. ARP replies for them through another NIC are kept in vpc.flux."""
    targets = targets or [ip for e in enis for ip in e.ips]
    vpc.watch.mark()
    pingers = vpc.ping(targets, 0.05)
    time.sleep(seconds)
    for p in pingers.values():
        p.wait_replies(1, 3.0)
    vpc.stop(pingers)
    time.sleep(0.1)      # replies in flight reach the taps
    p = ["%s got no reply from %s" % (peer, ip)
         for (peer, ip), pg in pingers.items() if not pg.replies]
    for eni in enis:
        ips = [ip for ip in eni.ips if ip in targets]
        p += checks.through_eni(vpc.watch.count, eni, vpc.taps, ips)
        vpc.flux += checks.arp_flux(vpc.watch.count, eni, vpc.taps, ips)
    return p


# ---- scenarios -----------------------------------------------------------------------------
def setup(vpc, tap, a):
    secs = vpc.guest.boot()
    diag("guest booted in %.1f s (serial log: %s)" % (secs, vpc.guest.serial_log.name))
    lines = vpc.guest.lines_since(0)
    errs = [x for x in lines if x.startswith("EV ") and "error" in x]
    if not any(x.startswith("EV ") and "enid-started addressing " + a.addressing in x
               for x in lines):
        errs.append("enid did not start with addressing %s" % a.addressing)
    prim = [x for x in lines if x.startswith("EV ") and " primary " in x]
    name = prim[0].split()[3] if prim else None
    p = list(errs)
    if not name or not re.match(r"^ens\d+$", name):
        p.append("the primary is not named ensN by udev: %s" % prim)
    if not prim or "%s/%d" % (layout.PRIMARY_IP, layout.PREFIX) not in prim[0]:
        p.append("the primary has no DHCP address %s: %s" % (layout.PRIMARY_IP, prim))
    vpc.primary = name
    tap.check("guest boots: udev names the primary %s, DHCP gives it %s, enid starts "
              "(addressing %s)" % (name, layout.PRIMARY_IP, a.addressing), p)

    vpc.baseline_default = vpc.main_default()
    p = []
    if not any(r.get("gateway") == layout.GATEWAY and r.get("dev") == name
               for r in vpc.baseline_default):
        p.append("main default route: %s" % vpc.baseline_default)
    dump = vpc.guest.out("enictl dump")
    if not re.search(r" %s .*mac %s .*origin present" % (name, layout.PRIMARY_MAC), dump):
        p.append("enictl dump: %s" % dump)
    tap.check("eni_notify is loaded: enictl dump lists the primary (origin present)", p)

    st = vpc.status()
    p = []
    if not st.get("synced") or st.get("source") != "genl":
        p.append("status: source %s synced %s" % (st.get("source"), st.get("synced")))
    if st.get("links"):
        p.append("links at boot: %s" % st["links"])
    p += checks.clean(*vpc.state())
    tap.check("enid started at boot: genl source, synced, primary untouched, nothing of ours",
              p)
    vpc.baseline_links = len(vpc.guest.out("ip -o link show").splitlines())
    rtt, off = vpc.clock_offset() or (None, None)
    if rtt is not None:
        diag("guest clock offset estimate: +-%.1f ms (CLK round trip %.1f ms)" % (
            rtt * 500, rtt * 1000))


def bind_one(vpc, tap, a):
    eni = E[0]
    bt, pingers = vpc.timed_bind(eni, eni.ips)
    vpc.timings_other.append(bt)
    p = vpc.wait_state(configured_probe([eni]), SETTLE)
    if vpc.main_default() != vpc.baseline_default:
        p.append("main default route changed: %s" % vpc.main_default())
    tap.check("bind one ENI: addresses, rules and table as planned, main default unchanged "
              "(inside)", p)
    link = checks.link_by_mac(vpc.status(), eni.mac) or {}
    tap.check("bind one ENI: udev gave it a predictable name (%s)" % link.get("ifname"),
              [] if re.match(r"^ens\d+$", link.get("ifname") or "") else
              ["ifname %s" % link.get("ifname")])
    vpc.stop(pingers)
    p = ["%s got no reply from %s within 5 s of CONFIGURED" % (peer, ip)
         for (peer, ip), pg in pingers.items() if not pg.replies]
    p += checks.through_eni(vpc.watch.count, eni, vpc.taps, eni.ips)
    flux = checks.arp_flux(vpc.watch.count, eni, vpc.taps, eni.ips)
    p += outside(vpc, [eni])
    tap.check("bind one ENI: both peers ping both its IPs; every reply leaves through the "
              "ENI (its MAC on its bridge port), none through the primary", p)
    tap.check("bind one ENI: only the ENI answers ARP for its addresses (no ARP flux)",
              flux + vpc.flux)
    vpc.flux = []
    vpc.unbind(eni)
    p = vpc.wait_state(clean_probe, SETTLE)
    if vpc.main_default() != vpc.baseline_default:
        p.append("main default route changed: %s" % vpc.main_default())
    tap.check("unbind one ENI: no rule or route of protocol 222 remains", p)


def bind_four(vpc, tap, a):
    four = E[:4]
    for eni in four:
        vpc.bind(eni)
    p = vpc.wait_state(configured_probe(four), 30.0)
    slots = [l.get("slot") for l in vpc.status().get("links", [])]
    if len(set(slots)) != 4:
        p.append("slots %s" % slots)
    tap.check("bind four ENIs at once: each configured in its own slot and table", p)
    p = outside(vpc, four, 1.0, [e.ips[0] for e in four])
    tap.check("four ENIs: peers' pings to each ENI are answered through that ENI only", p)
    p = []
    left = list(four)
    for eni in (four[2], four[0], four[3], four[1]):
        vpc.unbind(eni)
        left.remove(eni)

        def probe(status, rules, routes, eni=eni, left=tuple(left)):
            return (checks.gone(status, rules, routes, eni) +
                    configured_probe(left)(status, rules, routes))
        p += ["after unbinding %s: %s" % (eni.dev, x) for x in vpc.wait_state(probe, SETTLE)]
    p += vpc.wait_state(clean_probe, SETTLE)
    tap.check("unbind them in another order (3, 1, 4, 2): the others stay configured at "
              "each step; nothing of ours remains", p)


def cycles(vpc, tap, a):
    eni = E[0]
    pid = vpc.enid_pid()
    fds0 = vpc.guest.out("ls /proc/%s/fd | wc -l" % pid).strip()
    rss0 = vpc.guest.out("grep VmRSS /proc/%s/status" % pid).split()[1]
    p = []
    for i in range(a.cycles):
        vpc.clock_offset(3)
        bt, pingers = vpc.timed_bind(eni, [eni.ips[0]])
        vpc.stop(pingers)
        vpc.timings.append(bt)
        if bt.configured is None:
            p.append("cycle %d: no configured line within 20 s" % (i + 1))
        p += ["cycle %d: %s" % (i + 1, x)
              for x in vpc.wait_state(configured_probe([eni]), SETTLE)]
        p += ["cycle %d: %s did not answer" % (i + 1, peer)
              for (peer, ip), pg in pingers.items() if not pg.replies]
        p += ["cycle %d: %s" % (i + 1, x)
              for x in checks.through_eni(vpc.watch.count, eni, vpc.taps, [eni.ips[0]])]
        vpc.flux += checks.arp_flux(vpc.watch.count, eni, vpc.taps, [eni.ips[0]])
        vpc.unbind(eni)
        p += ["cycle %d: %s" % (i + 1, x) for x in vpc.wait_state(clean_probe, SETTLE)]
        if len(p) > 20 or bt.configured is None:
            break
    tap.check("%d bind/unbind cycles: each configured, answered through the ENI, cleaned" %
              a.cycles, p)
    p = vpc.wait_state(clean_probe, SETTLE)
    links = len(vpc.guest.out("ip -o link show").splitlines())
    if links != vpc.baseline_links:
        p.append("%d links, %d at boot" % (links, vpc.baseline_links))
    fds = vpc.guest.out("ls /proc/%s/fd | wc -l" % pid).strip()
    rss = vpc.guest.out("grep VmRSS /proc/%s/status" % pid).split()[1]
    if fds != fds0:
        p.append("enid had %s fds before the cycles, %s after" % (fds0, fds))
    slots = vpc.guest.out("cat /run/enid/slots 2>/dev/null; true").strip()
    diag("enid after %d cycles: %s fds (%s before), VmRSS %s kB (%s before), slots file: %s"
         % (a.cycles, fds, fds0, rss, rss0, slots.replace("\n", "; ") or "empty"))
    tap.check("after %d cycles nothing leaks: rules, routes, links back to baseline, enid's "
              "fds unchanged" % a.cycles, p)


def coldplug(vpc, tap, a):
    eni = E[1]
    vpc.guest.out("enid-start stop")
    vpc.bind(eni)
    deadline = time.monotonic() + 30
    seen = False
    while time.monotonic() < deadline and not seen:
        seen = vpc.guest.run("ip -o link show | grep -q %s" % eni.mac)[0] == 0
        time.sleep(0.2)
    p = [] if seen else ["the ENI did not appear in the guest"]
    time.sleep(1.0)     # udev renames it; nothing may configure it meanwhile
    rules = [r for r in checks.ours(vpc.rules()) if r.get("src") in eni.ips]
    if rules:
        p.append("rules without enid: %s" % rules)
    m = vpc.guest.mark()
    vpc.guest.out("enid-start")
    if vpc.guest.wait_line(session.CONFIGURED, m, 20) is None:
        p.append("no configured line after enid started")
    p += vpc.wait_state(configured_probe([eni]), SETTLE)
    p += outside(vpc, [eni], 0.5, [eni.ips[0]])
    vpc.unbind(eni)
    p += vpc.wait_state(clean_probe, SETTLE)
    tap.check("bind while enid is stopped, then start it: configured through the dump "
              "(coldplug), answered through the ENI, cleaned on unbind", p)


def metadata_lag(vpc, tap, a):
    desc = "metadata lags 3 s behind the bind: configured once it answers, no error left"
    if a.addressing != "metadata":
        tap.skip(desc, a.why_static)
        return
    eni = E[2]
    imds.control("reset", {})       # the request log shows this bind only
    bt, pingers = vpc.timed_bind(eni, [eni.ips[0]], timeout=30, lag=3.0)
    vpc.stop(pingers)
    p = []
    if bt.configured is None:
        p.append("no configured line within 30 s")
    elif bt.rel(bt.configured) < 3.0:
        p.append("configured %.2f s after the bind, before the metadata knew the ENI" %
                 bt.rel(bt.configured))
    p += vpc.wait_state(configured_probe([eni]), SETTLE)
    p += outside(vpc, [eni], 0.5, [eni.ips[0]])
    diag("metadata lag: configured %.2f s after device_add" % (bt.rel(bt.configured) or -1))
    log = imds.requests(eni.mac)
    if log:
        t0 = log[0]["t"]
        diag("metadata requests for %s (s after the first: status key): %s" % (
            eni.mac, ", ".join("%.2f:%s %s" % (e["t"] - t0, e["status"], e["key"])
                               for e in log[:40])))
    vpc.unbind(eni)
    imds.clear_faults()
    p += vpc.wait_state(clean_probe, SETTLE)
    tap.check(desc, p)


def refresh(vpc, tap, a):
    desc = "a secondary IP assigned in the console after the bind: enictl refresh adds it"
    if vpc.guest.run("enictl refresh --help")[0] != 0:
        tap.skip(desc, "enictl has no refresh command yet")
        return
    if a.addressing != "metadata":
        tap.skip(desc, a.why_static)
        return
    eni = E[3]
    vpc.bind(eni)
    p = vpc.wait_state(configured_probe([eni]), SETTLE)
    new_ip = "172.31.0.%d" % (200 + eni.n)
    imds.assign(eni.mac, new_ip)
    out = vpc.guest.run("enictl refresh")
    if out[0] != 0:
        p.append("enictl refresh: %s" % out[1])

    grown = layout.Eni(eni.n)
    grown.ips.append(new_ip)
    p += vpc.wait_state(configured_probe([grown]), SETTLE)
    p += outside(vpc, [grown], 0.5, [new_ip])
    vpc.unbind(eni)
    p += vpc.wait_state(clean_probe, SETTLE)
    tap.check(desc, p)


def restart(vpc, tap, a):
    two = E[:2]
    for eni in two:
        vpc.bind(eni)
    p = vpc.wait_state(configured_probe(two), 30.0)
    before = vpc.state()
    slots = {l["mac"]: l.get("slot") for l in before[0].get("links", [])}
    m = vpc.guest.mark()
    vpc.guest.out("enid-start kill")
    vpc.guest.out("enid-start")
    if vpc.guest.wait_line(r"^enid: \w+: initial sync done", m, 20) is None:
        p.append("enid did not report its initial sync after the restart")
    p += vpc.wait_state(configured_probe(two), SETTLE)
    status, rules, routes = vpc.state()
    p += checks.no_duplicates(rules, routes)
    if sorted(map(str, checks.ours(rules))) != sorted(map(str, checks.ours(before[1]))):
        p.append("rules differ after the restart")
    if sorted(map(str, checks.ours(routes))) != sorted(map(str, checks.ours(before[2]))):
        p.append("routes differ after the restart")
    now = {l["mac"]: l.get("slot") for l in status.get("links", [])}
    if now != slots:
        p.append("slots %s before, %s after" % (slots, now))
    p += outside(vpc, two, 0.5, [e.ips[0] for e in two])
    tap.check("enid killed and restarted with two ENIs bound: converges to the same rules, "
              "routes and slots, no duplicates, still answering through the ENIs", p)
    for eni in two:
        vpc.unbind(eni)
    tap.check("unbind after the restart: nothing of ours remains",
              vpc.wait_state(clean_probe, SETTLE))


def finish(vpc, tap, a):
    p = []
    if vpc.guest.run("kill -0 $(cat /run/enid.pid)")[0] != 0:
        p.append("enid is not running")
    bad = [x for x in vpc.guest.lines_since(0) if re.match(r"^enid: (error|warning):", x)]
    p += bad[:10]
    tap.check("enid ran through every scenario without errors or warnings", p)
    tap.check("no ARP flux in the other scenarios: only each ENI answers ARP for its "
              "addresses", sorted(set(vpc.flux))[:10])
    trouble = vpc.guest.kernel_trouble()
    tap.check("guest kernel log has no WARN/BUG/oops", [trouble] if trouble else [])


SCENARIOS = [("bind_one", bind_one), ("bind_four", bind_four), ("cycles", cycles),
             ("coldplug", coldplug), ("metadata_lag", metadata_lag), ("refresh", refresh),
             ("restart", restart)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--addressing", default="static", choices=("static", "metadata"))
    ap.add_argument("--why-static", default="the run uses static addressing",
                    help="why, when --addressing static")
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--only", default="")
    ap.add_argument("--first", type=int, default=1, help="number of the first TAP line")
    a = ap.parse_args()
    names = dict(line.strip().split("=", 1) for line in open(a.state + "/names.env")
                 if "=" in line)
    tap = Tap()
    tap.n = a.first - 1
    vpc = session.Vpc(names, a.out, a.state, a.kernel, a.initrd, a.addressing)
    vpc.timings, vpc.timings_other = [], []
    only = [x for x in a.only.split(",") if x]
    try:
        try:
            setup(vpc, tap, a)
        except (guestvm.GuestError, QmpError, OSError, ValueError) as e:
            tap.result(False, "the virtual ECS boots and serves its agent", [str(e)])
            return 0
        for name, fn in SCENARIOS:
            if only and name not in only:
                continue
            t = time.monotonic()
            try:
                fn(vpc, tap, a)
            except (guestvm.GuestError, QmpError, OSError, ValueError, KeyError) as e:
                tap.result(False, "scenario %s runs to its end" % name, [repr(e)])
                vpc.unbind_all()
            diag("scenario %s took %.0f s" % (name, time.monotonic() - t))
        finish(vpc, tap, a)
        if vpc.timings:
            diag(*session.figure_lines(vpc.timings))
    finally:
        vpc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
