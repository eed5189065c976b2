# SPDX-License-Identifier: GPL-2.0
"""The netns tier's cases, in order; each prints one TAP line (see tier.py for the driver)."""

import os
import re
import signal
import subprocess
import time
from collections import Counter

import kstate as K
import scheme
from enid_proc import Enid, proc_figures, status_field, status_has, wait_until
from expect import Eni, config_text, dispatch_lines, planned_addrs, planned_all, table_of
from nsenv import Vpc, ip, nsexec, run, sysctl_read
from tap import diag

GW4 = Vpc.GW4
A = Eni("eth1", "02:00:00:00:00:0a", ["10.99.0.10/24", "10.99.0.11/24"], gw4=GW4, mtu=1400)
B = Eni("eth2", "02:00:00:00:00:0b", ["10.98.0.10/24", "10.98.0.11/24", "2001:db8:98::10/64"],
        gw4=Vpc.GW4_B, gw6=Vpc.GW6_B)
C = Eni("eth3", "02:00:00:00:00:0c", ["10.99.0.20/24"], gw4=GW4)
D = Eni("eth4", "02:00:00:00:00:0d", ["10.99.0.30/24", "2001:db8:99::30/64"], gw4=GW4)
U = Eni("eth5", "02:00:00:00:00:0e", unmanaged=True)
E = Eni("eth6", "02:00:00:00:00:10", ["10.99.0.%d/24" % i for i in range(50, 54)], gw4=GW4)
F = Eni("eth7", "02:00:00:00:00:0f", ["10.99.0.60/24"], gw4=GW4)
ALL = [A, B, C, D, U, E, F]
ENI_NAMES = {e.ifname for e in ALL}

# Line numbers matter: the test checks each one is reported.
BAD_CONFIG = """[global]
source = rtnl
drivers = veth
bogus_key = 1
udev = no
[02:00:00:00:00:0a]
address = 10.99.0.10/24
address = 10.99.0.300/24
gateway = 10.55.0.1
mtu = 20
[02:00:00:00:00:0A]
address = 10.99.0.12/24
[bogus-section]
"""
BAD_LINES = (4, 8, 10, 11, 13)

FOREIGN_CMDS = [
    ["rule", "add", "pref", "500", "from", "10.88.0.0/16", "lookup", "77"],
    ["route", "add", "10.88.0.0/16", "dev", "prim0", "table", "77"],
    # Inside slot 12's rule range and table, but not ours: must survive too (and slot 12
    # is never used: the foreign-state case checks that a slot so held is passed over).
    ["rule", "add", "pref", "10037", "from", "10.66.0.0/16", "lookup", "66"],
    ["-6", "rule", "add", "pref", "10038", "from", "2001:db8:66::/48", "lookup", "66"],
    ["route", "add", "10.66.0.0/24", "dev", "prim0", "table", "1012"],
    ["route", "add", "10.77.0.0/24", "via", "10.99.0.1", "dev", "prim0"],
]

CONVERGE_S = 5


