# SPDX-License-Identifier: GPL-2.0
"""What the guest's state must look like (pure): each function takes parsed JSON
(`enictl status --json`, `ip -j rule`, `ip -j route`) and returns a list of problems,
empty when all is well. The routing scheme is daemon/plan.h's, read from the tests' one
copy of it, tests/lib/scheme.ini (scheme.py)."""
import datetime
import ipaddress
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import scheme  # noqa: E402

RTPROT = str(scheme.PROTOCOL)


def ours(entries):
    """Rules or routes enid owns (its protocol, 222)."""
    return [e for e in entries if str(e.get("protocol", "")) in (RTPROT, "enid")]


def link_by_mac(status, mac):
    for link in status.get("links", []):
        if link.get("mac", "").lower() == mac.lower():
            return link
    return None


def configured(status, rules, routes, eni, prefix, gateway):
    """The ENI is configured as the scheme says: state, addresses, a rule per address into
    its slot's chain and the chain, its table's subnet and default routes, the main subnet
    route."""
    p = []
    link = link_by_mac(status, eni.mac)
    if link is None:
        return ["enictl status has no link with MAC %s" % eni.mac]
    name = link.get("ifname")
    if link.get("state") != "configured":
        p.append("%s state %s (error %s)" % (name, link.get("state"), link.get("error")))
    if link.get("error"):
        p.append("%s error left behind: %s" % (name, link["error"]))
    want = ["%s/%d" % (ip, prefix) for ip in eni.ips]
    if sorted(link.get("addresses") or []) != sorted(want):
        p.append("%s addresses %s, want %s" % (name, link.get("addresses"), want))
    slot = link.get("slot")
    if not isinstance(slot, int) or slot < 1:
        return p + ["%s has no slot (%r)" % (name, slot)]
    table = str(scheme.table(slot))
    if str(link.get("table")) != table:
        p.append("%s table %s, want %s" % (name, link.get("table"), table))
    mine = ours(rules)
    for ip in eni.ips:
        got = sorted((r.get("priority"), r.get("goto")) for r in mine if r.get("src") == ip)
        exp = [(scheme.addr_pref(slot), scheme.chain_pref(slot))]
        if got != exp:
            p.append("rules from %s: %s, want %s (pref, goto)" % (ip, got, exp))
    chain = [(pref, None if t is None else str(t), sup, goto)
             for pref, t, sup, goto in scheme.chain(slot)]
    got = sorted((r.get("priority"), None if r.get("table") is None else str(r.get("table")),
                  r.get("suppress_prefixlen"), r.get("goto"))
                 for r in mine if r.get("src", "all") == "all" and
                 chain[0][0] <= r.get("priority", 0) <= chain[-1][0])
    if got != chain:
        p.append("slot %d's chain: %s, want %s (pref, table, suppress, goto)" % (
            slot, got, chain))
    net = str(ipaddress.ip_network("%s/%d" % (eni.ips[0], prefix), strict=False))

    # routes: `ip -j route show table all proto 222` (the filter leaves protocol out)
    def in_table(t):
        if t == "main":
            return [r for r in routes if r.get("table", "main") == "main" and
                    r.get("dev") == name]
        return [r for r in routes if str(r.get("table")) == t]
    for t, _src, metric in scheme.subnet_routes(slot):
        tab = in_table(t)
        if metric is None:
            if not any(r.get("dst") == net and r.get("dev") == name for r in tab):
                p.append("table %s lacks %s dev %s: %s" % (t, net, name, tab))
        elif not any(r.get("dst") == net and r.get("dev") == name and
                     r.get("metric") == metric for r in tab):
            p.append("%s lacks %s dev %s metric %d: %s" % (t, net, name, metric, tab))
    for t in scheme.default_tables(slot):
        tab = in_table(t)
        if not any(r.get("dst") == "default" and r.get("gateway") == gateway and
                   r.get("dev") == name for r in tab):
            p.append("table %s lacks default via %s dev %s: %s" % (t, gateway, name, tab))
    if "main" not in scheme.default_tables(slot) and any(r.get("dst") == "default"
                                                         for r in in_table("main")):
        p.append("enid added a default route to main via %s" % name)
    return p


