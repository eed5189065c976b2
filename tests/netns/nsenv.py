# SPDX-License-Identifier: GPL-2.0
"""Private network namespaces for the netns tier and the bench: a closed VPC.

  vpc ns    br0 (the vSwitch): 10.99.0.253/24, 10.98.0.253/24, 2001:db8:99::253/64,
            2001:db8:98::253/64; r0 (router port to the peer): 10.97.0.253/24,
            2001:db8:97::253/64; forwarding on.  No route leaves it.
  peer ns   p0 on br0: 10.99.0.5/24, 2001:db8:99::5/64; p1 to r0: 10.97.0.5/24,
            2001:db8:97::5/64, routes to 10.98.0.0/24 and 2001:db8:98::/64 via the vpc.
  guest ns  prim0 on br0: 10.99.0.2/24, 2001:db8:99::2/64, default via 10.99.0.253;
            ENIs arrive as veth links whose other end sits on br0.

Nothing is connected to the root namespace.
"""

import json
import os
import re
import subprocess

PREFIX = "enit-"


class IpError(RuntimeError):
    pass


def run(argv, check=True, input=None, timeout=30):
    p = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise IpError("%s: rc %d: %s" % (" ".join(argv), p.returncode, p.stderr.strip()))
    return p


def ip(ns, *args, check=True):
    return run(["ip", "-n", ns] + list(args), check=check).stdout


def ipj(ns, *args):
    out = run(["ip", "-j", "-n", ns] + list(args)).stdout.strip()
    return json.loads(out) if out else []


def ip_batch(ns, lines):
    """Runs many ip commands in one process (one burst of kernel events)."""
    run(["ip", "-n", ns, "-b", "-"], input="\n".join(lines) + "\n")


def nsexec(ns, *argv, check=True, timeout=30):
    return run(["ip", "netns", "exec", ns] + list(argv), check=check, timeout=timeout)


def sysctl_read(ns, path):
    return nsexec(ns, "cat", "/proc/sys/" + path).stdout.strip()


def sysctl_write(ns, path, value):
    nsexec(ns, "sh", "-c", "echo %s > /proc/sys/%s" % (value, path))


def reap_stale():
    """Deletes namespaces of earlier runs of ours whose process is gone."""
    for line in run(["ip", "netns", "list"]).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(r"^%s(\d+)-" % re.escape(PREFIX), name)
        if m and not os.path.exists("/proc/%s" % m.group(1)):
            run(["ip", "netns", "del", name], check=False)


class Namespaces:
    """Creates namespaces named enit-<pid>-<role> and deletes them all in close()."""

    def __init__(self, tag=None):
        self.tag = "%s%d-%s" % (PREFIX, os.getpid(), tag + "-" if tag else "")
        self.names = []

    def add(self, role):
        name = self.tag + role
        run(["ip", "netns", "add", name])
        self.names.append(name)
        ip(name, "link", "set", "lo", "up")
        # Quiet, deterministic v6: no DAD delays, no router solicitations.
        for key in ("accept_dad", "dad_transmits", "router_solicitations"):
            for scope in ("all", "default"):
                sysctl_write(name, "net/ipv6/conf/%s/%s" % (scope, key), 0)
        return name

    def close(self):
        for name in reversed(self.names):
            run(["ip", "netns", "del", name], check=False)
        self.names = []