class Tier:
    def __init__(self, tap, vpc, workdir):
        self.t, self.vpc, self.g = tap, vpc, vpc.guest
        self.workdir = workdir
        self.cfg = os.path.join(workdir, "enid.conf")
        self.good_text = config_text([A, B, C, D, U, E, F])
        self.write_cfg(self.good_text)
        self.enid = Enid(self.g, workdir, self.cfg)
        self.present = {}          # ifname -> (Eni, slot) of managed links plugged in
        self.plugged = set()
        self.peer_no = 0
        self.foreign_base = None
        self.foreign_bad = []      # checkpoints where foreign state differed

    # ---- helpers -------------------------------------------------------------------
    def write_cfg(self, text):
        with open(self.cfg, "w") as f:
            f.write(text)

    def plug(self, e):
        self.peer_no += 1
        self.vpc.plug(e.ifname, e.mac, self.peer_no)
        self.plugged.add(e.ifname)

    def unplug(self, e):
        self.vpc.unplug(e.ifname)
        self.plugged.discard(e.ifname)
        self.present.pop(e.ifname, None)

    def ours_diff(self):
        """Diagnostics: every proto-222 rule/route and every ENI address vs the plan."""
        exp_rules, exp_routes = planned_all(self.present.values())
        rules, routes = K.rules(self.g), K.routes(self.g)
        lines = K.diff(exp_rules, K.ours_slots(rules), "rule")
        lines += dispatch_lines(rules, list(self.present.values()))
        lines += K.diff(exp_routes, K.ours(routes), "route")
        for r in K.not_ours(routes):
            if r.table == "main" and r.dev in self.present and r.dst != "fe80::/64":
                lines.append("route not ours on ENI in main (prefix route?): " + K.fmt(r))
        for e, _ in self.present.values():
            lines += K.diff(planned_addrs(e), K.addrs(self.g, e.ifname), "%s addr" % e.ifname)
        return lines

    def converge(self, timeout=CONVERGE_S):
        done, lines = wait_until(lambda: (lambda l: (not l, l))(self.ours_diff()), timeout)
        return done, lines

    def foreign_now(self):
        rules = Counter(K.not_ours(K.rules(self.g)))
        routes = Counter(r for r in K.not_ours(K.routes(self.g)) if r.dev not in ENI_NAMES)
        return rules, routes

    def foreign_check(self, where):
        rules, routes = self.foreign_now()
        lines = K.diff(self.foreign_base[0].elements(), rules.elements(), "foreign rule")
        lines += K.diff(self.foreign_base[1].elements(), routes.elements(), "foreign route")
        if lines:
            self.foreign_bad.append((where, lines))

    def enid_down(self, desc):
        if self.enid.alive():
            return False
        self.t.result(False, desc, ["enid is not running"] + self.enid.log_tail(15))
        return True

    def slot_in_kernel(self, ifname):
        tables = {int(r.table) for r in K.ours(K.routes(self.g))
                  if r.dev == ifname and r.table != "main" and r.table.isdigit()}
        return min(tables) - table_of(0) if tables else None

    def check_present(self, desc):
        if self.enid_down(desc):
            return
        done, lines = self.converge()
        self.foreign_check(desc)
        self.t.result(done, desc, lines + ["--- enid log"] + self.enid.log_tail(15))

    # ---- cases ---------------------------------------------------------------------
    def setup(self):
        for argv in FOREIGN_CMDS:
            ip(self.g, *argv)
        self.plug(A)           # present before enid starts: found by the start-up dump
        self.plug(U)
        self.foreign_base = self.foreign_now()

    def c_check_config(self):
        p = run([self.enid.enid, "--config", self.cfg, "--check-config"], check=False)
        out = (p.stdout + p.stderr).strip()
        self.t.result(p.returncode == 0 and not out,
                      "enid --check-config accepts the generated config (exit 0, silent)",
                      ["rc %d" % p.returncode, out])
        bad = os.path.join(self.workdir, "bad.conf")
        with open(bad, "w") as f:
            f.write(BAD_CONFIG)
        p = run([self.enid.enid, "--config", bad, "--check-config"], check=False)
        out = (p.stdout + p.stderr).strip().splitlines()
        why = ["rc %d, output:" % p.returncode] + out
        names = (re.escape(bad), re.escape(os.path.basename(bad)))
        fmt = re.compile(r"^(%s|%s):(\d+): \S" % names)
        seen = {int(m.group(2)) for m in map(fmt.match, out) if m}
        ok = p.returncode != 0 and out and all(fmt.match(l) for l in out)
        missing = [n for n in BAD_LINES if n not in seen]
        ok = ok and not missing and any("gateway" in l.lower() for l in out)
        if missing:
            why.append("lines not reported: %s" % missing)
        self.t.result(bool(ok), "enid --check-config reports every error as file:line: message, "
                      "exits non-zero", why)
        return bad

    def c_bad_start(self, bad):
        run_dir = os.path.join(self.workdir, "run-bad")
        os.makedirs(run_dir, exist_ok=True)
        p = subprocess.Popen(self.enid.argv(run_dir, bad), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        try:
            out, _ = p.communicate(timeout=5)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            rc = "still running after 5 s"
        applied = K.ours(K.rules(self.g)) + K.ours(K.routes(self.g)) + K.addrs(self.g, "eth1")
        sock = os.path.exists(os.path.join(run_dir, "enid.sock"))
        ok = rc not in (0, "still running after 5 s") and not applied and not sock
        self.t.result(ok, "enid refuses to start on an invalid config and applies nothing",
                      ["rc %s, socket %s" % (rc, sock)] + [K.fmt(x) for x in applied]
                      + (out or "").splitlines()[-10:])

    def c_start(self):
        ok, why = self.enid.start()
        self.t.result(ok, "enid starts on the valid config (control socket up)",
                      [why] + self.enid.log_tail(20))
        self.present["eth1"] = (A, 1)

    def c_present_at_start(self):
        desc = "eth1 present at start, 2 addrs in the primary's subnet: "
        if self.enid_down(desc + "configured"):
            return
        done, _ = self.converge()
        exp_rules, exp_routes = planned_all([(A, 1)])
        addrs = K.addrs(self.g, "eth1")
        self.t.result(not K.diff(planned_addrs(A), addrs, ""),
                      desc + "addresses exact, noprefixroute",
                      K.diff(planned_addrs(A), addrs, "addr"))
        rules = K.rules(self.g)
        rl = K.diff(exp_rules, K.ours_slots(rules), "rule") + dispatch_lines(rules, [(A, 1)])
        self.t.result(not rl, desc + "rules exact (slot 1: from each address goto 10259 at "
                      "10003, the chain 10259-10262 with table 1001, suppress_prefixlength 0, "
                      "proto 222; the dispatch in front)", rl)
        rt = K.diff(exp_routes, K.ours(K.routes(self.g)), "route")
        rt += [l for l in self.ours_diff() if l.startswith("route not ours")]
        self.t.result(not rt, desc + "table 1001 and main routes exact (metric 2001, proto 222, "
                      "no kernel prefix route)", rt)
        link = K.links(self.g)["eth1"]
        got = {"up": "UP" in link["flags"], "mtu": link["mtu"],
               "arp_ignore": sysctl_read(self.g, "net/ipv4/conf/eth1/arp_ignore"),
               "arp_announce": sysctl_read(self.g, "net/ipv4/conf/eth1/arp_announce")}
        want = {"up": True, "mtu": 1400, "arp_ignore": "1", "arp_announce": "2"}
        self.t.result(got == want, desc + "link up, mtu 1400, arp_ignore 1, arp_announce 2",
                      ["got %s" % got, "want %s" % want])

    def c_untouched(self):
        link = K.links(self.g)["eth5"]
        got = (K.addrs(self.g, "eth5"), "UP" in link["flags"],
               sysctl_read(self.g, "net/ipv4/conf/eth5/arp_ignore"))
        self.t.result(got == ([], False, "0"), "unmanaged = yes link (eth5) left alone "
                      "(no addresses, still down, sysctls default)", ["got %s" % (got,)])
        prim = K.addrs(self.g, "prim0")
        want = [K.Addr(4, "10.99.0.2", 24, False, None), K.Addr(6, "2001:db8:99::2", 64, False,
                                                                True)]
        why = K.diff(want, prim, "prim0 addr")
        # the dispatch names the primary's addresses only to skip enid's rules (goto END)
        why += ["rule on the primary's address: " + K.fmt(r) for r in K.rules(self.g)
                if r.src in ("10.99.0.2", "2001:db8:99::2") and not (
                    r.pref == scheme.DISPATCH_SKIP and
                    r.extras == (("goto", str(scheme.DISPATCH_END)),))]
        why += ["ours on prim0: " + K.fmt(r) for r in K.ours(K.routes(self.g)) if r.dev == "prim0"]
        for key in ("arp_ignore", "arp_announce"):
            v = sysctl_read(self.g, "net/ipv4/conf/prim0/%s" % key)
            if v != "0":
                why.append("prim0 %s = %s" % (key, v))
        dflt = [r for r in K.routes(self.g) if r.table == "main" and r.dst == "default"]
        if [(r.gateway, r.dev, r.protocol) for r in dflt] != [(GW4, "prim0", "boot")]:
            why.append("main default routes: %s" % [K.fmt(r) for r in dflt])
        self.t.result(not why, "primary prim0 untouched (addresses, sysctls, no rules for its "
                      "address, the only main default route via it)", why)

    def peer_neigh(self, addr):
        """The peer's neighbour entry for addr on p0: (lladdr or None, state list)."""
        return K.neigh(self.vpc.peer, "p0", addr)

    def c_hotplug(self):
        # A stale, wrong entry for C's address on the peer: only C's gratuitous ARP
        # (the peer sends nothing to it) can correct it.
        c_ip = C.addrs[0].split("/")[0]
        ip(self.vpc.peer, "neigh", "replace", c_ip, "lladdr", "02:00:00:00:00:99", "dev", "p0",
           "nud", "stale")
        self.plug(B)
        self.plug(C)
        self.present["eth2"] = (B, 2)
        self.present["eth3"] = (C, 3)
        self.check_present("hot-plugged eth2 (other subnet, v4+v6) and eth3 (primary's subnet): "
                           "slots 2 and 3, every address, rule and route exact")
        got = {n: (sysctl_read(self.g, "net/ipv4/conf/%s/arp_ignore" % n),
                   sysctl_read(self.g, "net/ipv4/conf/%s/arp_announce" % n),
                   "UP" in K.links(self.g)[n]["flags"]) for n in ("eth2", "eth3")}
        self.t.result(all(v == ("1", "2", True) for v in got.values()),
                      "hot-plugged links up with arp_ignore 1, arp_announce 2", ["%s" % got])
        flt = sysctl_read(self.g, "net/ipv4/conf/all/arp_filter")
        saved = os.path.exists(os.path.join(self.enid.run_dir, "arp_filter.saved"))
        self.t.result(flt == "1" and saved, "ENIs configured: net.ipv4.conf.all.arp_filter 1, "
                      "the value found (0) kept in arp_filter.saved",
                      ["arp_filter %s, saved file %s" % (flt, saved)])
        done, got = wait_until(lambda: (lambda n: (n[0] == C.mac, n))(self.peer_neigh(c_ip)), 3)
        self.t.result(done, "gratuitous ARP: the peer's stale entry for %s now names eth3's MAC "
                      "without the peer asking" % c_ip, ["peer's entry: %s" % (got,)])

    def c_status(self):
        desc = "enictl status --json: eth1-3 CONFIGURED with slot, table, addresses, timeline"
        if self.enid_down(desc):
            return
        why = []
        try:
            links = {status_field(l, "ifname"): l for l in self.enid.status()}
        except Exception as e:
            self.t.result(False, desc, [str(e)])
            return
        for name, (e, slot) in sorted(self.present.items()):
            l = links.get(name)
            if l is None:
                why.append("%s: not listed (have %s)" % (name, sorted(map(str, links))))
                continue
            st = str(status_field(l, "state") or "")
            if st.upper() != "CONFIGURED":
                why.append("%s: state %r" % (name, st))
            if str(status_field(l, "mac")).lower() != e.mac:
                why.append("%s: mac %r" % (name, status_field(l, "mac")))
            if status_field(l, "slot") != slot:
                why.append("%s: slot %r, want %d" % (name, status_field(l, "slot"), slot))
            if status_field(l, "table") != table_of(slot):
                why.append("%s: table %r, want %d" % (name, status_field(l, "table"),
                                                      table_of(slot)))
            got = status_field(l, "addresses") or []
            got = {a if isinstance(a, str) else "%s/%s" % (a.get("address") or a.get("addr")
                                                           or a.get("local"),
                                                           a.get("prefixlen")) for a in got}
            if got != set(e.addrs):
                why.append("%s: addresses %s, want %s" % (name, sorted(got), e.addrs))
            # event_us: the kernel event's CLOCK_MONOTONIC time; the others are us after it,
            # udev_us null when udev was not waited for (udev = no here).
            keys = ("event_us", "udev_us", "addressing_us", "configured_us")
            tl = {k: status_field(l, k) for k in keys}
            nat = lambda v: isinstance(v, int) and v >= 0
            if not all(status_has(l, k) for k in keys) or not all(
                    nat(tl[k]) for k in ("event_us", "addressing_us", "configured_us")) or \
                    not (tl["udev_us"] is None or nat(tl["udev_us"])):
                why.append("%s: timeline %s" % (name, tl))
            elif not tl["addressing_us"] <= tl["configured_us"]:
                why.append("%s: timeline out of order %s" % (name, tl))
            else:
                diag("%s timeline: %s" % (name, tl))
        self.t.result(not why, desc, why)

    def ping(self, addr, dev, v6=False):
        """Peer pings addr; True when answered and the replies left through dev."""
        before = K.tx_packets(self.g)
        p = nsexec(self.vpc.peer, "ping", "-6" if v6 else "-4", "-c", "10", "-i", "0.02",
                   "-w", "4", addr, check=False)
        after = K.tx_packets(self.g)
        m = re.search(r"(\d+) received", p.stdout)
        got = int(m.group(1)) if m else 0
        d_dev = after[dev] - before[dev]
        d_prim = after["prim0"] - before["prim0"]
        ok = got >= 5 and d_dev >= got and d_prim < got
        return ok, "%s: %d/10 answered, tx +%d on %s, +%d on prim0" % (addr, got, d_dev, dev,
                                                                        d_prim)

    def c_ping(self):
        for e, addrs, v6, how in (
                (A, A.addrs, False, "same subnet as the primary"),
                (C, C.addrs, False, "same subnet as the primary"),
                (B, B.addrs[:2], False, "other subnet, peer routed from 10.97.0.5"),
                (B, B.addrs[2:], True, "IPv6, peer routed from 2001:db8:97::5")):
            res = [self.ping(a.split("/")[0], e.ifname, v6) for a in addrs]
            if all(r[0] for r in res):
                diag(*[r[1] for r in res])
            self.t.result(all(r[0] for r in res), "peer's ping to every %s address answered "
                          "through %s (%s)" % (e.ifname, e.ifname, how), [r[1] for r in res])

    def c_arp_flux(self):
        """The peer asks for ENI addresses on the primary's subnet: only the ENI answers.
        The kernel counts each answer arp_filter withheld (TcpExt ArpFilter)."""
        why = []
        before = K.netstat(self.g, "TcpExt", "ArpFilter")
        for e in (A, C):
            addr = e.addrs[0].split("/")[0]
            ip(self.vpc.peer, "neigh", "flush", "dev", "p0", "to", addr)
            nsexec(self.vpc.peer, "ping", "-4", "-c", "1", "-w", "2", addr, check=False)
            mac, state = self.peer_neigh(addr)
            if mac != e.mac:
                why.append("peer's entry for %s: %s %s, want %s (%s)" % (addr, mac, state, e.mac,
                                                                        e.ifname))
        after = K.netstat(self.g, "TcpExt", "ArpFilter")
        if not after > before:
            why.append("TcpExt ArpFilter %s -> %s: the primary was not stopped from answering"
                       % (before, after))
        self.t.result(not why, "no ARP flux: the peer learns each ENI address (eth1, eth3, "
                      "primary's subnet) with the ENI's MAC; the primary's answer withheld", why)

    def c_reload(self):
        desc = "SIGHUP with an invalid file: old config kept, log says why"
        if self.enid_down(desc):
            return
        off = self.enid.log_size()
        self.write_cfg(BAD_CONFIG)
        self.enid.signal(signal.SIGHUP)
        time.sleep(0.3)
        self.plug(D)                      # in the old config only
        self.present["eth4"] = (D, 4)
        done, lines = self.converge()
        log = self.enid.log_since(off)
        said = re.search(r"enid\.conf:\d+:", log) is not None
        self.t.result(self.enid.alive() and done and said, desc + " (eth4 then configured by "
                      "the old config as slot 4)",
                      lines + ["log names file:line: %s" % said, "--- log since SIGHUP:"]
                      + log.splitlines()[-15:])
        off = self.enid.log_size()
        p = self.enid.enictl("reload")
        time.sleep(0.2)
        log = self.enid.log_since(off) + p.stdout + p.stderr
        said = re.search(r"enid\.conf:\d+:", log) is not None
        done, lines = self.converge(1)
        diag("enictl reload (bad file): rc %d: %s" % (p.returncode,
                                                       (p.stdout + p.stderr).strip()[:300]))
        self.t.result(self.enid.alive() and done and said and p.returncode != 0,
                      "enictl reload with an invalid file: fails (non-zero), old config kept, "
                      "says why", lines + ["rc %d, file:line said: %s" % (p.returncode, said)])
        self.write_cfg(self.good_text)
        p = self.enid.enictl("reload")
        done, lines = self.converge(2)
        self.t.result(p.returncode == 0 and self.enid.alive() and done,
                      "enictl reload with the valid file again: exit 0, state unchanged",
                      ["rc %d: %s" % (p.returncode, (p.stdout + p.stderr).strip())] + lines)

    def c_unplug_one(self):
        self.unplug(C)
        self.check_present("eth3 unplugged: its rules and table 1003 gone, eth1/eth2/eth4 intact")
        self.plug(C)
        self.present["eth3"] = (C, 3)
        self.check_present("eth3 plugged again: lowest free slot 3 again, everything exact")

    def c_kill9(self):
        desc = "kill -9, unplug eth3/eth4, plug eth7, tamper, restart: "
        if self.enid_down(desc + "state converges"):
            return
        self.enid.kill9()
        self.unplug(C)
        self.unplug(D)
        self.plug(F)
        g = self.g
        for argv in (["addr", "del", "10.98.0.11/24", "dev", "eth2"],           # lost address
                     ["rule", "del", "pref", "10004", "from", "10.98.0.10"],  # eth2's (slot 2)
                     # stale, inside eth2's slot range:
                     ["rule", "add", "pref", "10004", "from", "10.98.0.99", "goto", "10263",
                      "proto", "222"],
                     # planted orphans of no link (slot 9):
                     ["rule", "add", "pref", "10011", "from", "10.99.0.77", "goto", "10291",
                      "proto", "222"],
                     ["route", "add", "10.77.1.0/24", "dev", "prim0", "table", "1009", "proto",
                      "222"]):
            ip(g, *argv, check=False)
        planted = [r for r in K.ours(K.rules(g)) if r.pref in (10004, 10011) and
                   r.src in ("10.98.0.99", "10.99.0.77")]
        tampered = len(planted) == 2 and len(K.addrs(g, "eth2")) == 2 and any(
            r.table == "1009" for r in K.ours(K.routes(g)))
        if not tampered:
            diag("tampering before the restart did not take (harness): planted %s" % planted)
        ok, why = self.enid.start()
        if not ok:
            self.t.result(False, desc + "enid restarts", [why] + self.enid.log_tail(20))
            return
        slot = wait_until(lambda: (lambda s: (s is not None, s))(self.slot_in_kernel("eth7")),
                          CONVERGE_S)[1]
        self.present["eth7"] = (F, slot)
        done, lines = self.converge()
        self.foreign_check("after restart")
        s1, s2 = self.slot_in_kernel("eth1"), self.slot_in_kernel("eth2")
        self.t.result((s1, s2) == (1, 2) and slot not in (None, 1, 2),
                      desc + "eth1 and eth2 keep slots 1 and 2, eth7 gets a free one",
                      ["slots eth1 %s eth2 %s eth7 %s" % (s1, s2, slot)])
        self.t.result(done, desc + "full sets exact (no duplicates, orphans removed, eth2 "
                      "repaired)", lines + ["--- enid log"] + self.enid.log_tail(20))

    def c_unplug_all(self):
        for name in sorted(self.plugged):
            e = next(x for x in ALL if x.ifname == name)
            self.unplug(e)
        self.present.clear()
        desc = "every link unplugged: zero rules and routes with protocol 222 remain"
        if self.enid_down(desc):
            return
        done, lines = self.converge()
        self.foreign_check(desc)
        self.t.result(done, desc, lines)
        flt = sysctl_read(self.g, "net/ipv4/conf/all/arp_filter")
        saved = os.path.exists(os.path.join(self.enid.run_dir, "arp_filter.saved"))
        self.t.result(flt == "0" and not saved, "no ENI left: net.ipv4.conf.all.arp_filter "
                      "restored to 0, arp_filter.saved removed",
                      ["arp_filter %s, saved file %s" % (flt, saved)])

    def cycle(self, n_rules, n_routes):
        self.plug(E)
        count = lambda f: (len(f(K.rules(self.g))), len(K.ours(K.routes(self.g))))
        up, got = wait_until(lambda: (lambda c: (c == (n_rules, n_routes), c))(
            count(K.ours_slots)), CONVERGE_S)
        self.unplug(E)
        # the dispatch in front of the slots goes with the last ENI
        down, got2 = wait_until(lambda: (lambda c: (c == (0, 0), c))(count(K.ours)),
                                CONVERGE_S)
        return up and down, (got, got2)

    def c_cycles(self, n=50):
        desc = "%d add/remove cycles: protocol-222 rules/routes back to 0, fds and RSS " \
               "do not grow" % n
        if self.enid_down(desc):
            return
        exp_rules, exp_routes = planned_all([(E, 1)])
        for _ in range(3):                       # warm-up: first-use allocations
            self.cycle(len(exp_rules), len(exp_routes))
        pid = self.enid.pid
        before = proc_figures(pid)
        t0 = time.monotonic()
        bad = []
        for i in range(n):
            ok, got = self.cycle(len(exp_rules), len(exp_routes))
            if not ok:
                bad.append("cycle %d: (rules, routes) configured %s, after unplug %s" % (i, *got))
        took = time.monotonic() - t0
        if not self.enid.alive():
            self.t.result(False, desc, ["enid died"] + self.enid.log_tail(20))
            return
        after = proc_figures(pid)
        diag("cycles: %d in %.1f s; fds %d -> %d; VmRSS %d -> %d KiB; cpu %d ms" % (
            n, took, before["fds"], after["fds"], before["rss_kib"], after["rss_kib"],
            after["cpu_ms"] - before["cpu_ms"]))
        left = K.ours(K.rules(self.g)) + K.ours(K.routes(self.g))
        ok = not bad and not left and after["fds"] <= before["fds"] and \
            after["rss_kib"] <= before["rss_kib"] + 256
        self.t.result(ok, desc, bad[:10] + [K.fmt(x) for x in left[:10]])

    def c_foreign(self):
        self.foreign_check("end")
        why = []
        for where, lines in self.foreign_bad:
            why += ["at %s:" % where] + lines
        self.t.result(not why, "main default route, foreign rules (pref 500, 10037, v6 10038) "
                      "and routes (tables 77, 1012, main) survived everything", why)
        self.t.result(self.enid.alive(), "enid still running at the end (no crash)",
                      self.enid.log_tail(20))