def no_duplicates(rules, routes):
    """No rule or route of ours appears twice."""
    p = []
    for what, entries in (("rule", ours(rules)), ("route", routes)):
        seen = set()
        for e in entries:
            key = tuple(sorted((k, str(v)) for k, v in e.items()))
            if key in seen:
                p.append("duplicate %s %s" % (what, e))
            seen.add(key)
    return p


def gone(status, rules, routes, eni):
    """Nothing of this ENI remains: no link in status, no rule from its addresses, no chain
    of a slot that no listed link holds."""
    p = []
    if link_by_mac(status, eni.mac) is not None:
        p.append("enictl status still lists %s" % eni.mac)
    left = [r for r in ours(rules) if r.get("src") in eni.ips]
    if left:
        p.append("rules of %s remain: %s" % (eni.mac, left))
    held = {l.get("slot") for l in status.get("links") or [] if l.get("slot")}
    first = scheme.chain_pref(1)
    left = [r for r in ours(rules) if r.get("src", "all") == "all" and
            first <= r.get("priority", 0) < scheme.DISPATCH_END and
            (r["priority"] - first) // scheme.CHAIN_LEN + 1 not in held]
    if left:
        p.append("chains of slots no link holds remain: %s" % left)
    left = [r for r in routes if r.get("prefsrc") in eni.ips]
    if left:
        p.append("routes of %s remain: %s" % (eni.mac, left))
    return p


def clean(status, rules, routes):
    """Nothing of ours at all: no link in status, no rule or route of enid's protocol."""
    p = []
    if status.get("links"):
        p.append("enictl status lists links: %s" % [(l.get("ifname"), l.get("mac"))
                                                     for l in status["links"]])
    if ours(rules):
        p.append("rules of protocol %s remain: %s" % (RTPROT, ours(rules)))
    if routes:
        p.append("routes of protocol %s remain: %s" % (RTPROT, routes))
    return p


def through_eni(counts, eni, taps, ips):
    """Every echo reply from these addresses of the ENI left through its own tap, with its
    MAC. counts(tap, kind, ip, mac=None) is what the host saw on a tap since the mark."""
    p = []
    for ip in ips:
        n_own = counts(eni.tap, "icmp-echo-reply", ip, eni.mac)
        if n_own == 0:
            p.append("no echo reply from %s on %s" % (ip, eni.tap))
        n_all = counts(eni.tap, "icmp-echo-reply", ip)
        if n_all != n_own:
            p.append("%d echo replies from %s on %s with another MAC" % (n_all - n_own, ip,
                                                                         eni.tap))
        for tap in taps:
            n = counts(tap, "icmp-echo-reply", ip) if tap != eni.tap else 0
            if n:
                p.append("%d echo replies from %s left through %s" % (n, ip, tap))
    return p


def arp_flux(counts, eni, taps, ips):
    """Only the ENI answers ARP for its addresses: no ARP reply for them through another NIC
    (else peers may send the ENI's traffic to the primary)."""
    p = []
    for ip in ips:
        for tap in taps:
            n = counts(tap, "arp-reply", ip) if tap != eni.tap else 0
            if n:
                m = counts(tap, "echo-request-in", ip)
                p.append("%d ARP replies for %s left through %s (%d echo requests to it came "
                         "in there)" % (n, ip, tap, m))
    return p


def rule_events(lines, ips):
    """(deletion times, addition times) in s of `ip -ts monitor rule` lines for rules from
    these addresses; additions count only after the first deletion."""
    deleted, added = [], []
    for line in lines:
        m = re.match(r"^\[(\S+)\] (Deleted )?\d+:\s+from (\S+) ", line)
        if not m or m.group(3) not in ips:
            continue
        t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
        (deleted if m.group(2) else added).append(t)
    return deleted, [t for t in added if deleted and t >= min(deleted)]