class Vpc:
    """The topology of the module docstring."""

    GW4 = "10.99.0.253"
    GW4_B = "10.98.0.253"
    GW6_B = "2001:db8:98::253"
    PEER4 = "10.99.0.5"
    PRIM4 = "10.99.0.2"

    def __init__(self, nss, with_peer=True):
        self.nss = nss
        self.vpc = nss.add("vpc")
        self.guest = nss.add("guest")
        self.peer = nss.add("peer") if with_peer else None
        v, g = self.vpc, self.guest
        ip(v, "link", "add", "br0", "type", "bridge")
        ip(v, "link", "set", "br0", "up")
        for a in ("10.99.0.253/24", "10.98.0.253/24"):
            ip(v, "addr", "add", a, "dev", "br0")
        for a in ("2001:db8:99::253/64", "2001:db8:98::253/64"):
            ip(v, "addr", "add", a, "dev", "br0", "nodad")
        sysctl_write(v, "net/ipv4/ip_forward", 1)
        sysctl_write(v, "net/ipv6/conf/all/forwarding", 1)
        sysctl_write(v, "net/ipv4/conf/all/send_redirects", 0)
        sysctl_write(v, "net/ipv4/conf/default/send_redirects", 0)
        # prim0: the primary-like link of the guest.
        ip(v, "link", "add", "prim0", "address", "02:00:00:00:00:02", "type", "veth",
           "peer", "name", "vprim")
        ip(v, "link", "set", "vprim", "master", "br0", "up")
        ip(v, "link", "set", "prim0", "netns", g)
        ip(g, "link", "set", "prim0", "up")
        ip(g, "addr", "add", "10.99.0.2/24", "dev", "prim0")
        ip(g, "addr", "add", "2001:db8:99::2/64", "dev", "prim0", "nodad")
        ip(g, "route", "add", "default", "via", self.GW4, "dev", "prim0")
        if self.peer:
            p = self.peer
            ip(v, "link", "add", "p0", "type", "veth", "peer", "name", "vp0")
            ip(v, "link", "set", "vp0", "master", "br0", "up")
            ip(v, "link", "add", "p1", "type", "veth", "peer", "name", "r0")
            ip(v, "link", "set", "r0", "up")
            ip(v, "addr", "add", "10.97.0.253/24", "dev", "r0")
            ip(v, "addr", "add", "2001:db8:97::253/64", "dev", "r0", "nodad")
            ip(v, "link", "set", "p0", "netns", p)
            ip(v, "link", "set", "p1", "netns", p)
            ip(p, "link", "set", "p0", "up")
            ip(p, "link", "set", "p1", "up")
            ip(p, "addr", "add", "10.99.0.5/24", "dev", "p0")
            ip(p, "addr", "add", "2001:db8:99::5/64", "dev", "p0", "nodad")
            ip(p, "addr", "add", "10.97.0.5/24", "dev", "p1")
            ip(p, "addr", "add", "2001:db8:97::5/64", "dev", "p1", "nodad")
            ip(p, "route", "add", "10.98.0.0/24", "via", "10.97.0.253", "dev", "p1")
            ip(p, "-6", "route", "add", "2001:db8:98::/64", "via", "2001:db8:97::253",
               "dev", "p1")

    def eni_prepare_cmds(self, ifname, mac, n):
        """ip batch lines (run in the vpc ns) creating ENI ifname, its peer on br0, up."""
        peer = "v%s" % n
        return ["link add %s address %s type veth peer name %s" % (ifname, mac, peer),
                "link set %s master br0 up" % peer]

    def eni_plug_cmd(self, ifname):
        """ip batch line (vpc ns) moving the ENI into the guest: the hot-plug event."""
        return "link set %s netns %s" % (ifname, self.guest)

    def eni_add_cmd(self, ifname, mac, n):
        """ip batch line (guest ns) creating the ENI in place, its peer v<n> (down) in the vpc."""
        return "link add %s address %s type veth peer name v%s netns %s" % (ifname, mac, n,
                                                                           self.vpc)

    def eni_peer_up_cmd(self, n):
        """ip batch line (vpc ns) putting peer v<n> on br0 and up: the ENI gets carrier."""
        return "link set v%s master br0 up" % n

    def plug(self, ifname, mac, n):
        """Hot-plugs one ENI into the guest (its peer already bridged and up)."""
        ip_batch(self.vpc, self.eni_prepare_cmds(ifname, mac, n) + [self.eni_plug_cmd(ifname)])

    def unplug(self, ifname):
        ip(self.guest, "link", "del", ifname)
