# SPDX-License-Identifier: GPL-2.0
"""Netns tier, ownership: enid deletes exactly what it owns and keeps it in place.

Own namespaces enit-<pid>-own-{vpc,guest,peer} (the Vpc of nsenv.py) and a static
config. Cases:
- foreign protocol-222 state inside and outside every range at start: exactly the
  orphans in unheld slots go, at start and at a reload; anyone's entries in a slot's
  table or prefs make enid pass that slot over (status says so);
- EEXIST: a foreign route where the plan wants one of ours is not "done": the link
  moves to another slot and the foreign route stays;
- self-healing: a rule, a table route and an address deleted by hand come back within
  100 ms (timed from `ip -ts monitor`), and a process that keeps deleting is answered
  ever more slowly;
- the address record first: while <run_dir>/addresses cannot be saved, a plugged ENI gets
  nothing in the kernel and fails saying why; its retry configures it once it can;
- READY=1 (sd_notify) only once the ENIs present at start are configured.
Every check reads the kernel (ip -j), enictl status and enid's log.
"""

import os
import re
import signal
import socket
import subprocess
import time
import traceback
from datetime import datetime

import kstate as K
import scheme
from cases_metadata import IMDS_IP, Imds, load_scenario, md_eni
from enid_proc import Enid, wait_until
from expect import Eni, config_text, dispatch_lines, planned_addrs, planned_all, table_of
from nsenv import Namespaces, Vpc, ip
from tap import diag

GW4 = Vpc.GW4
A = Eni("eth1", "02:00:00:00:01:0a", ["10.99.0.10/24", "10.99.0.11/24"], gw4=GW4)
U = Eni("eth9", "02:00:00:00:01:0e", unmanaged=True)
R = Eni("eth2", "02:00:00:00:01:0b", ["10.99.0.20/24", "10.99.0.21/24"], gw4=GW4)
HEAL_MS = 100

# (ip argv, must survive, description): planted before enid starts.
PLANTED = [
    (["rule", "add", "pref", "500", "from", "198.51.100.7", "lookup", "5", "proto", "222"],
     True, "rule pref 500 (outside the pref range)"),
    (["route", "add", "198.51.100.0/24", "dev", "prim0", "table", "5", "proto", "222"],
     True, "route in table 5 (outside the table range)"),
    (["route", "add", "10.79.0.0/24", "dev", "prim0", "proto", "222"],
     True, "main route, metric 0 (outside the metric range)"),
    (["route", "add", "10.79.1.0/24", "dev", "prim0", "proto", "222", "metric", "2005"],
     True, "main route, slot 5's metric, on the primary (never an ENI)"),
    (["route", "add", "10.79.2.0/24", "dev", "eth9", "proto", "222", "metric", "2006"],
     True, "main route, slot 6's metric, on an unmanaged link"),
    (["rule", "add", "pref", "10003", "from", "10.66.0.0/16", "lookup", "66"],
     True, "foreign rule (proto boot) at slot 1's pref 10003"),
    (["route", "add", "10.66.0.0/24", "dev", "prim0", "table", "1002"],
     True, "foreign route (proto boot) in slot 2's table 1002"),
    (["rule", "add", "pref", "10011", "from", "10.99.0.77", "goto", "10291", "proto", "222"],
     False, "protocol-222 rule at slot 9's address pref 10011 (no link holds slot 9)"),
    (["route", "add", "10.77.1.0/24", "dev", "prim0", "table", "1009", "proto", "222"],
     False, "protocol-222 route in slot 9's table 1009"),
    (["-6", "rule", "add", "pref", "10292", "from", "2001:db8:77::7", "lookup", "1009",
      "proto", "222"], False, "protocol-222 IPv6 rule at a pref of slot 9's chain (10292)"),
]


def planted_present(g):
    """{description: present?} for every planted entry."""
    rules, routes = K.rules(g), K.routes(g)
    out = {}
    for argv, _, desc in PLANTED:
        six = argv[0] == "-6"
        a = argv[1:] if six else argv
        if a[0] == "rule":
            pref = int(a[a.index("pref") + 1])
            src = a[a.index("from") + 1].split("/")[0]
            out[desc] = any(r.pref == pref and r.src == src for r in rules)
        else:
            dst = a[2]
            table = a[a.index("table") + 1] if "table" in a else "main"
            out[desc] = any(r.dst == dst and r.table == table for r in routes)
    return out


