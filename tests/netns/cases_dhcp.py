# SPDX-License-Identifier: GPL-2.0
"""Netns tier, DHCP addressing: dnsmasq on the vSwitch serves the ENIs' veth peers.

Own namespaces enit-<pid>-dhcp-{vpc,guest} (the Vpc of nsenv.py, no peer). dnsmasq runs
in the vpc namespace on br0 (--port=0: no DNS, --no-resolv, leases in the work dir),
fixed addresses per MAC from a hosts file (restarted to change it), T1 8 s and T2 12 s
(options 58/59); enid has addressing = dhcp and dhcp_lease_max = 20 (dnsmasq's shortest
lease is 120 s). Cases, each read from the kernel (ip -j), enictl status and dnsmasq's log:
- an ENI is configured from DHCP (address, rules, table routes); bind latency and the
  messages per bind are reported;
- no wakeup of enid between the bind and T1 (voluntary context switches of its process);
- the lease is renewed at T1, the address stays;
- option 121 routes land in the ENI's table only (and override option 3);
- a rebind of a MAC seen before is INIT-REBOOT: one REQUEST, no DISCOVER;
- the server's hosts file changes the address: the renewal is NAKed, the client goes
  back to INIT and the new address replaces the old one (rules follow), make-before-break:
  `ip monitor` shows the new address and the main route's new src before the old address
  is deleted, and the ENI is never without an address;
- addressing = auto with the metadata service refusing connections: DHCP once the
  service is given up (metadata_deadline_s);
- the server gone at T2: the address stays while rebinding, until expiry, then goes.
"""

import os
import re
import subprocess
import time
import traceback

import kstate as K
from enid_proc import Enid, proc_figures, status_field, wait_until
from nsenv import Namespaces, Vpc, ip
from tap import diag

D1 = ("eth1", "02:00:00:00:0d:01")
D2 = ("eth2", "02:00:00:00:0d:02")
D3 = ("eth3", "02:00:00:00:0d:03")
T1, T2, LEASE_MAX = 8, 12, 20
R121 = "198.51.100.0/24"


class Dnsmasq:
    def __init__(self, ns, d):
        self.ns, self.d = ns, d
        self.hosts = os.path.join(d, "hosts")
        self.log = os.path.join(d, "dnsmasq.log")
        self.proc = None

    def write_hosts(self, lines):
        with open(self.hosts, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        argv = ["ip", "netns", "exec", self.ns, "dnsmasq", "--no-daemon", "--port=0",
                "--no-resolv", "--no-hosts", "--no-ping", "--dhcp-authoritative",
                "--interface=br0", "--bind-interfaces", "--conf-file=/dev/null",
                "--pid-file=%s" % os.path.join(self.d, "dnsmasq.pid"),
                "--dhcp-range=10.99.0.100,10.99.0.150,255.255.255.0,2m",
                "--dhcp-hostsfile=%s" % self.hosts,
                "--dhcp-leasefile=%s" % os.path.join(self.d, "leases"),
                "--dhcp-option=3,%s" % Vpc.GW4,
                "--dhcp-option=option:T1,%d" % T1, "--dhcp-option=option:T2,%d" % T2,
                "--dhcp-option=tag:r121,121,%s,10.99.0.254,0.0.0.0/0,%s" % (R121, Vpc.GW4)]
        self.logf = open(self.log, "a")
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        ok, _ = wait_until(lambda: ("DHCP, sockets bound" in self.text(), None), 5)
        return ok

    def restart(self):
        """Stopped and started again on the changed hosts file (dnsmasq 2.90 can crash
        re-reading it on SIGHUP: "free(): invalid pointer")."""
        self.stop()
        return self.start()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=5)
        self.proc = None

    def text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def count(self, what, mac, since=0):
        """Lines 'DHCP<what>(br0) [addr] mac' in the log after offset since."""
        return len(re.findall(r"DHCP%s\(br0\) (?:\S+ )?%s" % (what, mac), self.text()[since:]))


class Monitor:
    """`ip -o monitor address route` in a namespace, its lines kept in order."""

    def __init__(self, ns, path):
        self.path = path
        self.f = open(path, "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, "ip", "-o", "monitor",
                                      "address", "route"], stdout=self.f,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        time.sleep(0.2)  # subscribed before anything changes

    def stop(self):
        """[(deleted, 'addr'|'route', line)] in the kernel's order."""
        self.proc.terminate()
        self.proc.wait(timeout=5)
        self.f.close()
        out = []
        with open(self.path) as f:
            for line in f:
                line = line.strip()
                deleted = line.startswith("Deleted ")
                if deleted:
                    line = line[len("Deleted "):]
                kind = "addr" if re.match(r"^\d+: \S+\s+inet6? ", line) else "route"
                out.append((deleted, kind, line))
        return out


