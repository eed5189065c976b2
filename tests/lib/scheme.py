# SPDX-License-Identifier: GPL-2.0
"""The routing scheme enid plans, read from scheme.ini next to this file (the one copy the
netns, qemu and vpc checks share; daemon/plan.h is the source of truth).

Pure: reads the fixture once at import and raises ValueError on anything it does not
know, so a typo there fails every tier rather than loosening a check."""
import configparser
import os

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scheme.ini")


def _load(path=FIXTURE):
    cp = configparser.ConfigParser(interpolation=None)
    with open(path) as f:
        cp.read_file(f)
    s = cp["scheme"]
    base = {k: int(s[k]) for k in ("protocol", "table_base", "rule_pref_base",
                                   "chain_len", "metric_base", "max_slots")}
    chain, subnet, default = [], [], []
    for name in cp.sections():
        sec = cp[name]
        kind, _, arg = name.partition(" ")
        if kind == "scheme":
            continue
        if kind == "chain":
            action = sec.get("action")
            if action == "end":
                chain.append((int(arg), "end", None, None))
                continue
            if action != "lookup":
                raise ValueError("%s: [%s] action = %r (lookup or end)" % (path, name, action))
        table = sec.get("table")
        if table not in ("T", "main"):
            raise ValueError("%s: [%s] table = %r (T or main)" % (path, name, table))
        if kind == "chain":
            sup = sec.get("suppress_prefixlength", "none")
            chain.append((int(arg), "lookup", table, None if sup == "none" else int(sup)))
        elif kind == "subnet":
            src, metric = sec.get("src", "none"), sec.get("metric", "none")
            if src not in ("P", "none") or metric not in ("base", "none"):
                raise ValueError("%s: [%s] src = %r, metric = %r" % (path, name, src, metric))
            subnet.append((table, src == "P", metric == "base"))
        elif kind == "default":
            default.append(table)
        else:
            raise ValueError("%s: unknown section [%s]" % (path, name))
    chain.sort()
    if [c[0] for c in chain] != list(range(base["chain_len"])):
        raise ValueError("%s: [chain k] sections must be k = 0..%d" %
                         (path, base["chain_len"] - 1))
    return base, chain, subnet, default


_BASE, CHAIN, SUBNET_ROUTES, DEFAULT_ROUTES = _load()
PROTOCOL = _BASE["protocol"]
TABLE_BASE = _BASE["table_base"]
RULE_PREF_BASE = _BASE["rule_pref_base"]
CHAIN_LEN = _BASE["chain_len"]
METRIC_BASE = _BASE["metric_base"]
MAX_SLOTS = _BASE["max_slots"]
# the dispatch in front of the slots (plan.h)
DISPATCH_SKIP = RULE_PREF_BASE - 1      # from unset / primary addresses: goto END
DISPATCH_SUBNET = RULE_PREF_BASE        # from each ENI subnet, iif lo: goto START
DISPATCH_REST = RULE_PREF_BASE + 1      # everything else: goto END
DISPATCH_START = RULE_PREF_BASE + 2     # nop
DISPATCH_BARRIER = RULE_PREF_BASE + 3 + MAX_SLOTS   # after the address rules: goto END
DISPATCH_END = DISPATCH_BARRIER + 1 + CHAIN_LEN * MAX_SLOTS   # nop
DISPATCH_PREFS = (DISPATCH_SKIP, DISPATCH_SUBNET, DISPATCH_REST, DISPATCH_START,
                  DISPATCH_BARRIER, DISPATCH_END)


def is_dispatch(pref):
    """A pref of the dispatch, not of a slot."""
    return pref in DISPATCH_PREFS


def table(slot):
    """The slot's own table T."""
    return TABLE_BASE + slot


def metric(slot):
    """The metric of the slot's routes in main."""
    return METRIC_BASE + slot


def _table_name(t, slot):
    return str(table(slot)) if t == "T" else "main"


def addr_pref(slot):
    """The pref of the slot's "from A goto <chain>" rules, one per address."""
    return RULE_PREF_BASE + 2 + slot


def chain_pref(slot):
    """The first pref of the slot's chain."""
    return DISPATCH_BARRIER + 1 + CHAIN_LEN * (slot - 1)


def chain(slot):
    """[(pref, table as `ip` names it or None, suppress_prefixlength or None, goto or None)]:
    the slot's chain (one per family it has addresses of), in pref order."""
    first = chain_pref(slot)
    return [(first + k, None if act == "end" else _table_name(t, slot), sup,
             DISPATCH_END if act == "end" else None) for k, act, t, sup in CHAIN]


def subnet_routes(slot):
    """[(table, has src P, metric or None)]: the routes of each distinct subnet (dev ENI
    scope link; v6 routes never carry a src)."""
    return [(_table_name(t, slot), src, metric(slot) if m else None)
            for t, src, m in SUBNET_ROUTES]


def default_tables(slot):
    """The tables that hold `default via <gateway> dev ENI`."""
    return [_table_name(t, slot) for t in DEFAULT_ROUTES]
