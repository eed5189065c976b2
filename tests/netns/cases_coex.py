# SPDX-License-Identifier: GPL-2.0
"""Netns tier, coexistence: deferring to another agent, the udev rule's helper, containers.

Own namespaces enit-<pid>-coex-{vpc,guest,ctr,pod} (the Vpc of nsenv.py, no peer).
Deferral (manage = listed, ignore_names = eth9*, ignore_macs = MAC3):
- eth1 (listed) is configured; eth91 (listed, name ignored), eth3 (listed, MAC ignored) and
  eth4 (no section) are never touched: no address, sysctls and link state as found, and
  `enictl status` (JSON and text) shows them not-managed with the reason;
- a reload that adds eth1's MAC to ignore_macs removes what enid added to it;
- `enid --udev-claim` answers each link as the daemon decided (ENID_MANAGED, NM_UNMANAGED,
  ENID_REASON), the final name counts, an invalid config claims nothing and exits 0;
- udev 252 itself (`udevadm test` in a private mount namespace with 81-enid.rules and
  one-line stand-ins of ifupdown's and cloud-init's hook rules) gives eth1 the properties
  and drops the hooks' RUN entries, and keeps them for eth4.
Containers (two ENIs configured by enid): a Docker-like bridge docker0 172.17.0.1/16 with a
container at 172.17.0.2 in its own namespace, a pod route 10.244.1.5/32 dev cali1 (a veth
to a pod namespace), another tool's rules at prefs 512 and 32000 (protocol static) and its
table 201 (10.245.0.0/16 and 198.51.100.0/24 dev cali1). From an ENI address the container and the pod are reached through docker0 and
cali1 (ip route get), a ping from the container to an ENI address gets its replies back
through docker0, the other tool's rules still select their tables, and every rule and
route of the other tool is there byte for byte (ip -d) after resync, reload, heal, unbind
and `enid --flush`.
"""

import os
import signal
import traceback

import kstate as K
from enid_proc import Enid, wait_until
from nsenv import Namespaces, Vpc, ip, ipj, nsexec, sysctl_read

E1 = ("eth1", "02:00:00:00:0c:01", "10.99.0.21")
E2 = ("eth91", "02:00:00:00:0c:02", "10.99.0.22")
E3 = ("eth3", "02:00:00:00:0c:03", "10.99.0.23")
E4 = ("eth4", "02:00:00:00:0c:04", "10.99.0.24")
E7 = ("eth7", "02:00:00:00:0c:07", "10.99.0.27")
C1 = ("eth5", "02:00:00:00:0c:05", "10.99.0.31")
C2 = ("eth6", "02:00:00:00:0c:06", "10.99.0.32")
CTR4, POD4 = "172.17.0.2", "10.244.1.5"
GLOBAL = ["[global]", "source = rtnl", "addressing = static", "drivers = veth", "udev = no"]


def section(e):
    return ["[%s]" % e[1], "address = %s/24" % e[2], "gateway = %s" % Vpc.GW4]


def conf(extra, enis):
    lines = list(GLOBAL) + list(extra)
    for e in enis:
        lines += [""] + section(e)
    return "\n".join(lines) + "\n"