class NotifySocket:
    """An sd_notify receiver: a unix datagram socket enid finds in $NOTIFY_SOCKET."""

    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(path)

    def wait(self, word, timeout):
        """Monotonic time at which a datagram with word arrived, or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.s.settimeout(max(0.01, end - time.monotonic()))
            try:
                msg = self.s.recv(4096).decode(errors="replace")
            except socket.timeout:
                return None
            if word in msg.split("\n"):
                return time.monotonic()
        return None

    def close(self):
        self.s.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


class Monitor:
    """`ip -ts monitor` in the guest: when each rule/route/address was deleted and re-added."""

    def __init__(self, ns, path):
        self.path = path
        self.f = open(path, "w")
        self.p = subprocess.Popen(["ip", "-n", ns, "-ts", "monitor", "rule", "route", "address"],
                                  stdout=self.f, stderr=subprocess.STDOUT)
        time.sleep(0.2)

    def stop(self):
        self.p.terminate()
        self.p.wait()
        self.f.close()
        with open(self.path) as f:
            return f.read().splitlines()

    @staticmethod
    def gap_ms(lines, pattern):
        """ms from the first 'Deleted' line matching pattern to the next added one."""
        ts = re.compile(r"^\[([0-9T:.-]+)\]\s*(.*)$")
        deleted = None
        for line in lines:
            m = ts.match(line)
            if not m or not re.search(pattern, m.group(2)):
                continue
            t = datetime.fromisoformat(m.group(1))
            if m.group(2).startswith("Deleted"):
                deleted = deleted or t
            elif deleted:
                return (t - deleted).total_seconds() * 1000.0
        return None


class OwnTier:
    def __init__(self, t, workdir):
        self.t = t
        self.dir = os.path.join(workdir, "own")
        os.makedirs(self.dir, exist_ok=True)
        self.nss = Namespaces("own")
        self.vpc = Vpc(self.nss, with_peer=False)
        self.g = self.vpc.guest
        self.cfg = os.path.join(self.dir, "enid.conf")
        with open(self.cfg, "w") as f:
            f.write(config_text([A, U, R]))
        self.enid = Enid(self.g, self.dir, self.cfg)

    def close(self):
        self.enid.stop()
        self.nss.close()

    def status(self, name):
        try:
            return next((l for l in self.enid.status() if l.get("ifname") == name), None)
        except Exception as e:
            return {"error": str(e)}

    def exact(self, e, slot, ns=None, also=()):
        """Lines that differ between the kernel and e's plan in slot (empty: exact), among
        the protocol-222 state inside enid's ranges (the planted rest is someone else's);
        also: more (ENI, slot) pairs present."""
        ns = ns or self.g
        pairs = [(e, slot)] + list(also)
        rules, routes = planned_all(pairs)
        devs = {x.ifname for x, _ in pairs}
        lines = K.diff(rules, [r for r in K.ours(K.rules(ns))
                               if scheme.addr_pref(1) <= r.pref < scheme.DISPATCH_END and
                               not scheme.is_dispatch(r.pref)], "rule")
        lines += K.diff(routes, [r for r in K.ours(K.routes(ns))
                                 if (r.table != "main" and 1000 < int(r.table) <= 1255) or
                                 (r.table == "main" and 2000 < r.metric <= 2255 and
                                  r.dev in devs)], "route")
        for x, _ in pairs:
            lines += K.diff(planned_addrs(x), K.addrs(ns, x.ifname), "addr")
        return lines

    def converge(self, e, timeout=5, also=()):
        def probe():
            st = self.status(e.ifname) or {}
            slot = st.get("slot")
            if st.get("state") != "configured" or not slot:
                return False, ["%s: state %s slot %s error %s" % (
                    e.ifname, st.get("state"), slot, st.get("error"))]
            lines = self.exact(e, slot, also=also)
            return not lines, lines
        return wait_until(probe, timeout, step=0.05)

    # ---- cases -------------------------------------------------------------------
    def c_foreign_state(self):
        self.vpc.plug(U.ifname, U.mac, 90)
        ip(self.g, "link", "set", U.ifname, "up")
        for argv, _, desc in PLANTED:
            ip(self.g, *argv)
        self.vpc.plug(A.ifname, A.mac, 91)
        ok, why = self.enid.start()
        if not ok:
            self.t.result(False, "ownership: enid starts", [why] + self.enid.log_tail(20))
            return False
        done, lines = self.converge(A)
        st = self.status(A.ifname) or {}
        note = st.get("slot_note") or ""
        self.t.result(done and st.get("slot") == 3 and "slot 1" in note,
                      "ownership: slots 1 and 2 hold foreign entries (a rule at pref 10003, a "
                      "route in table 1002): eth1 takes slot 3, status says why",
                      lines + ["slot %s, slot_note %r" % (st.get("slot"), note)]
                      + self.enid.log_tail(10))
        got_start = planted_present(self.g)
        self.enid.signal(signal.SIGHUP)         # a reload runs the orphan sweep again
        time.sleep(1.5)
        got_reload = planted_present(self.g)
        why = []
        for argv, keep, desc in PLANTED:
            for when, got in (("start", got_start), ("reload", got_reload)):
                if got[desc] != keep:
                    why.append("after %s: %s %s" % (when, desc,
                                                    "deleted" if keep else "still there"))
        self.t.result(not why, "ownership: after start and reload, foreign protocol-222 state "
                      "outside every range (pref 500, table 5, main metric 0, a slot's metric on "
                      "the primary and on an unmanaged link) and foreign entries inside a slot "
                      "survive; protocol-222 orphans of unheld slot 9 are deleted",
                      why + self.enid.log_tail(10))
        return True

    def c_eexist(self):
        desc = "ownership: EEXIST is not done: a foreign default route in eth1's table " \
               "makes it move slots; the foreign route stays"
        slot = (self.status(A.ifname) or {}).get("slot")
        if not slot:
            self.t.result(False, desc, ["eth1 has no slot"])
            return
        table = str(table_of(slot))
        self.enid.kill9()
        # ours replaced by someone else's (what kwatch cannot see while enid is down)
        ip(self.g, "route", "replace", "default", "via", GW4, "dev", "prim0", "table", table,
           "proto", "static")
        ok, why = self.enid.start()
        if not ok:
            self.t.result(False, desc, [why] + self.enid.log_tail(20))
            return
        done, lines = self.converge(A)
        st = self.status(A.ifname) or {}
        foreign = [r for r in K.routes(self.g) if r.table == table and r.dst == "default"]
        ok = done and st.get("slot") not in (None, slot) and \
            [(r.dev, r.protocol) for r in foreign] == [("prim0", "static")] and \
            "slot %d left" % slot in (st.get("slot_note") or "")
        self.t.result(ok, desc, lines + ["slot %s -> %s, note %r" % (slot, st.get("slot"),
                                                                    st.get("slot_note")),
                                         "table %s defaults: %s" % (table,
                                                                    [K.fmt(r) for r in foreign])]
                      + self.enid.log_tail(15))

    def c_old_layout(self):
        """An earlier enid's rules (three per address at base+3s+k, its dispatch without iif
        lo or barrier, END at base+768) are replaced at start: exactly this layout is left."""
        desc = ("upgrade: an earlier enid's rules (three per address at 10000+3s+k, a dispatch "
                "ending at 10768) are replaced at start: exactly this layout, nothing of the "
                "old left")
        slot = (self.status(A.ifname) or {}).get("slot")
        if not slot:
            self.t.result(False, desc, ["eth1 has no slot"])
            return
        self.enid.kill9()
        for r in K.ours(K.rules(self.g)):
            sel = [] if r.src == "all" else ["from", "%s/%d" % (r.src, r.srclen)]
            ip(self.g, "-%d" % r.family, "rule", "del", "pref", str(r.pref), *sel, check=False)
        table, old_end = str(table_of(slot)), 10768
        planted = [["pref", str(old_end), "nop"], ["pref", "10002", "nop"],
                   ["pref", "9999", "from", "0.0.0.0", "goto", str(old_end)],
                   ["pref", "10000", "from", "10.99.0.0/24", "goto", "10002"],
                   ["pref", "10001", "goto", str(old_end)]]
        for a in A.addrs:
            src = a.split("/")[0]
            for k, (t, sup) in enumerate(((table, True), ("main", True), (table, False))):
                planted.append(["pref", str(10000 + 3 * slot + k), "from", src, "lookup", t] +
                               (["suppress_prefixlength", "0"] if sup else []))
        for argv in planted:
            ip(self.g, "rule", "add", *argv, "proto", "222")
        before = len(K.ours(K.rules(self.g)))
        ok, why = self.enid.start()
        if not ok:
            self.t.result(False, desc, [why] + self.enid.log_tail(20))
            return
        done, lines = self.converge(A)
        lines += dispatch_lines(K.rules(self.g), [(A, slot)])
        self.t.result(done and not lines and before == len(planted), desc,
                      lines + ["%d old rules planted (%d meant)" % (before, len(planted))]
                      + self.enid.log_tail(10))

    def c_heal(self):
        st = self.status(A.ifname) or {}
        slot = st.get("slot")
        if not slot or self.exact(A, slot):
            self.t.result(False, "self-healing: eth1 configured before the test",
                          ["slot %s" % slot] + self.exact(A, slot or 0))
            return
        table = str(table_of(slot))
        pref = scheme.addr_pref(slot)
        # first, while no heal has been counted yet (the rate cap's window is 10 s)
        self.c_heal_ping(slot, pref)
        mon = Monitor(self.g, os.path.join(self.dir, "monitor.log"))
        steps = [("rule pref %d from 10.99.0.10" % pref,
                  ["rule", "del", "pref", str(pref), "from", "10.99.0.10"],
                  r"^(Deleted )?%d:\s+from 10\.99\.0\.10 goto %d" % (pref,
                                                                  scheme.chain_pref(slot))),
                 ("the chain's guard rule (pref %d)" % (scheme.chain_pref(slot) + 1),
                  ["rule", "del", "pref", str(scheme.chain_pref(slot) + 1)],
                  r"^(Deleted )?%d:\s+from all lookup main suppress_prefixlength 0" % (
                      scheme.chain_pref(slot) + 1)),
                 ("the subnet route in table %s" % table,
                  ["route", "del", "10.99.0.0/24", "dev", A.ifname, "table", table],
                  r"^(Deleted )?10\.99\.0\.0/24 dev %s table %s" % (A.ifname, table)),
                 ("address 10.99.0.11/24",
                  ["addr", "del", "10.99.0.11/24", "dev", A.ifname],
                  r"^(Deleted )?\d+: %s\s+inet 10\.99\.0\.11/24" % A.ifname)]
        for _, argv, _ in steps:
            ip(self.g, *argv)
            wait_until(lambda: (not self.exact(A, slot), None), 2, step=0.01)
        time.sleep(0.1)
        lines = mon.stop()
        why, figs = [], []
        for what, _, pat in steps:
            gap = Monitor.gap_ms(lines, pat)
            figs.append("%s %s ms" % (what, "%.1f" % gap if gap is not None else "never"))
            if gap is None or gap > HEAL_MS:
                why.append("%s: restored after %s ms" % (what, gap))
        diag("self-healing: deleted -> restored: " + "; ".join(figs))
        st = self.status(A.ifname) or {}
        if (st.get("heals") or 0) < 1 or not st.get("undone_by"):
            why.append("status heals %r undone_by %r" % (st.get("heals"), st.get("undone_by")))
        why += self.exact(A, slot)
        self.t.result(not why, "self-healing: a rule, a table route and an address deleted by "
                      "hand are each restored within %d ms; status counts the heals and who "
                      "undid it" % HEAL_MS, why + lines[-12:] + self.enid.log_tail(10))
        self.c_burst(slot, pref)
        self.c_fight(slot, pref)

    def rx_packets(self, dev):
        return int(K.links(self.vpc.vpc)[dev]["stats64"]["rx"]["packets"])

    @staticmethod
    def all_rules_del(slot, pref, ips):
        """ip -batch lines deleting all six of the slot's rules: one per address, the chain."""
        return "".join("rule del pref %d from %s\n" % (pref, ip) for ip in ips) + "".join(
            "rule del pref %d\n" % p for p, _, _, _ in scheme.chain(slot))

    def c_heal_ping(self, slot, pref):
        """The vSwitch pings both of eth1's addresses every 20 ms while another process deletes
        all six rules (one per address, the chain's four): replies leave through eth1, at
        most one interval through the primary (counted on the primary's switch port, vprim)."""
        ips = [a.split("/")[0] for a in A.addrs]
        pingers = [subprocess.Popen(["ip", "netns", "exec", self.vpc.vpc, "ping", "-n", "-q",
                                     "-i", "0.02", "-w", "3", ip], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL) for ip in ips]
        try:
            time.sleep(0.5)
            before = self.rx_packets("vprim")
            batch = self.all_rules_del(slot, pref, ips)
            subprocess.run(["ip", "-n", self.g, "-batch", "-"], input=batch, text=True,
                           capture_output=True)
            time.sleep(0.5)
            through_primary = self.rx_packets("vprim") - before
        finally:
            for p in pingers:
                p.kill()
                p.wait()
        done, lines = wait_until(lambda: (lambda l: (not l, l))(self.exact(A, slot)), 2, 0.01)
        diag("self-healing under ping: %d packets left through the primary" % through_primary)
        self.t.result(done and through_primary <= len(ips),
                      "self-healing under a ping every 20 ms to both addresses: all six rules "
                      "deleted, at most one interval (%d packets) left through the primary: %d"
                      % (len(ips), through_primary), lines + self.enid.log_tail(8))

    def c_burst(self, slot, pref):
        """All six rules deleted in one burst (networkd flushing): one heal, not six. enid
        is stopped while ip deletes them, so the six notifications wait for it together."""
        before = (self.status(A.ifname) or {}).get("heals") or 0
        batch = self.all_rules_del(slot, pref, [a.split("/")[0] for a in A.addrs])
        self.enid.signal(signal.SIGSTOP)
        try:
            subprocess.run(["ip", "-n", self.g, "-batch", "-"], input=batch, text=True,
                           capture_output=True)
        finally:
            self.enid.signal(signal.SIGCONT)
        done, lines = wait_until(lambda: (lambda l: (not l, l))(self.exact(A, slot)), 2, 0.01)
        after = (self.status(A.ifname) or {}).get("heals") or 0
        self.t.result(done and after - before == 1,
                      "self-healing: six rules deleted in one burst are restored and counted as "
                      "one heal (%d)" % (after - before), lines + self.enid.log_tail(8))

    def c_fight(self, slot, pref):
        """Another manager deleting the rule as soon as it is back, for 3 s."""
        restored = 0
        end = time.monotonic() + 3.0
        while time.monotonic() < end:
            p = subprocess.run(["ip", "-n", self.g, "rule", "del", "pref", str(pref), "from",
                                "10.99.0.10"], capture_output=True)
            restored += p.returncode == 0
            time.sleep(0.002)
        log = "\n".join(self.enid.log_tail(40))
        backed = re.search(r"deleted by .* again \(\d+ times in 10 s\): applying again in", log)
        self.t.result(restored <= 10 and backed and self.enid.alive(),
                      "self-healing is rate-capped: a process deleting a rule as soon as it is "
                      "back for 3 s sees it restored %d times (at most 10), enid says it backs "
                      "off" % restored, self.enid.log_tail(10))
        # the last back-off is at most a few seconds: then the rule is back
        done, lines = wait_until(lambda: (lambda l: (not l, l))(self.exact(A, slot)), 20, 0.1)
        self.t.result(done, "self-healing: once the other process stops, the rule is back",
                      lines)

    def c_record_first(self):
        """The address record names an ENI's addresses before the kernel has any of them
        (a restart deletes only what the record names): with <run_dir>/addresses unsaveable
        (a non-empty directory in its place, so the rename fails), a plugged ENI gets
        nothing at all and fails saying why; once saveable, its retry configures it."""
        desc = ("ownership: the address record first: while it cannot be saved, plugged eth2 "
                "fails saying so, with no address, rule or route of its own in the kernel and "
                "eth1 untouched; once it can, eth2's retry configures it exactly")
        a_slot = (self.status(A.ifname) or {}).get("slot")
        rec = os.path.join(self.enid.run_dir, "addresses")
        aside = rec + ".aside"
        why = []
        os.rename(rec, aside)
        os.mkdir(rec)
        open(os.path.join(rec, "keep"), "w").close()
        try:
            self.vpc.plug(R.ifname, R.mac, 93)

            def failed():
                st = self.status(R.ifname) or {}
                return (st.get("state") == "failed" and
                        "address record" in (st.get("error") or "")), st
            ok, st = wait_until(failed, 5, step=0.05)
            if not ok:
                why.append("eth2 never failed on the record: %s" % st)
            time.sleep(0.3)  # a retry or two, still failing
            srcs = {a.split("/")[0] for a in R.addrs}
            leaked = [K.fmt(r) for r in K.ours(K.rules(self.g))
                      if r.src and r.src.split("/")[0] in srcs]
            leaked += ["address %s/%s" % (a.local, a.prefixlen) for a in K.addrs(self.g, R.ifname)]
            slot = st.get("slot")
            if slot:
                leaked += [K.fmt(r) for r in K.routes(self.g) if r.table == str(table_of(slot))]
            leaked += [K.fmt(r) for r in K.ours(K.routes(self.g))
                       if r.table == "main" and r.dev == R.ifname]
            if leaked:
                why.append("in the kernel while the record could not be saved: %s" % leaked)
            if a_slot:
                why += self.exact(A, a_slot)
        finally:
            os.unlink(os.path.join(rec, "keep"))
            os.rmdir(rec)
            os.rename(aside, rec)
        done, lines = self.converge(R, timeout=10, also=[(A, a_slot)] if a_slot else [])
        if not done:
            why += ["after the record was saveable again:"] + lines
        with open(rec) as f:
            named = f.read()
        missing = [a for a in R.addrs if a.split("/")[0] not in named]
        if missing:
            why.append("the record does not name %s: %r" % (missing, named))
        self.t.result(not why, desc, why + self.enid.log_tail(10))
        self.vpc.unplug(R.ifname)

    def c_ready(self):
        """READY=1 once the ENIs present at start are configured (metadata answers 2 s late),
        in namespaces of its own so nothing the other cases left can matter."""
        nss = Namespaces("own-rdy")
        imds = enid = None
        notify = NotifySocket(os.path.join(self.dir, "notify.sock"))
        try:
            vpc = Vpc(nss, with_peer=False)
            g = vpc.guest
            ip(vpc.vpc, "addr", "add", IMDS_IP + "/32", "dev", "lo")
            imds = Imds(vpc.vpc, self.dir)
            imds.start("slow", "ready")
            sc = load_scenario("slow")
            mac = "00:16:3e:00:00:03"
            e = md_eni("e3", mac, sc["enis"][mac])
            vpc.plug("e3", mac, 92)
            cfg = os.path.join(self.dir, "ready.conf")
            with open(cfg, "w") as f:
                f.write("[global]\nsource = rtnl\naddressing = metadata\ndrivers = veth\n"
                        "udev = no\nmetadata_deadline_s = 20\n")
            enid = Enid(g, os.path.join(self.dir, "ready"), cfg)
            os.environ["NOTIFY_SOCKET"] = notify.path
            t0 = time.monotonic()
            try:
                ok, why = enid.start()
            finally:
                del os.environ["NOTIFY_SOCKET"]
            if not ok:
                self.t.result(False, "READY: enid starts", [why])
                return
            t_ready = notify.wait("READY=1", 15)
            st = next((l for l in enid.status() if l.get("ifname") == "e3"), {})
            lines = self.exact(e, st.get("slot"), g) if st.get("slot") else ["no slot"]
            ok = t_ready is not None and st.get("state") == "configured" and not lines
            if t_ready is not None:
                diag("READY: %.2f s after start (metadata answers 2 s late)" % (t_ready - t0))
            if not ok:
                lines += ["metadata requests seen by the fake: %s" % imds.stats().get("by_mac"),
                          "guest routes: %s" % [K.fmt(r) for r in K.routes(g)
                                                if r.table == "main"]]
            self.t.result(ok, "READY=1 comes only once the ENI present at start is configured "
                          "(metadata 2 s late): at READY its rules, routes and addresses are "
                          "in the kernel",
                          ["ready %s, state %s" % (t_ready and round(t_ready - t0, 2),
                                                   st.get("state"))] + lines
                          + enid.log_tail(10))
        finally:
            if enid:
                enid.stop()
            notify.close()
            if imds:
                imds.stop()
            nss.close()


def run(t, workdir):
    """Runs the ownership cases; own namespaces, always cleaned up."""
    try:
        tier = OwnTier(t, workdir)
    except Exception:
        t.result(False, "ownership: setting up its namespaces failed", [traceback.format_exc()])
        return
    try:
        if tier.c_foreign_state():
            for step in (tier.c_eexist, tier.c_old_layout, tier.c_heal, tier.c_record_first,
                         tier.c_ready):
                try:
                    step()
                except Exception:
                    t.result(False, "ownership step %s raised" % step.__name__,
                             [traceback.format_exc()] + tier.enid.log_tail(20))
    except Exception:
        t.result(False, "ownership cases raised", [traceback.format_exc()])
    finally:
        tier.close()