class DhcpTier:
    def __init__(self, t, workdir):
        self.t = t
        self.dir = os.path.join(workdir, "dhcp")
        os.makedirs(self.dir, exist_ok=True)
        self.nss = Namespaces("dhcp")
        self.vpc = Vpc(self.nss, with_peer=False)
        self.g = self.vpc.guest
        self.dm = Dnsmasq(self.vpc.vpc, self.dir)
        self.dm.write_hosts(["%s,10.99.0.41" % D1[1], "%s,set:r121,10.99.0.42" % D2[1],
                             "%s,10.99.0.44" % D3[1]])
        self.cfg = os.path.join(self.dir, "enid.conf")
        with open(self.cfg, "w") as f:
            f.write("[global]\nsource = rtnl\naddressing = dhcp\ndrivers = veth\nudev = no\n"
                    "dhcp_lease_max = %d\n" % LEASE_MAX)
        self.enid = Enid(self.g, self.dir, self.cfg)
        self.n = 70

    def close(self):
        self.enid.stop()
        self.dm.stop()
        self.nss.close()

    def status(self, name):
        try:
            return next((l for l in self.enid.status() if l.get("ifname") == name), None) or {}
        except Exception as e:
            return {"error": str(e)}

    def plug(self, eni):
        self.n += 1
        self.vpc.plug(eni[0], eni[1], self.n)
        return time.monotonic()

    def configured(self, name, addr, timeout):
        """Waits until name is configured with addr/24 and its three rules; (ok, why)."""
        def probe():
            st = self.status(name)
            a = [(x.local, x.prefixlen) for x in K.addrs(self.g, name)]
            rules = [r for r in K.ours(K.rules(self.g)) if r.src == addr]
            ok = st.get("state") == "configured" and a == [(addr, 24)] and len(rules) == 3
            return ok, ["%s: state %s addrs %s rules %d dhcp %s error %s" % (
                name, st.get("state"), a, len(rules), st.get("dhcp"), st.get("error"))]
        return wait_until(probe, timeout, step=0.02)

    def table(self, name):
        st = self.status(name)
        return str(st.get("table")) if st.get("table") else None

    # ---- cases -------------------------------------------------------------------
    def c_bind(self):
        if not self.dm.start():
            self.t.result(False, "dhcp: dnsmasq starts in the vpc namespace", [self.dm.text()])
            return False
        ok, why = self.enid.start()
        if not ok:
            self.t.result(False, "dhcp: enid starts with addressing = dhcp", [why])
            return False
        mark = len(self.dm.text())
        self.plug(D1)
        ok, why = self.configured(D1[0], "10.99.0.41", 15)
        st = self.status(D1[0])
        table = self.table(D1[0])
        routes = [r for r in K.ours(K.routes(self.g)) if r.table == table]
        want = {("10.99.0.0/24", None), ("default", Vpc.GW4)}
        got = {(r.dst, r.gateway) for r in routes}
        if ok and got != want:
            ok, why = False, ["table %s routes %s, want %s" % (table, sorted(got), sorted(want))]
        if ok and st.get("addressing") != "dhcp":
            ok, why = False, ["status addressing %s" % st.get("addressing")]
        conf_us = status_field(st, "configured_us")
        disc, req = self.dm.count("DISCOVER", D1[1], mark), self.dm.count("REQUEST", D1[1], mark)
        self.t.result(ok, "dhcp: eth1 configured from DHCP (10.99.0.41/24, 3 rules, table "
                      "routes via the router)", why + self.enid.log_tail(10))
        if ok:
            diag("dhcp bind: configured %.1f ms after the kernel event, %d DISCOVER + %d "
                 "REQUEST (dnsmasq's log); status: %s" % (
                     (conf_us or 0) / 1000.0, disc, req, st.get("dhcp")))
        self.bound_at = time.monotonic()
        return ok

    def c_idle_and_renew(self):
        # between the bind (+3 s: the 2 s gratuitous ARP round is over) and T1 nothing runs
        time.sleep(max(0, self.bound_at + 3 - time.monotonic()))
        before = proc_figures(self.enid.pid)
        t0 = time.monotonic()
        time.sleep(max(0, self.bound_at + T1 - 0.7 - time.monotonic()))
        after = proc_figures(self.enid.pid)
        woke = after["vcs"] - before["vcs"]
        self.t.result(woke == 0, "dhcp: enid does not wake between the bind and T1 (%d "
                      "voluntary context switches in %.1f s)" % (woke, time.monotonic() - t0),
                      ["%s -> %s" % (before, after)])
        mark = len(self.dm.text())

        def renewed():
            st = self.status(D1[0])
            addrs = [x.local for x in K.addrs(self.g, D1[0])]
            acked = self.dm.count("ACK", D1[1], mark)
            # dnsmasq logs its ACK before it sends it: bound again is the client's side
            ok = acked >= 1 and addrs == ["10.99.0.41"] and st.get("state") == "configured" \
                and str(st.get("dhcp", "")).startswith("bound")
            return ok, ["ACKs %d addrs %s status %s %s" % (acked, addrs, st.get("state"),
                                                          st.get("dhcp"))]
        ok, why = wait_until(renewed, 4, step=0.05)
        self.t.result(ok, "dhcp: the lease is renewed at T1 (REQUEST, ACK) and the address "
                      "stays", why)

    def c_option121(self):
        mark = len(self.dm.text())
        t0 = self.plug(D2)
        ok, why = self.configured(D2[0], "10.99.0.42", 15)
        self.d2_ms = (time.monotonic() - t0) * 1000
        table = self.table(D2[0])
        mine = {(r.dst, r.gateway) for r in K.routes(self.g) if r.table == table}
        want = {("10.99.0.0/24", None), ("default", Vpc.GW4), (R121, "10.99.0.254")}
        elsewhere = [K.fmt(r) for r in K.routes(self.g) if r.dst == R121 and r.table != table]
        if ok and (mine != want or elsewhere):
            ok, why = False, ["table %s: %s, want %s; elsewhere: %s" % (
                table, sorted(mine, key=str), sorted(want, key=str), elsewhere)]
        self.t.result(ok, "dhcp: option 121 routes (%s via 10.99.0.254, default) in the ENI's "
                      "table only" % R121, why)
        self.d2_first = (self.dm.count("DISCOVER", D2[1], mark),
                         self.dm.count("REQUEST", D2[1], mark))

    def c_init_reboot(self):
        ip(self.g, "link", "del", D2[0])
        gone, _ = wait_until(lambda: (not [r for r in K.ours(K.rules(self.g))
                                           if r.src == "10.99.0.42"], None), 5)
        mark = len(self.dm.text())
        t0 = self.plug(D2)
        ok, why = self.configured(D2[0], "10.99.0.42", 15)
        ms = (time.monotonic() - t0) * 1000
        disc, req = self.dm.count("DISCOVER", D2[1], mark), self.dm.count("REQUEST", D2[1], mark)
        log = "".join(self.enid.log_tail(30))
        ok = ok and gone and disc == 0 and req == 1 and "INIT-REBOOT" in log
        self.t.result(ok, "dhcp: a rebind of a MAC seen before is INIT-REBOOT (one REQUEST, "
                      "no DISCOVER)", why + ["unplug cleaned %s; %d DISCOVER %d REQUEST" % (
                          gone, disc, req)])
        diag("dhcp: first bind %.0f ms (%d DISCOVER + %d REQUEST), rebind %.0f ms (%d + %d), "
             "plug to configured as polled" % (self.d2_ms, self.d2_first[0], self.d2_first[1],
                                                ms, disc, req))

    def c_nak(self):
        self.dm.write_hosts(["%s,10.99.0.43" % D1[1], "%s,set:r121,10.99.0.42" % D2[1],
                             "%s,10.99.0.44" % D3[1]])
        mark = len(self.dm.text())
        mon = Monitor(self.g, os.path.join(self.dir, "monitor-nak.txt"))
        try:
            self.dm.restart()
            ok, why = self.configured(D1[0], "10.99.0.43", T1 + 6)
            time.sleep(0.3)  # the last events reach the monitor
        finally:
            events = mon.stop()
        naks = self.dm.count("NAK", D1[1], mark)
        old = [K.fmt(r) for r in K.rules(self.g) if r.src == "10.99.0.41"]
        ok = ok and naks >= 1 and not old
        self.t.result(ok, "dhcp: the server moved the address: the renewal is NAKed, INIT, "
                      "10.99.0.43 replaces 10.99.0.41 with its rules",
                      why + ["%d NAK; rules left for .41: %s" % (naks, old)])
        self.check_make_before_break(events, D1[0], "10.99.0.41", "10.99.0.43")

    def check_make_before_break(self, events, dev, old, new):
        """ip monitor's order: the new address (and the main route naming it as src) before
        the old address goes, and at no moment no address on dev."""
        why, have, empty_at = [], {old}, None
        i_new = i_del = i_route = None
        for i, (deleted, kind, line) in enumerate(events):
            if kind == "addr" and (" %s " % dev) in line:
                a = line.split(" inet ", 1)[1].split("/")[0] if " inet " in line else None
                if not a:
                    continue
                (have.discard if deleted else have.add)(a)
                if not have and empty_at is None:
                    empty_at = i
                if a == new and not deleted and i_new is None:
                    i_new = i
                if a == old and deleted and i_del is None:
                    i_del = i
            if kind == "route" and not deleted and "src %s" % new in line and \
                    "dev %s" % dev in line and "table" not in line.replace("table main", ""):
                i_route = i if i_route is None else i_route
        routes = [r for r in K.ours(K.routes(self.g)) if r.table == "main" and r.dev == dev]
        srcs = sorted({getattr(r, "prefsrc", None) for r in routes})
        if i_new is None or i_del is None:
            why.append("monitor saw: new address at %s, old deleted at %s" % (i_new, i_del))
        elif i_new > i_del:
            why.append("the old address went (event %d) before the new came (event %d)" % (
                i_del, i_new))
        if empty_at is not None:
            why.append("%s had no address after event %d" % (dev, empty_at))
        if i_route is None or (i_del is not None and i_route > i_del):
            why.append("main route with src %s at event %s, old address deleted at %s" % (
                new, i_route, i_del))
        if srcs != [new]:
            why.append("main routes on %s now: %s" % (dev, [K.fmt(r) for r in routes]))
        self.t.result(not why, "dhcp: the changed address is replaced make-before-break "
                      "(ip monitor: RTM_NEWADDR %s and the main route's src before RTM_DELADDR "
                      "%s; never without an address)" % (new, old),
                      why + ["%s %s" % ("Deleted" if d else "", l) for d, _, l in events][:40])

    def c_auto_fallback(self):
        # nothing listens on the discard port of the guest's loopback: connection refused
        with open(self.cfg, "w") as f:
            f.write("[global]\nsource = rtnl\naddressing = auto\ndrivers = veth\nudev = no\n"
                    "metadata_url = http://127.0.0.1:9/latest/meta-data/\n"
                    "metadata_deadline_s = 2\ndhcp_lease_max = %d\n" % LEASE_MAX)
        self.enid.stop()
        ok, why = self.enid.start()
        if ok:
            self.plug(D3)
            ok, why = self.configured(D3[0], "10.99.0.44", 10)
        st = self.status(D3[0])
        if ok and st.get("addressing") != "dhcp":
            ok, why = False, ["status addressing %s" % st.get("addressing")]
        # the ENIs bound before the restart come back from their remembered leases
        if ok:
            ok, why = self.configured(D1[0], "10.99.0.43", 5)
        self.t.result(ok, "dhcp: addressing = auto, the metadata service refusing "
                      "connections: DHCP once it is given up (metadata_deadline_s = 2)",
                      why + self.enid.log_tail(6))

    def c_server_gone(self):
        self.dm.stop()
        t_kill = time.monotonic()

        def rebinding():
            return str(self.status(D1[0]).get("dhcp", "")).startswith("rebinding"), None
        reb, _ = wait_until(rebinding, T2 + 2, step=0.1)
        t_reb = time.monotonic()
        kept = [x.local for x in K.addrs(self.g, D1[0])] == ["10.99.0.43"]

        def removed():
            return not K.addrs(self.g, D1[0]) and not [
                r for r in K.ours(K.rules(self.g)) if r.src == "10.99.0.43"], None
        gone, _ = wait_until(removed, LEASE_MAX - T2 + 3, step=0.1)
        held = time.monotonic() - t_reb
        st = self.status(D1[0])
        ok = reb and kept and gone and held >= LEASE_MAX - T2 - 2
        self.t.result(ok, "dhcp: the server gone: the address stays through T2 (rebinding) "
                      "until the lease expires, then it and its rules go",
                      ["rebinding %s after %.1f s, address kept %s, removed %s %.1f s later; "
                       "status %s %s" % (reb, t_reb - t_kill, kept, gone, held,
                                         st.get("state"), st.get("error"))]
                      + self.enid.log_tail(8))


def run(t, workdir):
    """Runs the DHCP cases; own namespaces, always cleaned up."""
    try:
        tier = DhcpTier(t, workdir)
    except Exception:
        t.result(False, "dhcp: setting up its namespaces failed", [traceback.format_exc()])
        return
    try:
        if tier.c_bind():
            for step in (tier.c_idle_and_renew, tier.c_option121, tier.c_init_reboot,
                         tier.c_nak, tier.c_auto_fallback, tier.c_server_gone):
                try:
                    step()
                except Exception:
                    t.result(False, "dhcp step %s raised" % step.__name__,
                             [traceback.format_exc()] + tier.enid.log_tail(20))
    except Exception:
        t.result(False, "dhcp cases raised", [traceback.format_exc()])
    finally:
        tier.close()