class CoexTier:
    def __init__(self, t, workdir):
        self.t = t
        self.dir = os.path.join(workdir, "coex")
        os.makedirs(self.dir, exist_ok=True)
        self.nss = Namespaces("coex")
        self.vpc = Vpc(self.nss, with_peer=False)
        self.g = self.vpc.guest
        self.cfg = os.path.join(self.dir, "enid.conf")
        self.enid = Enid(self.g, self.dir, self.cfg)

    def close(self):
        self.enid.stop()
        self.nss.close()

    def write(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def status(self, name):
        try:
            return next((l for l in self.enid.status() if l.get("ifname") == name), None) or {}
        except Exception as e:
            return {"error": str(e)}

    def configured(self, names, timeout=10):
        def probe():
            bad = [(n, self.status(n).get("state"), self.status(n).get("error"))
                   for n in names if self.status(n).get("state") != "configured"]
            return not bad, ["not configured: %s" % (bad,)]
        return wait_until(probe, timeout, step=0.05)

    def addrs(self, name):
        return [a.local for a in K.addrs(self.g, name)]

    def link_facts(self, name):
        """What enid could have changed on a link: its flags, MTU and per-link sysctls."""
        link = ipj(self.g, "link", "show", "dev", name)[0]
        sysctls = [sysctl_read(self.g, "net/ipv4/conf/%s/%s" % (name, k))
                   for k in ("arp_ignore", "arp_announce", "rp_filter")]
        return (tuple(sorted(link.get("flags", []))), link.get("mtu"), tuple(sysctls))

    # ---- deferral --------------------------------------------------------------------
    def c_deferral(self):
        desc = "deferral: "
        extra = ["manage = listed", "ignore_names = eth9*", "ignore_macs = %s" % E3[1]]
        self.write(self.cfg, conf(extra, [E1, E2, E3, E7]))
        for n, e in enumerate((E1, E2, E3, E4, E7)):
            self.vpc.plug(e[0], e[1], 60 + n)
        ip(self.g, "link", "set", E2[0], "up")  # as another agent left them: one up
        before = {e[0]: self.link_facts(e[0]) for e in (E2, E3, E4)}
        ok, why = self.enid.start()
        if not ok:
            self.t.result(False, desc + "enid starts", [why] + self.enid.log_tail(20))
            return False
        ok, lines = self.configured([E1[0], E7[0]])
        self.t.result(ok and self.addrs(E1[0]) == [E1[2]],
                      desc + "the listed ENI eth1 is configured", lines)
        # renamed into ignore_names: enid lets go of it (the final name decides)
        ip(self.g, "link", "set", E7[0], "down")
        ip(self.g, "link", "set", E7[0], "name", "eth97")

        def let_go():
            st = self.status("eth97")
            left = [r for r in K.ours(K.rules(self.g)) if E7[2] in str(r.src)]
            return (st.get("state") == "not-managed" and not self.addrs("eth97") and not left,
                    [str(st), "addresses %s" % self.addrs("eth97")] + [K.fmt(x) for x in left])
        ok, lines = wait_until(let_go, 10, step=0.05)
        self.t.result(ok, desc + "eth7 renamed to eth97 (ignore_names eth9*): enid removes "
                      "what it added and lists it not-managed", lines)
        want = {E2[0]: "not managed: name matches ignore_names 'eth9*'",
                E3[0]: "not managed: MAC %s is in ignore_macs" % E3[1],
                E4[0]: "not managed: manage = listed and no [%s] section" % E4[1]}
        text = self.enid.enictl("status").stdout
        for e in (E2, E3, E4):
            st = self.status(e[0])
            row = [l for l in text.splitlines() if l.startswith(e[0] + " ")]
            self.t.result(st.get("state") == "not-managed" and st.get("reason") == want[e[0]]
                          and row and want[e[0]] in row[0],
                          desc + "%s: status -j and status say not-managed: %s"
                          % (e[0], want[e[0]].split(": ", 1)[1]), [str(st)] + row)
            after = self.link_facts(e[0])
            self.t.result(self.addrs(e[0]) == [] and after == before[e[0]],
                          desc + "%s untouched: no address; flags, MTU, sysctls as found"
                          % e[0], ["before %s" % (before[e[0]],), "after %s" % (after,),
                                   "addresses %s" % self.addrs(e[0])])
        self.c_udev_claim(extra)
        self.c_udevadm_test(extra)
        # a reload that newly excludes eth1: what enid added goes, as unmanaged = yes does
        self.write(self.cfg, conf(["manage = listed", "ignore_names = eth9*",
                                   "ignore_macs = %s %s" % (E3[1], E1[1])], [E1, E2, E3, E7]))
        self.enid.signal(signal.SIGHUP)

        def gone():
            st = self.status(E1[0])
            left = [r for r in K.ours(K.rules(self.g)) if E1[2] in str(r.src)]
            left += [r for r in K.ours(K.routes(self.g)) if r.dev == E1[0]]
            return (st.get("state") == "not-managed" and not self.addrs(E1[0]) and not left,
                    [str(st), "addresses %s" % self.addrs(E1[0])] + [K.fmt(x) for x in left])
        ok, lines = wait_until(gone, 10, step=0.05)
        self.t.result(ok, desc + "reload adding eth1's MAC to ignore_macs removes what enid "
                      "added to it (addresses, rules, routes)", lines)
        self.enid.stop()
        for name in (E1[0], E2[0], E3[0], E4[0], "eth97"):
            self.vpc.unplug(name)
        return True

    def claim(self, cfg, kernel, name=None):
        argv = [self.enid.enid, "--config", cfg, "--udev-claim", kernel] + ([name] if name else [])
        p = nsexec(self.g, *argv, check=False)
        props = dict(l.split("=", 1) for l in p.stdout.splitlines() if "=" in l)
        return p.returncode, props

    def c_udev_claim(self, extra):
        desc = "enid --udev-claim: "
        cfg = os.path.join(self.dir, "claim.conf")
        self.write(cfg, conf(extra, [E1, E2, E3]))
        cases = [(E1[0], None, {"ENID_MANAGED": "1", "NM_UNMANAGED": "1"}),
                 (E2[0], None, {"ENID_MANAGED": "0", "ENID_REASON": "ignore-names"}),
                 (E3[0], None, {"ENID_MANAGED": "0", "ENID_REASON": "ignore-macs"}),
                 (E4[0], None, {"ENID_MANAGED": "0", "ENID_REASON": "not-listed"}),
                 ("prim0", None, {"ENID_MANAGED": "0", "ENID_REASON": "primary"}),
                 ("lo", None, {"ENID_MANAGED": "0", "ENID_REASON": "driver"}),
                 (E1[0], "eth99", {"ENID_MANAGED": "0", "ENID_REASON": "ignore-names"}),
                 ("nosuch0", None, {"ENID_MANAGED": "0", "ENID_REASON": "no-link"})]
        for kernel, name, want in cases:
            rc, got = self.claim(cfg, kernel, name)
            self.t.result(rc == 0 and got == want, desc + "%s%s -> %s" % (
                kernel, " (to be named %s)" % name if name else "",
                " ".join("%s=%s" % kv for kv in sorted(want.items()))),
                ["rc %d: %s" % (rc, got)])
        # the daemon agrees: eth1 managed, the others not (c_deferral's status)
        bad = os.path.join(self.dir, "bad.conf")
        self.write(bad, "[global]\ndrivers = veth\nmanage = some\n")
        p = nsexec(self.g, self.enid.enid, "--config", bad, "--udev-claim", E1[0], check=False)
        self.t.result(p.returncode == 0 and p.stdout.split() ==
                      ["ENID_MANAGED=0", "ENID_REASON=invalid-config"]
                      and "bad.conf:3: manage:" in p.stderr,
                      desc + "an invalid config claims nothing, says why on stderr, exits 0",
                      [p.stdout, p.stderr])

    def c_udevadm_test(self, extra):
        desc = "udev rule (udevadm test): "
        if not os.path.exists("/usr/bin/udevadm") and not os.path.exists("/bin/udevadm"):
            self.t.skip(desc + "the rule under udev itself", "no udevadm (package udev)")
            return
        top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        with open(os.path.join(top, "coexist", "81-enid.rules.in")) as f:
            rule = f.read().replace("@SBINDIR@", os.path.dirname(self.enid.enid))
        rules = os.path.join(self.dir, "rules")
        os.makedirs(rules, exist_ok=True)
        self.write(os.path.join(rules, "81-enid.rules"), rule)
        # one-line stand-ins with the shape of Debian 12's hook rules
        self.write(os.path.join(rules, "80-ifupdown.rules"),
                   'SUBSYSTEM=="net", ACTION=="add|remove", RUN+="ifupdown-hotplug"\n')
        self.write(os.path.join(rules, "10-cloud-init-hook-hotplug.rules"),
                   'SUBSYSTEM=="net", ACTION=="add|remove", '
                   'RUN+="/usr/lib/cloud-init/hook-hotplug"\n')
        self.write(os.path.join(rules, "99-systemd.rules"),
                   'ACTION=="add", SUBSYSTEM=="net", KERNEL!="lo", '
                   'RUN+="/lib/systemd/systemd-sysctl --prefix=/net/ipv4/conf/$name"\n')
        etc = os.path.join(self.dir, "etc-enid")
        os.makedirs(etc, exist_ok=True)
        self.write(os.path.join(etc, "enid.conf"), conf(extra, [E1, E2, E3]))
        libdir = os.path.realpath("/lib/udev/rules.d")
        script = ("set -e; for d in /etc/udev/rules.d /run/udev %s; do "
                  "[ -d $d ] && mount -t tmpfs none $d; done; mkdir -p /run/udev/rules.d; "
                  "cp %s/* %s/; mkdir -p /etc/enid; mount --bind %s /etc/enid; "
                  "udevadm test --action=add /sys/class/net/$1 2>/dev/null"
                  % (libdir, rules, libdir, etc))
        for name, props, runs, absent in (
                (E1[0], ["ENID_MANAGED=1", "NM_UNMANAGED=1"],
                 ["/bin/true", "/lib/systemd/systemd-sysctl --prefix=/net/ipv4/conf/eth1"],
                 ["ifupdown-hotplug", "/usr/lib/cloud-init/hook-hotplug"]),
                (E4[0], ["ENID_MANAGED=0", "ENID_REASON=not-listed"],
                 ["ifupdown-hotplug", "/usr/lib/cloud-init/hook-hotplug"], ["/bin/true"])):
            p = nsexec(self.g, "unshare", "-m", "sh", "-c", script, "sh", name, check=False)
            out = p.stdout.splitlines()
            got_runs = [l[len("run: '"):-1] for l in out if l.startswith("run: '")]
            ok = (p.returncode == 0 and all(x in out for x in props)
                  and all(r in got_runs for r in runs) and not any(a in got_runs for a in absent))
            self.t.result(ok, desc + "%s: %s; runs %s; not %s" % (
                name, " ".join(props), ", ".join(r.split()[0] for r in runs),
                ", ".join(absent)), ["rc %d" % p.returncode] + out[-14:] + [p.stderr[-300:]])

    # ---- containers ------------------------------------------------------------------
    def containers_setup(self):
        g = self.g
        ctr, pod = self.nss.add("ctr"), self.nss.add("pod")
        ip(g, "link", "add", "docker0", "type", "bridge")
        ip(g, "addr", "add", "172.17.0.1/16", "dev", "docker0")
        ip(g, "link", "set", "docker0", "up")
        ip(g, "link", "add", "vethc0", "type", "veth", "peer", "name", "c0", "netns", ctr)
        ip(g, "link", "set", "vethc0", "master", "docker0", "up")
        ip(ctr, "addr", "add", CTR4 + "/16", "dev", "c0")
        ip(ctr, "link", "set", "c0", "up")
        ip(ctr, "route", "add", "default", "via", "172.17.0.1")
        ip(g, "link", "add", "cali1", "type", "veth", "peer", "name", "p0", "netns", pod)
        ip(g, "link", "set", "cali1", "up")
        ip(pod, "addr", "add", POD4 + "/32", "dev", "p0")
        ip(pod, "link", "set", "p0", "up")
        ip(pod, "route", "add", "169.254.1.1", "dev", "p0")
        ip(pod, "route", "add", "default", "via", "169.254.1.1", "dev", "p0")
        ip(g, "route", "add", POD4 + "/32", "dev", "cali1", "scope", "link")
        ip(g, "route", "add", "10.245.0.0/16", "dev", "cali1", "table", "201")
        ip(g, "route", "add", "198.51.100.0/24", "dev", "cali1", "table", "201")
        ip(g, "rule", "add", "pref", "512", "fwmark", "0x200/0x200", "lookup", "201",
           "protocol", "static")
        ip(g, "rule", "add", "pref", "32000", "to", "10.245.0.0/16", "lookup", "201",
           "protocol", "static")
        nsexec(g, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
        return ctr

    def foreign(self):
        """Every rule and route of the other tool (and the kernel's on its links), as
        `ip -d` prints them: what enid must never change."""
        rules = [l for fam in ("-4", "-6")
                 for l in ip(self.g, "-d", fam, "rule", "show").splitlines()
                 if "proto 222" not in l]
        devs = ("docker0", "cali1", "vethc0", "prim0")
        routes = [l for fam in ("-4", "-6")
                  for l in ip(self.g, "-d", fam, "route", "show", "table", "all").splitlines()
                  if "proto 222" not in l and ("table 201" in l or
                                               any(" dev %s " % d in l + " " for d in devs))]
        return rules, routes

    def route_dev(self, *args):
        r = ipj(self.g, "route", "get", *args)
        return r[0].get("dev") if r else None

    def tx_packets(self, dev):
        return ipj(self.g, "-s", "link", "show", "dev", dev)[0]["stats64"]["tx"]["packets"]

    def check_paths(self, when):
        desc = "containers (%s): " % when
        got = [self.route_dev(CTR4, "from", C1[2]), self.route_dev(POD4, "from", C2[2]),
               self.route_dev("10.245.1.1", "from", CTR4, "iif", "docker0"),
               self.route_dev("198.51.100.7", "from", CTR4, "iif", "docker0", "mark", "0x200"),
               self.route_dev("198.51.100.7", "from", CTR4, "iif", "docker0")]
        self.t.result(got == ["docker0", "cali1", "cali1", "cali1", "prim0"],
                      desc + "from ENI addresses to the container and the pod: docker0, "
                      "cali1; the other tool's rules (512 fwmark, 32000 to) select table 201",
                      ["route get devs %s" % got])

    def c_containers(self):
        ctr = self.containers_setup()
        self.write(self.cfg, conf([], [C1, C2]))
        base = self.foreign()
        self.vpc.plug(C1[0], C1[1], 70)
        self.vpc.plug(C2[0], C2[1], 71)
        ok, why = self.enid.start()
        if not ok:
            self.t.result(False, "containers: enid starts", [why] + self.enid.log_tail(20))
            return
        ok, lines = self.configured([C1[0], C2[0]])
        self.t.result(ok, "containers: two ENIs configured next to docker0 and cali1", lines)
        self.check_paths("configured")
        tx = self.tx_packets("docker0")
        p = nsexec(ctr, "ping", "-c", "3", "-i", "0.2", "-W", "2", C1[2], check=False)
        tx2 = self.tx_packets("docker0")
        self.t.result(p.returncode == 0 and " 0% packet loss" in p.stdout and tx2 - tx >= 3,
                      "containers: a ping from the container to ENI address %s is answered "
                      "through docker0 (%d packets out of docker0)" % (C1[2], tx2 - tx),
                      p.stdout.splitlines()[-3:])

        def same(when):
            now = self.foreign()
            lines = ["- " + l for l in base[0] + base[1] if l not in now[0] + now[1]]
            lines += ["+ " + l for l in now[0] + now[1] if l not in base[0] + base[1]]
            self.t.result(now == base, "containers: after %s, the other tool's rules and "
                          "routes are all there, byte for byte (ip -d)" % when, lines)
        self.enid.enictl("resync")
        self.configured([C1[0], C2[0]])
        same("enictl resync")
        self.enid.signal(signal.SIGHUP)
        self.configured([C1[0], C2[0]])
        same("a reload")
        mine = [r for r in K.ours_slots(K.rules(self.g)) if C1[2] in str(r.src)]
        if mine:
            ip(self.g, "rule", "del", "pref", str(mine[0].pref), "from", C1[2])

            def healed():
                back = [r for r in K.ours_slots(K.rules(self.g)) if C1[2] in str(r.src)]
                return len(back) == len(mine), ["rules from %s: %d of %d" % (
                    C1[2], len(back), len(mine))]
            ok, lines = wait_until(healed, 10, step=0.05)
            self.t.result(ok, "containers: a deleted rule of enid's is put back", lines)
        same("a heal")
        self.check_paths("after heal")
        self.vpc.unplug(C2[0])
        wait_until(lambda: (not self.status(C2[0]), None), 5)
        same("unbinding eth6")
        self.enid.stop()
        p = nsexec(self.g, self.enid.enid, "--flush", "--run-dir", self.enid.run_dir,
                   "--config", self.cfg, check=False)
        left = K.ours(K.rules(self.g)) + K.ours(K.routes(self.g))
        self.t.result(p.returncode == 0 and not left, "containers: enid --flush removes all "
                      "of enid's", [p.stderr[-300:]] + [K.fmt(x) for x in left])
        same("enid --flush")
        p = nsexec(ctr, "ping", "-c", "1", "-W", "2", "172.17.0.1", check=False)
        self.t.result(p.returncode == 0, "containers: the container still reaches docker0 "
                      "after flush", p.stdout.splitlines()[-2:])


def run(t, workdir):
    """Runs the coexistence cases; own namespaces, always cleaned up."""
    try:
        tier = CoexTier(t, workdir)
    except Exception:
        t.result(False, "coexistence: setting up its namespaces failed", [traceback.format_exc()])
        return
    try:
        for step in (tier.c_deferral, tier.c_containers):
            try:
                step()
            except Exception:
                t.result(False, "coexistence step %s raised" % step.__name__,
                         [traceback.format_exc()] + tier.enid.log_tail(20))
                tier.enid.stop()
    finally:
        tier.close()

