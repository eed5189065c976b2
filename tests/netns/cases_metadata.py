# SPDX-License-Identifier: GPL-2.0
"""Netns tier, metadata addressing: enid against tests/fake-imds/ in every scenario.

Own namespaces enit-<pid>-md-{vpc,guest} (the Vpc of nsenv.py, no peer). The fake
listens on 100.100.100.200:80 on the vpc namespace's lo; the guest reaches it through
prim0's default route via the vpc bridge. Nothing is connected to the root namespace.
ENIs are veth links carrying the scenario's MACs, their peers on br0. Each scenario
runs a fresh fake and a fresh enid; every check reads the kernel (ip -j) and the fake's
own request log, never just a return code.
"""

import ipaddress
import json
import os
import re
import statistics
import subprocess
import time
import traceback

import kstate as K
from enid_proc import TOP, Enid, wait_until
from expect import Eni, dispatch_lines, planned_addrs, planned_all
from nsenv import Namespaces, Vpc, ip, ip_batch, nsexec
from tap import diag

FAKE = os.path.join(TOP, "tests", "fake-imds", "fake_imds.py")
SCENARIOS = os.path.join(TOP, "tests", "fake-imds", "scenarios")
IMDS_IP = "100.100.100.200"
INSTANCE_MAC = "00:16:3e:00:00:01"
STATIC_MAC = "00:16:3e:00:00:03"        # has a [MAC] section in the normal case
CTL_PY = r"""
import json, sys, urllib.request
body = sys.argv[2].encode() if len(sys.argv) > 2 else None
req = urllib.request.Request("http://%s" + sys.argv[1], data=body,
                             method="POST" if body is not None else "GET")
print(urllib.request.urlopen(req, timeout=10).read().decode())
""" % IMDS_IP


def load_scenario(name):
    with open(os.path.join(SCENARIOS, name + ".json")) as f:
        return json.load(f)


def auto_eni(sc, mac):
    """The answer of the fake's auto_enis rule for mac (see fake_imds.py)."""
    a = sc["auto_enis"]
    x, y = (int(p, 16) for p in mac.split(":")[4:])
    net = ipaddress.ip_network(a["base"])
    ips = [str(net.network_address + ((x + 64 * i) % 256) * 256 + y)
           for i in range(1 + int(a.get("secondaries", 0)))]
    return {"private-ipv4s": ips, "primary-ip-address": ips[0],
            "vswitch-cidr-block": str(net), "gateway": a["gateway"]}


def md_eni(ifname, mac, e):
    """What enid must plan from one ENI's metadata: primary first, then the other
    IPv4s in their order with the vswitch prefix, then the IPv6s."""
    net4 = ipaddress.ip_network(e["vswitch-cidr-block"])
    prim = e.get("primary-ip-address") or e["private-ipv4s"][0]
    addrs = ["%s/%d" % (a, net4.prefixlen)
             for a in [prim] + [a for a in e["private-ipv4s"] if a != prim]]
    gw6 = None
    if e.get("ipv6s"):
        n6 = ipaddress.ip_network(e["vswitch-ipv6-cidr-block"])
        addrs += ["%s/%d" % (a, n6.prefixlen) for a in e["ipv6s"]]
        gw6 = e.get("ipv6-gateway")
    return Eni(ifname, mac, addrs, gw4=e.get("gateway"), gw6=gw6)


def pct(vals, p):
    s = sorted(vals)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


class Imds:
    """The fake metadata service in the vpc namespace."""

    def __init__(self, ns, workdir):
        self.ns, self.workdir, self.proc = ns, workdir, None

    def start(self, scenario, tag):
        self.stop()
        self.log = os.path.join(self.workdir, "imds-%s.jsonl" % tag)
        self.out = open(os.path.join(self.workdir, "imds-%s.out" % tag), "w")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "python3", FAKE, "--bind", IMDS_IP, "--port", "80",
             "--scenario", scenario, "--log", self.log],
            stdout=subprocess.PIPE, stderr=self.out, stdin=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening"):
            raise RuntimeError("fake_imds did not start: %r" % line)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self.out.close()
        self.proc = None

    def ctl(self, path, body=None):
        argv = ["python3", "-c", CTL_PY, path] + ([json.dumps(body)] if body is not None else [])
        return json.loads(nsexec(self.ns, *argv).stdout)

    def stats(self):
        return self.ctl("/_control/stats")

    def requests(self, mac):
        return self.stats()["by_mac"].get(mac, {}).get("requests", 0)

    def log_entries(self, mac=None):
        return self.ctl("/_control/log" + ("?mac=" + mac if mac else ""))


