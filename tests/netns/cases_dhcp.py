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
- addressing = auto: with the metadata service answering 404 for the instance mac, no
  fallback (it is only not ready); disabled (403 with metadata_token = off) or refusing
  connections: DHCP at once (within FALLBACK_S of enid's start), not after
  metadata_deadline_s;
- the server gone at T2: the address stays while rebinding, until expiry, then goes.
"""

import json
import os
import re
import subprocess
import time
import traceback

import kstate as K
from enid_proc import Enid, proc_figures, status_field, wait_until
from nsenv import Namespaces, Vpc, ip, ipj
from tap import diag

D1 = ("eth1", "02:00:00:00:0d:01")
D2 = ("eth2", "02:00:00:00:0d:02")
D3 = ("eth3", "02:00:00:00:0d:03")
D4 = ("eth4", "02:00:00:00:0d:04")  # metadata and DHCP agree (10.99.0.45)
D5 = ("eth5", "02:00:00:00:0d:05")  # they disagree: metadata .46, DHCP .47
BOTH_HOSTS = ["%s,10.99.0.45" % D4[1], "%s,10.99.0.47" % D5[1]]
FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fake-imds",
                    "fake_imds.py")
T1, T2, LEASE_MAX = 8, 12, 20
MD_DEADLINE = 30   # what the fallback used to wait; it must not wait for it
FALLBACK_S = 1.5   # enid's start to DHCP when the service refuses or is disabled
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


def wait_listening(ns, port):
    probe = "import socket; socket.create_connection(('127.0.0.1', %d), 1)" % port
    wait_until(lambda: (subprocess.run(["ip", "netns", "exec", ns, "python3", "-c", probe],
                                       capture_output=True).returncode == 0, None), 5, 0.05)


class StatusServer:
    """An HTTP server in a namespace's loopback that answers every request with code."""
    PY = r"""
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        self.send_response(int(sys.argv[2])); self.send_header("Content-Length", "0")
        self.end_headers(); print("hit", flush=True)
    do_GET = do_PUT = answer
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""

    def __init__(self, ns, port, code):
        self.out = []
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c", self.PY,
                                      str(port), str(code)], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        wait_listening(ns, port)

    def hits(self):
        return self.n if hasattr(self, "n") else 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            out, _ = self.proc.communicate(timeout=5)
            self.n = out.decode().count("hit")


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
                             "%s,10.99.0.44" % D3[1]] + BOTH_HOSTS)
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
        """Waits until name is configured with addr/24 and its rule; (ok, why)."""
        def probe():
            st = self.status(name)
            a = [(x.local, x.prefixlen) for x in K.addrs(self.g, name)]
            rules = [r for r in K.ours(K.rules(self.g)) if r.src == addr]
            ok = st.get("state") == "configured" and a == [(addr, 24)] and len(rules) == 1
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
        t_plug = self.plug(D1)
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
        self.t.result(ok, "dhcp: eth1 configured from DHCP (10.99.0.41/24, its rule, table "
                      "routes via the router)", why + self.enid.log_tail(10))
        if ok:
            diag("dhcp bind: configured %.1f ms after the kernel event, %d DISCOVER + %d "
                 "REQUEST (dnsmasq's log); status: %s" % (
                     (conf_us or 0) / 1000.0, disc, req, st.get("dhcp")))
        # the lease counts from its REQUEST: enid's own time of the bind after the plug, not
        # when this harness got around to it (under load, seconds later)
        self.bound_at = t_plug + (conf_us / 1e6 if conf_us else time.monotonic() - t_plug)
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
        log_at = self.enid.log_size()

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
        time.sleep(0.5)  # a reconfiguration, if one followed, is logged by now
        log = self.enid.log_since(log_at)
        self.t.result(ok and "reconfigured" not in log,
                      "dhcp: a renewal with the same lease sends nothing to the kernel (no "
                      "reconfiguration)", [log[-600:]])

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
                             "%s,10.99.0.44" % D3[1]] + BOTH_HOSTS)
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

    def auto_config(self, url, extra=""):
        with open(self.cfg, "w") as f:
            f.write("[global]\nsource = rtnl\naddressing = auto\ndrivers = veth\nudev = no\n"
                    "metadata_url = %s\nmetadata_deadline_s = %d\ndhcp_lease_max = %d\n%s" % (
                        url, MD_DEADLINE, LEASE_MAX, extra))

    def restart_auto(self, url, extra=""):
        """enid again with addressing = auto against url; (ok, why, seconds from the start
        to its line 'addressing auto uses ... DHCP, now', None when it never came)."""
        self.auto_config(url, extra)
        self.enid.stop()
        off = self.enid.log_size()
        t0 = time.monotonic()
        ok, why = self.enid.start()
        fell, _ = wait_until(lambda: ("else DHCP, now" in self.enid.log_since(off), None),
                             3 if ok else 0, step=0.01)
        return ok, [why] if why else [], (time.monotonic() - t0) if fell else None

    def c_auto_wait_on_404(self):
        """A service that answers 404 for the instance mac is there, only not ready
        (eventually consistent): auto waits for it, it does not fall back to DHCP."""
        srv = StatusServer(self.g, 8404, 404)
        try:
            ok, why, fb = self.restart_auto("http://127.0.0.1:8404/latest/meta-data/")
            time.sleep(max(0, 2.5 - (fb or 0)))
            # eth1's slot is held from before the restart, its addressing not known yet:
            # its chain (no selector of its own) must stay behind the dispatch's barrier
            ways = {}
            for dst in ("10.99.0.200", "192.0.2.1"):
                for src in (None, Vpc.PRIM4):
                    got = ipj(self.g, "route", "get", dst, *(["from", src] if src else []))
                    ways["%s from %s" % (dst, src or "unset")] = got[0].get("dev") if got else None
            held = self.status(D1[0])
            self.t.result(held.get("slot") and all(v == "prim0" for v in ways.values()),
                          "dhcp: a restart with eth1's addressing still pending (metadata 404): "
                          "the primary's lookups (unbound and from its address) leave through "
                          "prim0, none falls into eth1's chain",
                          ["%s: dev %s" % kv for kv in sorted(ways.items())] +
                          ["eth1 slot %s state %s" % (held.get("slot"), held.get("state"))] +
                          [K.fmt(r) for r in K.ours(K.rules(self.g))])
            st = self.status(D1[0])
            srv.stop()
            ok = ok and fb is None and st.get("addressing") != "dhcp" and srv.hits() >= 1
            self.t.result(ok, "dhcp: addressing = auto, the metadata service answering 404 for "
                          "the instance mac: no fallback to DHCP (wait for it)",
                          why + ["fallback after %s s; eth1 addressing %s; %d requests served" % (
                              fb, st.get("addressing"), srv.hits())] + self.enid.log_tail(6))
        finally:
            srv.stop()

    def c_auto_fallback_403(self):
        srv = StatusServer(self.g, 8403, 403)
        try:
            ok, why, fb = self.restart_auto("http://127.0.0.1:8403/latest/meta-data/",
                                            "metadata_token = off\n")
            if ok:
                ok, why = self.configured(D1[0], "10.99.0.43", 5)
            ok = ok and fb is not None and fb < FALLBACK_S
            self.t.result(ok, "dhcp: addressing = auto, the metadata service disabled (403, "
                          "metadata_token = off): DHCP within %.1f s of the start (deadline %d s)"
                          % (FALLBACK_S, MD_DEADLINE),
                          why + ["fallback after %s s" % fb] + self.enid.log_tail(6))
        finally:
            srv.stop()

    def c_auto_fallback(self):
        # nothing listens on the discard port of the guest's loopback: connection refused
        ok, why, fb = self.restart_auto("http://127.0.0.1:9/latest/meta-data/")
        t_plug = self.plug(D3) if ok else time.monotonic()
        if ok:
            ok, why = self.configured(D3[0], "10.99.0.44", 10)
        plug_ms = (time.monotonic() - t_plug) * 1000
        st = self.status(D3[0])
        if ok and st.get("addressing") != "dhcp":
            ok, why = False, ["status addressing %s" % st.get("addressing")]
        # the ENIs bound before the restart come back from their remembered leases
        if ok:
            ok, why = self.configured(D1[0], "10.99.0.43", 5)
        ok = ok and fb is not None and fb < FALLBACK_S
        self.t.result(ok, "dhcp: addressing = auto, the metadata service refusing "
                      "connections: DHCP within %.1f s of the start, not after "
                      "metadata_deadline_s (%d s)" % (FALLBACK_S, MD_DEADLINE),
                      why + ["fallback after %s s" % fb] + self.enid.log_tail(6))
        if fb is not None:
            diag("dhcp auto fallback: %.0f ms from enid's start to DHCP (connection refused); "
                 "eth3 plugged then configured in %.0f ms" % (fb * 1000, plug_ms))

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

    def c_auto_both(self):
        """auto, the metadata and DHCP both answering: the metadata's addresses are applied;
        one DHCP DISCOVER checks that its offer agrees with the metadata's primary address;
        a disagreement is logged and in enictl status (text and -j)."""
        self.dm.start()
        sc = {"description": "dhcp tier: auto with both answering",
              "instance": {"mac": "02:00:00:00:0d:fe", "vpc-cidr-block": "10.99.0.0/16"},
              "enis": {D4[1]: {"private-ipv4s": ["10.99.0.45", "10.99.0.55"],
                               "primary-ip-address": "10.99.0.45",
                               "vswitch-cidr-block": "10.99.0.0/24", "gateway": Vpc.GW4},
                       D5[1]: {"private-ipv4s": ["10.99.0.46"],
                               "primary-ip-address": "10.99.0.46",
                               "vswitch-cidr-block": "10.99.0.0/24", "gateway": Vpc.GW4}}}
        path = os.path.join(self.dir, "both.json")
        with open(path, "w") as f:
            json.dump(sc, f)
        fake = subprocess.Popen(["ip", "netns", "exec", self.g, "python3", FAKE, "--bind",
                                 "127.0.0.1", "--port", "8081", "--scenario", path],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL)
        wait_listening(self.g, 8081)  # else enid, finding it refused, starts with DHCP
        try:
            ok, why, _ = self.restart_auto("http://127.0.0.1:8081/latest/meta-data/",
                                           "metadata_token = off\n")
            mark = len(self.dm.text())
            self.plug(D4)
            self.plug(D5)

            def checked(name, verdict):
                st = self.status(name)
                d = str(st.get("dhcp") or "")
                return (st.get("state") == "configured" and st.get("addressing") == "metadata"
                        and verdict in d), ["%s: %s %s dhcp %r" % (name, st.get("state"),
                                                                  st.get("addressing"), d)]
            ok4, why4 = wait_until(lambda: checked(D4[0], "agrees with"), 10, step=0.05)
            ok5, why5 = wait_until(lambda: checked(D5[0], "disagrees with"), 10, step=0.05)
            a4 = sorted(x.local for x in K.addrs(self.g, D4[0]))
            a5 = sorted(x.local for x in K.addrs(self.g, D5[0]))
            text = self.enid.enictl("status", D5[0]).stdout
            log = "".join(self.enid.log_tail(60))
            reqs = self.dm.count("REQUEST", D4[1], mark) + self.dm.count("REQUEST", D5[1], mark)
            disc = self.dm.count("DISCOVER", D4[1], mark)
            sent = str(self.status(D4[0]).get("dhcp"))
        finally:
            fake.terminate()
            fake.wait(timeout=5)
        self.t.result(ok and ok4 and a4 == ["10.99.0.45", "10.99.0.55"],
                      "dhcp: auto, metadata and DHCP agree: the metadata's addresses applied, "
                      "status dhcp 'agrees with'", why + why4 + ["eth4 %s" % a4])
        self.t.result(ok and ok5 and a5 == ["10.99.0.46"] and "disagree" in log and
                      "disagrees with the metadata's 10.99.0.46" in text,
                      "dhcp: auto, DHCP offers 10.99.0.47 where the metadata says 10.99.0.46: "
                      "the metadata wins; logged and in enictl status (text and -j)",
                      why5 + ["eth5 %s; status text: %s" % (a5, text.strip()[-300:])])
        # A DISCOVER lost on the way (the port just up) is retransmitted, as RFC 2131 asks:
        # what is asserted is that the check ends at the first OFFER. No REQUEST (no lease
        # taken), and no DISCOVER after the verdict for a whole retransmission interval
        # (4 s +- 1), counted by enid and by dnsmasq.
        m = re.search(r"\((\d+) DISCOVER\)", sent)
        time.sleep(5.5)
        sent2 = str(self.status(D4[0]).get("dhcp"))
        disc2 = self.dm.count("DISCOVER", D4[1], mark)
        reqs2 = self.dm.count("REQUEST", D4[1], mark) + self.dm.count("REQUEST", D5[1], mark)
        self.t.result(m is not None and reqs == reqs2 == 0 and 1 <= disc == disc2 and
                      sent2 == sent and disc <= int(m.group(1)) <= 3,
                      "dhcp: the agreement check ends at the first OFFER: no REQUEST (no lease "
                      "taken, no renewal), no DISCOVER after it for a retransmission interval",
                      ["eth4: %s; dnsmasq: %d DISCOVER (eth4), %d REQUEST (eth4+eth5)"
                       % (sent, disc, reqs),
                       "5.5 s later: %s; dnsmasq: %d DISCOVER, %d REQUEST"
                       % (sent2, disc2, reqs2)])


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
                         tier.c_nak, tier.c_auto_wait_on_404, tier.c_auto_fallback_403,
                         tier.c_auto_fallback, tier.c_server_gone, tier.c_auto_both):
                try:
                    step()
                except Exception:
                    t.result(False, "dhcp step %s raised" % step.__name__,
                             [traceback.format_exc()] + tier.enid.log_tail(20))
    except Exception:
        t.result(False, "dhcp cases raised", [traceback.format_exc()])
    finally:
        tier.close()
