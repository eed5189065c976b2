# SPDX-License-Identifier: GPL-2.0
"""What the kernel shows in a namespace (`ip -j`), reduced to comparable tuples.

Rule:  (family, pref, src, srclen, table, suppress_prefixlen, protocol, extras)
Route: (family, table, type, dst, gateway, dev, prefsrc, scope, metric, protocol)
       metric is None outside the main table (the kernel stores 1024 for a v6 0).
Addr:  (family, local, prefixlen, noprefixroute, nodad)
"""

import ipaddress
from collections import Counter, namedtuple

import scheme
from nsenv import ipj, nsexec

Rule = namedtuple("Rule", "family pref src srclen table suppress protocol extras")
Route = namedtuple("Route", "family table type dst gateway dev prefsrc scope metric protocol")
Addr = namedtuple("Addr", "family local prefixlen noprefixroute nodad")

FAM = {4: "inet", 6: "inet6"}
OURS = str(scheme.PROTOCOL)


def _rule(fam, r):
    src = r.get("src", "all")
    srclen = 0 if src == "all" else r.get("srclen", 32 if fam == 4 else 128)
    known = {"priority", "src", "srclen", "table", "suppress_prefixlen", "protocol"}
    extras = tuple(sorted((k, str(v)) for k, v in r.items() if k not in known))
    return Rule(fam, r.get("priority"), src, srclen, str(r.get("table")),
                r.get("suppress_prefixlen"), r.get("protocol"), extras)


def rules(ns):
    out = []
    for fam in (4, 6):
        out += [_rule(fam, r) for r in ipj(ns, "-%d" % fam, "rule", "show")]
    return out


def _route(fam, r):
    table = str(r.get("table", "main"))
    return Route(fam, table, r.get("type", "unicast"), r.get("dst"), r.get("gateway"),
                 r.get("dev"), r.get("prefsrc"),
                 r.get("scope", "global") if fam == 4 else None,
                 r.get("metric", 0) if table == "main" else None,
                 str(r.get("protocol", "boot")))


def routes(ns):
    out = []
    for fam in (4, 6):
        out += [_route(fam, r) for r in ipj(ns, "-%d" % fam, "route", "show", "table", "all")]
    return out


def addrs(ns, dev):
    """Global-scope addresses of dev (link-locals are the kernel's, not ours)."""
    out = []
    for link in ipj(ns, "addr", "show", "dev", dev):
        for a in link.get("addr_info", []):
            if a.get("scope") != "global":
                continue
            fam = 4 if a["family"] == "inet" else 6
            out.append(Addr(fam, a["local"], a["prefixlen"], bool(a.get("noprefixroute")),
                            bool(a.get("nodad")) if fam == 6 else None))
    return out


def links(ns):
    return {l["ifname"]: l for l in ipj(ns, "-s", "link", "show")}


def tx_packets(ns):
    return {n: l["stats64"]["tx"]["packets"] for n, l in links(ns).items()}


def neigh(ns, dev, addr):
    """The neighbour entry for addr (v4 or v6) on dev: (lladdr or None, state list)."""
    for n in ipj(ns, "neigh", "show", "dev", dev, "to", addr):
        return n.get("lladdr"), n.get("state", [])
    return None, []


def netstat(ns, group, name):
    """A counter of /proc/net/netstat (e.g. TcpExt ArpFilter) in namespace ns."""
    lines = nsexec(ns, "cat", "/proc/net/netstat").stdout.splitlines()
    for keys, vals in zip(lines[::2], lines[1::2]):
        k, v = keys.split(), vals.split()
        if k and k[0] == group + ":" and name in k:
            return int(v[k.index(name)])
    raise KeyError("%s %s not in /proc/net/netstat" % (group, name))


def ours(items):
    return [x for x in items if x.protocol == OURS]


def ours_slots(items):
    """Ours without the dispatch rules in front of the slots (see dispatch_diff)."""
    return [x for x in ours(items) if not (isinstance(x, Rule) and scheme.is_dispatch(x.pref))]


def dispatch_diff(rules_now, subnets, eni_addrs):
    """The dispatch (scheme.ini) against what enid should hold for ENIs with these subnets
    (ipaddress networks) and addresses: diagnostic lines, [] when it holds. The primary's
    addresses are not known here: any "from X goto END" at the first pref is accepted when
    X is no ENI address."""
    lines = []
    mine = [r for r in ours(rules_now) if scheme.is_dispatch(r.pref)]
    eni_ips = {str(ipaddress.ip_interface(a).ip) for a in eni_addrs}
    for fam in (4, 6):
        # one rule per prefix of the collapsed set (covered ones go, halves merge: plan.c)
        nets = sorted(str(n) for n in ipaddress.collapse_addresses(
            {n for n in subnets if n.version == fam}))
        have = [r for r in mine if r.family == fam]
        if not nets:
            lines += ["v%d dispatch rule without a v%d ENI: %s" % (fam, fam, fmt(r)) for r in have]
            continue
        goto = lambda t: ("goto", str(t))
        unset = "0.0.0.0" if fam == 4 else "::"
        want = [Rule(fam, scheme.DISPATCH_SKIP, unset, 32 if fam == 4 else 128, "None", None,
                     OURS, (goto(scheme.DISPATCH_END),))]
        for n in nets:
            net = ipaddress.ip_network(n)
            want.append(Rule(fam, scheme.DISPATCH_SUBNET, str(net.network_address),
                             net.prefixlen, "None", None, OURS,
                             (goto(scheme.DISPATCH_START), ("iif", "lo"))))
        for pref in (scheme.DISPATCH_REST, scheme.DISPATCH_BARRIER):
            want.append(Rule(fam, pref, "all", 0, "None", None, OURS,
                             (goto(scheme.DISPATCH_END),)))
        for pref in (scheme.DISPATCH_START, scheme.DISPATCH_END):
            want.append(Rule(fam, pref, "all", 0, "None", None, OURS, (("nop", "None"),)))
        prim = [r for r in have if r.pref == scheme.DISPATCH_SKIP and r.src != unset]
        for r in prim:
            if r.src in eni_ips or r.extras != (goto(scheme.DISPATCH_END),):
                lines.append("dispatch: not a primary address: %s" % fmt(r))
        lines += diff(want, [r for r in have if r not in prim], "dispatch rule")
    return lines


def not_ours(items):
    return [x for x in items if x.protocol != OURS]


def diff(expected, actual, what):
    """Multiset difference as diagnostic lines; [] when equal (duplicates count)."""
    e, a = Counter(expected), Counter(actual)
    lines = []
    for x, n in sorted((e - a).items(), key=str):
        lines.append("%s missing%s: %s" % (what, " x%d" % n if n > 1 else "", fmt(x)))
    for x, n in sorted((a - e).items(), key=str):
        lines.append("%s unexpected%s: %s" % (what, " x%d" % n if n > 1 else "", fmt(x)))
    return lines


def fmt(x):
    if isinstance(x, Rule):
        s = "v%d pref %s from %s/%s lookup %s" % (x.family, x.pref, x.src, x.srclen, x.table)
        if x.suppress is not None:
            s += " suppress_prefixlength %s" % x.suppress
        s += " proto %s" % x.protocol
        return s + ("" if not x.extras else " %s" % (x.extras,))
    if isinstance(x, Route):
        s = "v%d table %s %s %s" % (x.family, x.table, x.type, x.dst)
        for k in ("gateway", "dev", "prefsrc", "scope", "metric"):
            v = getattr(x, k)
            if v is not None:
                s += " %s %s" % ({"gateway": "via"}.get(k, k), v)
        return s + " proto %s" % x.protocol
    return str(x)