class MdTier:
    def __init__(self, t, workdir):
        self.t = t
        self.dir = os.path.join(workdir, "md")
        os.makedirs(self.dir, exist_ok=True)
        self.nss = Namespaces("md")
        self.vpc = Vpc(self.nss, with_peer=False)
        self.g = self.vpc.guest
        ip(self.vpc.vpc, "addr", "add", IMDS_IP + "/32", "dev", "lo")
        self.imds = Imds(self.vpc.vpc, self.dir)
        self.enid = None
        self.peer_no = 0
        self.plugged = {}          # ifname -> mac

    # ---- plumbing -----------------------------------------------------------------
    def close(self):
        if self.enid:
            self.enid.stop()
        self.imds.stop()
        self.nss.close()

    def start(self, scenario, tag, extra=(), sections=""):
        """Fresh fake and enid; returns True when both run."""
        self.stop_enid()
        self.imds.start(scenario, tag)
        d = os.path.join(self.dir, tag)
        os.makedirs(d, exist_ok=True)
        cfg = os.path.join(d, "enid.conf")
        with open(cfg, "w") as f:
            base = ["# SPDX-License-Identifier: GPL-2.0", "[global]", "source = rtnl",
                    "addressing = auto", "drivers = veth", "udev = no"]
            if not any(x.startswith("metadata_deadline_s") for x in extra):
                base.append("metadata_deadline_s = 30")
            f.write("\n".join(base + list(extra)) + "\n" + sections)
        self.enid = Enid(self.g, d, cfg)
        ok, why = self.enid.start()
        if not ok:
            self.t.result(False, "%s: enid starts" % tag, [why] + self.enid.log_tail(20))
        return ok

    def stop_enid(self):
        """Unplugs every ENI (enid cleans up), then stops enid."""
        for name in list(self.plugged):
            self.unplug(name)
        if self.enid and self.enid.alive():
            wait_until(lambda: (not K.ours(K.rules(self.g)) and not K.ours(K.routes(self.g)),
                                None), 5)
        if self.enid:
            self.enid.stop()
        self.enid = None

    def plug(self, pairs):
        """Hot-plugs [(ifname, mac)] in one ip batch (one burst of kernel events)."""
        cmds = []
        for ifname, mac in pairs:
            self.peer_no += 1
            cmds += self.vpc.eni_prepare_cmds(ifname, mac, self.peer_no)
            cmds.append(self.vpc.eni_plug_cmd(ifname))
            self.plugged[ifname] = mac
        ip_batch(self.vpc.vpc, cmds)

    def unplug(self, ifname):
        ip(self.g, "link", "del", ifname, check=False)
        self.plugged.pop(ifname, None)

    def status(self):
        try:
            return {l["ifname"]: l for l in self.enid.status()}
        except Exception as e:          # enid gone or answering garbage: reported by callers
            return {"?": {"error": str(e)}}

    def applied(self, names):
        """Everything of ours in the kernel: proto-222 rules/routes, global addrs on names."""
        out = [K.fmt(x) for x in K.ours(K.rules(self.g)) + K.ours(K.routes(self.g))]
        for n in names:
            out += ["%s addr %s/%s" % (n, a.local, a.prefixlen) for a in K.addrs(self.g, n)]
        return out

    def check(self, present):
        """(exact, lines): every link CONFIGURED and the kernel exactly as planned."""
        st = self.status()
        lines, pairs = [], []
        for name, e in sorted(present.items()):
            l = st.get(name)
            if not l or l.get("state") != "configured":
                lines.append("%s: %s" % (name, l and (l.get("state"), l.get("error"))))
                continue
            pairs.append((e, l["slot"]))
        if lines:
            return False, lines
        exp_rules, exp_routes = planned_all(pairs)
        rules = K.rules(self.g)
        lines = K.diff(exp_rules, K.ours_slots(rules), "rule") + dispatch_lines(rules, pairs)
        lines += K.diff(exp_routes, K.ours(K.routes(self.g)), "route")
        for e, _ in pairs:
            lines += K.diff(planned_addrs(e), K.addrs(self.g, e.ifname), "%s addr" % e.ifname)
        return not lines, lines

    def converge(self, present, timeout):
        return wait_until(lambda: self.check(present), timeout, step=0.05)

    def result_converged(self, desc, present, timeout):
        t0 = time.monotonic()
        done, lines = self.converge(present, timeout)
        if done:
            diag("%s: converged %.2f s after the check started" % (desc.split(":")[0],
                                                                   time.monotonic() - t0))
        return self.t.result(done and self.enid.alive(), desc,
                             lines + ["--- enid log"] + self.enid.log_tail(20))

    def waiting_nothing_applied(self, desc, names, pattern, hold=1.0):
        """For hold s: enid alive, nothing of ours in the kernel, status says why (pattern)."""
        time.sleep(hold)
        st = self.status()
        applied = self.applied(names)
        whys = {n: (st.get(n) or {}).get("error") or "" for n in names}
        states = {n: (st.get(n) or {}).get("state") for n in names}
        ok = self.enid.alive() and not applied and all(
            re.search(pattern, w) for w in whys.values()) and \
            all(s in ("resolving", "failed") for s in states.values())
        if ok:
            diag("%s: %s" % (desc.split(":")[0], "; ".join("%s %s: %s" % (n, states[n], whys[n])
                                                              for n in names)))
        return self.t.result(ok, desc, ["alive %s" % self.enid.alive(), "states %s" % states,
                                        "whys %s" % whys] + applied[:10]
                             + ["--- enid log"] + self.enid.log_tail(15))

    # ---- scenarios ----------------------------------------------------------------
    def c_normal(self):
        sc = load_scenario("normal")
        static = Eni("e3", STATIC_MAC, ["10.99.0.33/24"], gw4=Vpc.GW4)
        section = "\n[%s]\naddress = 10.99.0.33/24\ngateway = %s\n" % (STATIC_MAC, Vpc.GW4)
        if not self.start("normal", "normal", sections=section):
            return
        enis = {"e2": md_eni("e2", "00:16:3e:00:00:02", sc["enis"]["00:16:3e:00:00:02"]),
                "e4": md_eni("e4", "00:16:3e:00:00:04", sc["enis"]["00:16:3e:00:00:04"]),
                "e3": static}
        # A stale, wrong entry for e2's first IPv6 address on the vSwitch: only e2's
        # unsolicited neighbour advertisement (nobody asks) can correct it.
        # (br0's MAC fixed first: a bridge that takes its ports' lowest MAC flushes its
        # neighbour entries when a new port changes it.)
        v6 = sc["enis"]["00:16:3e:00:00:02"]["ipv6s"][0]
        ip(self.vpc.vpc, "link", "set", "br0", "address", "02:00:00:00:00:fe")
        ip(self.vpc.vpc, "-6", "neigh", "replace", v6, "lladdr", "02:00:00:00:00:99", "dev",
           "br0", "nud", "stale")
        self.plug([("e1", INSTANCE_MAC), ("e2", enis["e2"].mac), ("e3", STATIC_MAC),
                   ("e4", enis["e4"].mac)])
        self.result_converged("metadata normal: e2 (3 IPv4, primary listed last, 2 IPv6 [a,b]) "
                              "and e4 (10 IPv4, IPv6 JSON, link-local v6 gateway) exact: "
                              "addresses, rules, table and main routes", enis, 5)

        def v6_neigh():
            got = K.neigh(self.vpc.vpc, "br0", v6)[0]
            return got == enis["e2"].mac, got
        done, got = wait_until(v6_neigh, 3)
        self.t.result(done, "unsolicited neighbour advertisement: the vSwitch's stale entry for "
                      "%s now names e2's MAC without anyone asking" % v6, ["entry: %s" % got])
        v6 = [r for r in K.ours_slots(K.rules(self.g)) if r.family == 6]
        v6r = [r for r in K.ours(K.routes(self.g)) if r.family == 6]
        want = {("e2", "2001:db8:1:1::fffd"), ("e4", "fe80::1")}
        got = {(r.dev, r.gateway) for r in v6r if r.dst == "default"}
        self.t.result(len(v6) == 3 + 2 * 4 and got == want and
                      all(r.table != "main" for r in v6r if r.dst == "default"),
                      "metadata IPv6: a rule per IPv6 address and a v6 chain (incl. the main "
                      "guard) per ENI with IPv6, default via ipv6-gateway in each ENI's table "
                      "only",
                      ["v6 rules %d, v6 defaults %s" % (len(v6), sorted(got))])
        st = self.status()
        why = []
        if K.addrs(self.g, "e1"):
            why.append("e1 has addresses: %s" % K.addrs(self.g, "e1"))
        if "e1" in st:
            why.append("e1 in status: %s" % st["e1"])
        if any(r.src == "10.99.0.2" for r in K.ours_slots(K.rules(self.g))):
            why.append("a rule for the primary's address")
        if self.imds.requests(INSTANCE_MAC.lower()) and \
                any(e.get("key") not in (None, "mac", "api/token")
                    for e in self.imds.log_entries(INSTANCE_MAC)):
            why.append("the instance MAC's per-ENI keys were asked")
        self.t.result(not why, "metadata: the instance mac's link (e1, the primary per the "
                      "service) is never managed", why)
        stats = self.imds.stats()
        per = {m: v["requests"] for m, v in stats["by_mac"].items()}
        inst = stats["by_mac"].get("instance", {})
        diag("requests: %s; token PUTs %d" % (per, stats["token_puts"]))
        self.t.result(per.get("00:16:3e:00:00:02") == 7 and per.get("00:16:3e:00:00:04") == 7
                      and STATIC_MAC not in per and inst.get("requests") == 2,
                      "metadata requests: 7 per IPv6 ENI, 0 for the static one (auto picks "
                      "its [MAC] section), 2 for the instance (1 token PUT, 1 mac)",
                      ["by_mac %s" % per, "instance %s" % inst])
        # keep-alive: requests that overlap or follow in the same loop turn share
        # connections (enid closes them all once no request is left, so fewer than one per
        # request, not a fixed number: 7-11 seen for these 16)
        conns = stats.get("connections")
        self.t.result(conns is not None and 1 <= conns < stats["requests"],
                      "metadata keep-alive: the %d requests came on fewer TCP connections (%s)"
                      % (stats["requests"], conns), ["connections %r" % conns])
        why = []
        for name, n in (("e2", 7), ("e4", 7)):
            l = st.get(name, {})
            if l.get("addressing") != "metadata" or l.get("metadata_requests") != n:
                why.append("%s: addressing %r, metadata_requests %r" % (
                    name, l.get("addressing"), l.get("metadata_requests")))
        if st.get("e3", {}).get("addressing") != "static":
            why.append("e3: addressing %r" % st.get("e3", {}).get("addressing"))
        self.t.result(not why, "enictl status --json: addressing metadata/static per link and "
                      "the request count", why)
        self.refresh_cases(enis, sc)

    def refresh_cases(self, enis, sc):
        e2 = dict(sc["enis"]["00:16:3e:00:00:02"])
        e2["private-ipv4s"] = [a for a in e2["private-ipv4s"] if a != "172.16.1.21"] + [
            "172.16.1.23"]
        e2["ipv6s"] = e2["ipv6s"] + ["2001:db8:1:1::22"]
        for mac, addr, how in (("00:16:3e:00:00:02", "172.16.1.23", "assign"),
                               ("00:16:3e:00:00:02", "172.16.1.21", "unassign"),
                               ("00:16:3e:00:00:02", "2001:db8:1:1::22", "assign")):
            self.imds.ctl("/_control/" + how, {"mac": mac, "ip": addr})
        routes_before = [r for r in K.routes(self.g) if r.dev != "e2"]
        before = self.status()
        p = self.enid.enictl("refresh", "e2")
        enis["e2"] = md_eni("e2", "00:16:3e:00:00:02", e2)
        done, lines = self.converge(enis, 5)
        others = [r for r in K.routes(self.g) if r.dev != "e2"]
        lines += K.diff(routes_before, others, "route of another link")
        after = self.status()
        if after["e2"].get("slot") != before["e2"].get("slot"):
            lines.append("e2 slot changed")
        self.t.result(p.returncode == 0 and done and not K.diff(routes_before, others, ""),
                      "enictl refresh e2 after /_control/assign + unassign: 172.16.1.23 and "
                      "2001:db8:1:1::22 appear, 172.16.1.21 disappears (address and its rules), "
                      "nothing else touched",
                      ["rc %d: %s" % (p.returncode, (p.stdout + p.stderr).strip())] + lines
                      + ["--- enid log"] + self.enid.log_tail(10))
        e4 = dict(sc["enis"]["00:16:3e:00:00:04"])
        e4["private-ipv4s"] = e4["private-ipv4s"] + ["172.16.3.50"]
        self.imds.ctl("/_control/assign", {"mac": "00:16:3e:00:00:04", "ip": "172.16.3.50"})
        p = self.enid.enictl("refresh", "00:16:3e:00:00:04")
        enis["e4"] = md_eni("e4", "00:16:3e:00:00:04", e4)
        done, lines = self.converge(enis, 5)
        self.t.result(p.returncode == 0 and done, "enictl refresh by MAC (e4): the new secondary "
                      "IP applied, everything else exact", lines)
        p1 = self.enid.enictl("refresh", "e3")
        p2 = self.enid.enictl("refresh", "nosuch0")
        self.t.result(p1.returncode == 1 and "static" in p1.stderr and p2.returncode == 1 and
                      "nosuch0" in p2.stderr,
                      "enictl refresh of a static link or an unknown one: exit 1, says why",
                      ["e3: rc %d %s" % (p1.returncode, p1.stderr.strip()),
                       "nosuch0: rc %d %s" % (p2.returncode, p2.stderr.strip())])
        # A later read that fails must not remove anything.
        self.imds.ctl("/_control/faults", [{"type": "status", "status": 503,
                                            "mac": "00:16:3e:00:00:02"}])
        p = self.enid.enictl("refresh")
        time.sleep(1.0)
        exact, lines = self.check(enis)
        st = self.status().get("e2", {})
        self.t.result(p.returncode == 0 and exact and st.get("state") == "configured" and
                      "503" in (st.get("error") or ""),
                      "refresh while the service answers 503: e2 keeps its configuration "
                      "(state configured), status says why",
                      lines + ["e2: %s %r" % (st.get("state"), st.get("error"))])
        self.imds.ctl("/_control/faults", [])
        done, _ = wait_until(lambda: (not (self.status().get("e2", {}).get("error")), None), 8)
        exact, lines = self.check(enis)
        self.t.result(done and exact, "the service recovers: the retry completes, nothing "
                      "changed, the reason is cleared", lines)

    def c_lagging(self, name, pattern, desc):
        sc = load_scenario(name)
        if not self.start(name, name):
            return
        enis = {"e2": md_eni("e2", "00:16:3e:00:00:02", sc["enis"]["00:16:3e:00:00:02"]),
                "e3": md_eni("e3", "00:16:3e:00:00:03", sc["enis"]["00:16:3e:00:00:03"])}
        t0 = time.monotonic()
        self.plug([(n, e.mac) for n, e in sorted(enis.items())])
        self.waiting_nothing_applied("metadata %s: for 1 s nothing applied, enid alive, "
                                     "status says why (%s)" % (name, pattern), list(enis),
                                     pattern)
        ok = self.result_converged("metadata %s: %s, then every address, rule and route "
                                   "exact" % (name, desc), enis, 10)
        per = {n: self.imds.requests(e.mac) for n, e in enis.items()}
        diag("%s: requests %s; configured %.1f s after the plug" % (
            name, per, time.monotonic() - t0))
        return ok, per

    def c_odd_name(self):
        """An ENI named with bytes that are not UTF-8 (the kernel allows any byte but '/',
        ':' and whitespace): `enictl status --json` must still be JSON, strict UTF-8 with
        each invalid byte as U+FFFD and the valid part as it was."""
        desc = ("enictl status --json with an ENI named e\\xff\\xc3\\xa9\\x80: strict UTF-8 "
                "JSON, the name as 'e\\ufffd\\u00e9\\ufffd'")
        if not self.start("normal", "oddname"):
            return
        name, want = b"e\xff\xc3\xa9\x80", "e\ufffd\u00e9\ufffd"
        # a MAC the fake does not know: the link waits for its metadata, managed, listed,
        # with nothing of ours in the kernel (whose `ip -j` output would not be UTF-8)
        subprocess.run(["ip", "-n", self.g, "link", "add", name, "address", "00:16:3e:0f:00:ff",
                        "type", "veth", "peer", "name", "oddp", "netns", self.vpc.vpc],
                       check=True, stdin=subprocess.DEVNULL)
        subprocess.run(["ip", "-n", self.g, "link", "set", name, "up"], check=True)

        def listed():
            p = subprocess.run(["ip", "netns", "exec", self.enid.ns, self.enid.enictl_bin,
                                "--run-dir", self.enid.run_dir, "status", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, timeout=10)
            try:
                doc = json.loads(p.stdout.decode("utf-8"))      # strict: invalid UTF-8 raises
            except ValueError as e:                             # UnicodeDecodeError too
                return True, ["rc %d: %s: %r" % (p.returncode, e, p.stdout[:400])]
            names = [l.get("ifname") for l in doc.get("links", [])]
            if want in names:
                return True, []
            return False, ["links listed: %r" % names]

        try:
            done, why = wait_until(listed, 5)
            self.t.result(done and not why, desc, why)
        finally:
            subprocess.run(["ip", "-n", self.g, "link", "del", name], check=False)
        self.stop_enid()

    def c_mac_lag(self):
        r = self.c_lagging("mac-lag", r"MAC not in metadata yet", "MAC unknown for 2 s")
        if r:
            _, per = r
            # each retry while the MAC is unknown asks private-ipv4s alone
            self.t.result(per["e3"] <= 5 + 8 + 5, "metadata mac-lag: one request per retry "
                          "while the MAC is missing (e3: %d requests in all)" % per["e3"],
                          ["requests %s" % per])

    def c_key_404(self):
        self.c_lagging("key-404", r"gateway 404", "gateway 404 for 2 s")

    def c_burst_503(self):
        sc = load_scenario("burst-503")
        if not self.start("burst-503", "burst-503"):
            return
        enis = {"e%d" % i: md_eni("e%d" % i, "00:16:3e:00:00:0%d" % i,
                                  sc["enis"]["00:16:3e:00:00:0%d" % i]) for i in (2, 3, 4)}
        self.plug([(n, e.mac) for n, e in sorted(enis.items())])
        self.result_converged("metadata burst-503: 8 answers 503, backoff, then all three ENIs "
                              "exact", enis, 8)
        st = self.imds.stats()
        n503 = sum(v.get("status", {}).get("503", 0) for v in st["by_mac"].values())
        self.t.result(n503 == 8, "metadata burst-503: the 503s were really served and retried "
                      "(%d 503s)" % n503, ["stats %s" % st])

    def c_token_required(self):
        sc = load_scenario("token-required")
        if not self.start("token-required", "token-required"):
            return
        enis = {"e2": md_eni("e2", "00:16:3e:00:00:02", sc["enis"]["00:16:3e:00:00:02"])}
        self.plug([("e2", enis["e2"].mac)])
        self.result_converged("metadata token-required (metadata_token = auto): configured "
                              "exact", enis, 5)
        log = self.imds.log_entries()
        untokened = [e for e in log if e.get("method") == "GET" and e.get("token") != "valid"]
        puts = [e for e in log if e.get("method") == "PUT"]
        self.t.result(not untokened and len(puts) == 1 and all(e["status"] == 200 for e in log),
                      "metadata token-required: one token PUT, every GET carried the token, "
                      "no 403", ["PUTs %d, tokenless GETs %s" % (len(puts), untokened[:3])])
        self.stop_enid()
        if not self.start("token-required", "token-off", ["metadata_token = off"]):
            return
        self.plug([("e3", "00:16:3e:00:00:03")])
        # 403 with tokens off: the service is disabled for enid, auto falls back to DHCP at
        # once (no DHCP server here): nothing applied, status says why
        self.waiting_nothing_applied("metadata token-required with metadata_token = off: "
                                     "DHCP (none here), nothing applied, enid alive, status "
                                     "says 403",
                                     ["e3"], r"403", hold=1.5)
        # a service without the token call: auto goes tokenless, and only then
        sc2 = dict(sc, token={"supported": False, "required": False})
        path = os.path.join(self.dir, "no-token.json")
        with open(path, "w") as f:
            json.dump(sc2, f)
        self.stop_enid()
        if not self.start(path, "no-token"):
            return
        self.plug([("e2", enis["e2"].mac)])
        self.result_converged("metadata without the token call (404 to the PUT): auto goes "
                              "tokenless and configures e2 exact", enis, 5)
        log = self.imds.log_entries()
        puts = [e for e in log if e.get("method") == "PUT"]
        self.t.result(len(puts) == 1 and puts[0]["status"] == 404 and
                      all(e.get("token") == "none" for e in log),
                      "metadata without the token call: one PUT (404), then tokenless GETs",
                      ["PUTs %s" % puts])

    def c_token_expiry(self):
        sc = load_scenario("token-expiry")
        if not self.start("token-expiry", "token-expiry"):
            return
        e2 = dict(sc["enis"]["00:16:3e:00:00:02"])
        enis = {"e2": md_eni("e2", "00:16:3e:00:00:02", e2)}
        self.plug([("e2", enis["e2"].mac)])
        if not self.result_converged("metadata token-expiry: configured exact", enis, 5):
            return
        time.sleep(2.3)                          # every token is rejected (401) after 2 s
        self.imds.ctl("/_control/assign", {"mac": "00:16:3e:00:00:02", "ip": "172.16.1.24"})
        e2["private-ipv4s"] = e2["private-ipv4s"] + ["172.16.1.24"]
        enis["e2"] = md_eni("e2", "00:16:3e:00:00:02", e2)
        p = self.enid.enictl("refresh")
        done, lines = self.converge(enis, 5)
        log = self.imds.log_entries()
        n401 = sum(1 for e in log if e["status"] == 401)
        puts = sum(1 for e in log if e.get("method") == "PUT" and e["status"] == 200)
        self.t.result(p.returncode == 0 and done and n401 >= 1 and puts == 2,
                      "metadata token-expiry: the refresh meets 401, a new token (2 PUTs), the "
                      "new IP applied", lines + ["401s %d, PUTs %d" % (n401, puts)])
        # A short TTL: renewed at half its life, before the service would say 401.
        self.stop_enid()
        if not self.start("token-required", "token-ttl", ["metadata_token_ttl = 2"]):
            return
        e3 = dict(load_scenario("token-required")["enis"]["00:16:3e:00:00:03"])
        enis = {"e3": md_eni("e3", "00:16:3e:00:00:03", e3)}
        self.plug([("e3", enis["e3"].mac)])
        self.converge(enis, 5)
        time.sleep(1.2)
        self.imds.ctl("/_control/assign", {"mac": "00:16:3e:00:00:03", "ip": "172.16.2.31"})
        e3["private-ipv4s"] = e3["private-ipv4s"] + ["172.16.2.31"]
        enis["e3"] = md_eni("e3", "00:16:3e:00:00:03", e3)
        p = self.enid.enictl("refresh", "e3")
        done, lines = self.converge(enis, 5)
        log = self.imds.log_entries()
        n401 = sum(1 for e in log if e["status"] in (401, 403))
        puts = [e["t"] for e in log if e.get("method") == "PUT" and e["status"] == 200]
        self.t.result(p.returncode == 0 and done and not n401 and len(puts) == 2,
                      "metadata_token_ttl = 2: the token is renewed before it expires (2 PUTs, "
                      "no 401/403), the new IP applied",
                      lines + ["401/403s %d, PUTs at %s" % (n401, puts)])

    def c_slow(self):
        sc = load_scenario("slow")
        if not self.start("slow", "slow"):
            return
        enis = {"e%d" % i: md_eni("e%d" % i, "00:16:3e:00:00:0%d" % i,
                                  sc["enis"]["00:16:3e:00:00:0%d" % i]) for i in (2, 3)}
        self.plug([(n, e.mac) for n, e in sorted(enis.items())])
        time.sleep(0.5)
        t0 = time.monotonic()
        p = self.enid.enictl("status")
        took = time.monotonic() - t0
        self.t.result(p.returncode == 0 and took < 0.5, "metadata slow: enid answers enictl "
                      "status in %.0f ms while every answer is 2 s late (nothing blocks)"
                      % (took * 1000), [p.stdout + p.stderr])
        if self.result_converged("metadata slow: both ENIs exact once the late answers "
                                 "arrive", enis, 10):
            st = self.status()
            diag("slow: configured_us %s" % {n: st[n].get("configured_us") for n in enis})

    def c_garbage(self):
        sc = load_scenario("garbage")
        if not self.start("garbage", "garbage", ["metadata_deadline_s = 3"]):
            return
        # the scenario's bad bodies, for as long as this case wants (no "seconds")
        faults = [{k: v for k, v in f.items() if k != "seconds"} for f in sc["faults"]]
        self.imds.ctl("/_control/faults", faults)
        enis = {"e%d" % i: md_eni("e%d" % i, "00:16:3e:00:00:0%d" % i,
                                  sc["enis"]["00:16:3e:00:00:0%d" % i]) for i in (2, 3)}
        self.plug([(n, e.mac) for n, e in sorted(enis.items())])
        self.waiting_nothing_applied("metadata garbage (HTML, truncated JSON, bad address): "
                                     "nothing applied, enid alive, status says why",
                                     list(enis), r"HTML|truncated|not an|invalid", hold=1.5)
        bad = [
            ("a 70 KB body", {"type": "body", "mac": "eni", "key": "private-ipv4s",
                              "body": '["' + "1" * 70000 + '"]'}, r"64 KiB"),
            ("3000 addresses", {"type": "body", "mac": "eni", "key": "private-ipv4s",
                                "body": json.dumps(["172.16.%d.%d" % (i // 250, i % 250 + 1)
                                                    for i in range(3000)])}, r"addresses"),
            ("netmask-like mask 255.0.255.0 as the block", {
                "type": "body", "mac": "eni", "key": "vswitch-cidr-block",
                "body": "172.16.1.0/255.0.255.0"}, r"vswitch-cidr-block"),
            ("a gateway outside the subnet", {"type": "body", "mac": "eni", "key": "gateway",
                                              "body": "10.1.2.3"}, r"gateway"),
        ]
        for what, fault, pattern in bad:
            self.imds.ctl("/_control/faults", [fault])
            self.enid.enictl("refresh")
            self.waiting_nothing_applied("metadata garbage, %s: nothing applied, status says "
                                         "why" % what, list(enis), pattern, hold=1.2)
        st = self.status()
        states = {n: (st.get(n) or {}).get("state") for n in enis}
        log = "\n".join(self.enid.log_tail(200))
        self.t.result(all(v == "failed" for v in states.values()) and
                      "no complete metadata answer in 3 s" in log and not self.applied(list(enis)),
                      "metadata garbage past metadata_deadline_s = 3: links reported failed "
                      "(logged), nothing applied, still asking", ["states %s" % states])
        self.imds.ctl("/_control/faults", [])
        self.enid.enictl("refresh")
        self.result_converged("metadata garbage: good answers again, both ENIs exact", enis, 10)

    def c_bounds(self):
        """Answers that would reroute the host are refused (bounds.h): issue 9 item 4."""
        sc = load_scenario("normal")
        mac2, mac4 = "00:16:3e:00:00:02", "00:16:3e:00:00:04"
        good2 = sc["enis"][mac2]
        # a [MAC] section with the primary's own address: fine at load time, refused
        # at run time (only then is the primary known)
        section = "\n[%s]\naddress = %s/24\ngateway = %s\n" % (STATIC_MAC, Vpc.PRIM4, Vpc.GW4)
        if not self.start("normal", "bounds", sections=section):
            return
        enis = {"e2": md_eni("e2", mac2, good2)}
        self.plug([("e3", STATIC_MAC)])
        self.refused_nothing_applied(
            "bounds: static [%s] address = %s/24 (the primary's): refused at run time, nothing "
            "applied to e3, status says why" % (STATIC_MAC, Vpc.PRIM4), "e3",
            r"refused: \[%s\] address '%s' is an address of the primary interface" % (
                STATIC_MAC, re.escape(Vpc.PRIM4)), {})
        self.unplug("e3")                # whatever the verdict, the cases below start clean
        wait_until(lambda: (not K.ours(K.rules(self.g)) and not K.ours(K.routes(self.g)),
                            None), 5)
        self.plug([("e2", mac2)])
        if not self.result_converged("bounds: e2 configured exact from a good answer", enis, 5):
            return
        bad = [
            ("vswitch-cidr-block 0.0.0.0/1 (would beat the primary's default route)",
             {"private-ipv4s": ["10.1.0.5"], "primary-ip-address": "10.1.0.5",
              "vswitch-cidr-block": "0.0.0.0/1", "gateway": "10.1.0.253"},
             "vswitch-cidr-block", "0.0.0.0/1", r"has a prefix length /1 outside"),
            ("private-ipv4s with 100.100.100.200 (would cut the host off the service)",
             {"private-ipv4s": ["100.100.100.20", "100.100.100.200"],
              "primary-ip-address": "100.100.100.20", "vswitch-cidr-block": "100.100.100.0/24",
              "gateway": "100.100.100.253"},
             "private-ipv4s", "100.100.100.200", r"is the metadata service"),
            ("primary-ip-address equal to the primary's %s" % Vpc.PRIM4,
             {"private-ipv4s": [Vpc.PRIM4], "primary-ip-address": Vpc.PRIM4,
              "vswitch-cidr-block": "10.99.0.0/24", "gateway": Vpc.GW4},
             "primary-ip-address", Vpc.PRIM4, r"is an address of the primary interface"),
        ]
        for i, (what, answer, key, value, reason) in enumerate(bad):
            off = self.enid.log_size()
            self.imds.ctl("/_control/eni", dict(answer, mac=mac2))
            p = self.enid.enictl("refresh", "e2")
            pattern = r"refused: metadata %s '%s' %s" % (key, re.escape(value), reason)

            def refused():
                l = self.status().get("e2", {})
                return bool(re.search(pattern, l.get("error") or "")), l
            done, l = wait_until(refused, 5)
            time.sleep(0.3)              # anything applied after the verdict would show now
            exact, lines = self.check(enis)
            found = [a for a in K.addrs(self.g, "e2") if a.local in answer["private-ipv4s"]]
            found += [K.fmt(r) for r in K.routes(self.g)
                      if r.dst == answer["vswitch-cidr-block"] and r.dev == "e2"]
            log = self.enid.log_since(off)
            path = "/latest/meta-data/network/interfaces/macs/%s/%s '%s'" % (mac2, key, value)
            n_lines = sum(1 for x in log.splitlines() if path in x and "refused" in x)
            if i == 0:                   # the same answer again: no second line
                self.enid.enictl("refresh", "e2")
                time.sleep(0.5)
                log = self.enid.log_since(off)
                n_lines = sum(1 for x in log.splitlines() if path in x and "refused" in x)
            self.t.result(p.returncode == 0 and done and exact and not found and
                          l.get("state") == "configured" and n_lines == 1,
                          "bounds: metadata %s: refused, nothing of it in the kernel, e2 keeps "
                          "its last good configuration (configured, exact), status error says "
                          "why, one log line naming the MAC, the key and the value" % what,
                          lines + ["state %r error %r" % (l.get("state"), l.get("error")),
                                   "in the kernel: %s" % found, "log lines %d" % n_lines]
                          + ["--- enid log since"] + log.splitlines()[-8:])
        self.imds.ctl("/_control/eni", dict(good2, mac=mac2))
        self.enid.enictl("refresh", "e2")
        done, _ = wait_until(lambda: (not self.status().get("e2", {}).get("error"), None), 5)
        exact, lines = self.check(enis)
        self.t.result(done and exact, "bounds: a good answer again: accepted, the reason "
                      "cleared, nothing changed", lines)
        # a new ENI whose first answer holds e2's address: refused, nothing applied
        self.imds.ctl("/_control/eni", {"mac": mac4, "private-ipv4s": ["172.16.1.40",
                                                                       good2["primary-ip-address"]],
                                        "primary-ip-address": "172.16.1.40",
                                        "vswitch-cidr-block": "172.16.1.0/24",
                                        "gateway": "172.16.1.253"})
        self.plug([("e4", mac4)])
        self.refused_nothing_applied(
            "bounds: a new ENI whose first answer holds another ENI's address (%s): refused, "
            "nothing applied, e2 untouched, status says why" % good2["primary-ip-address"], "e4",
            r"refused: metadata private-ipv4s '%s' is an address of another ENI" % re.escape(
                good2["primary-ip-address"]), enis)
        self.stop_enid()

    def refused_nothing_applied(self, desc, name, pattern, present, hold=1.0):
        """name's addressing refused: no address on it, the kernel exactly as present's
        plans, name resolving or failed with pattern in its error, enid alive."""
        time.sleep(hold)
        l = self.status().get(name) or {}
        on = K.addrs(self.g, name)
        exact, lines = self.check(present) if present else (True, [])
        if not present:
            lines = [K.fmt(x) for x in K.ours(K.rules(self.g)) + K.ours(K.routes(self.g))]
            exact = not lines
        ok = (self.enid.alive() and exact and not on and l.get("state") in ("resolving", "failed")
              and re.search(pattern, l.get("error") or ""))
        if ok:
            diag("%s: %s %s" % (desc.split(":")[0], l.get("state"), l.get("error")))
        return self.t.result(ok, desc, lines + ["addresses on %s: %s" % (name, on),
                                                "state %r error %r" % (l.get("state"),
                                                                       l.get("error"))]
                             + ["--- enid log"] + self.enid.log_tail(10))

    def c_bench(self, n=50):
        # auto ENIs in a vSwitch of their own: normal.json's 10.99.0.0/16 contains prim0's
        # 10.99.0.0/24, a supernet of the primary's subnet that enid refuses (bounds.h)
        sc = load_scenario("normal")
        sc["auto_enis"] = dict(sc["auto_enis"], base="10.96.0.0/16", gateway="10.96.255.253")
        path = os.path.join(self.dir, "bench.json")
        with open(path, "w") as f:
            json.dump(sc, f)
        if not self.start(path, "bench"):
            return
        present, conf_us, wall, bad = {}, [], [], []
        for i in range(1, n + 1):
            # 10.96.1.i and 10.96.65.i
            name, mac = "b%d" % i, "00:16:3e:7f:01:%02x" % i
            present[name] = md_eni(name, mac, auto_eni(sc, mac))
            t0 = time.monotonic()
            self.plug([(name, mac)])

            def configured():
                l = self.status().get(name, {})
                return l.get("state") == "configured", l
            done, l = wait_until(configured, 5, step=0.002)
            if not done:
                bad.append("%s: %s" % (name, l))
                continue
            wall.append((time.monotonic() - t0) * 1000)
            conf_us.append(l["configured_us"])
        exact, lines = self.check(present)
        stats = self.imds.stats()
        reqs = [stats["by_mac"].get(e.mac, {}).get("requests", 0) for e in present.values()]
        ms = [u / 1000.0 for u in conf_us]
        if ms:
            diag("bench: %d binds, kernel event -> CONFIGURED (enid timeline): p50 %.1f ms, "
                 "p99 %.1f ms, max %.1f ms" % (len(ms), statistics.median(ms), pct(ms, 99),
                                                max(ms)),
                 "bench: link creation (ip command) -> seen CONFIGURED by polling: p50 %.1f ms, "
                 "p99 %.1f ms" % (statistics.median(wall), pct(wall, 99)),
                 "bench: requests per ENI min %d avg %.1f max %d; token PUTs %d; instance "
                 "requests %d" % (min(reqs), sum(reqs) / len(reqs), max(reqs),
                                  stats["token_puts"],
                                  stats["by_mac"].get("instance", {}).get("requests", 0)))
        self.t.result(not bad and exact and set(reqs) == {5},
                      "metadata: %d binds one after another, each CONFIGURED, all exact, 5 "
                      "requests per IPv4 ENI" % n, bad[:5] + lines[:10] + ["requests %s" % reqs])

    def c_cleanup(self):
        self.stop_enid()
        left = K.ours(K.rules(self.g)) + K.ours(K.routes(self.g))
        self.t.result(not left, "metadata tier: every ENI unplugged, zero protocol-222 rules "
                      "and routes left", [K.fmt(x) for x in left[:10]])


def run(t, workdir):
    """Runs every metadata case; its own namespaces, always cleaned up."""
    try:
        tier = MdTier(t, workdir)
    except Exception:
        t.result(False, "metadata tier: setting up its namespaces and the fake failed",
                 [traceback.format_exc()])
        return
    try:
        for step in (tier.c_normal, tier.c_odd_name, tier.c_mac_lag, tier.c_key_404, tier.c_burst_503,
                     tier.c_token_required, tier.c_token_expiry, tier.c_slow, tier.c_garbage,
                     tier.c_bounds, tier.c_bench, tier.c_cleanup):
            try:
                step()
            except Exception:
                t.result(False, "metadata step %s raised" % step.__name__,
                         [traceback.format_exc()] + (tier.enid.log_tail(20) if tier.enid
                                                     else []))
                try:
                    tier.stop_enid()
                except Exception:
                    pass
    finally:
        tier.close()
