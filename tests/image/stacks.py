# SPDX-License-Identifier: GPL-2.0
"""The network stacks of the image tier's coexistence variants (pure): for each, the guest
commands whose output shows what it does, how to restart it, and a judge of that output
against the rule "it manages the primary and leaves every ENI alone"; plus the judges of
the kernel's own view (`ip -j`) that hold for every stack: on an ENI, exactly enid's
addresses, routes and rules. Each judge returns a list of problems, empty when all is well.
A link is (ifname, mac); out is {command key: the command's output text}."""
import json
import re

import checks

# rules the kernel makes by itself (local, main, default)
KERNEL_RULE_PRIOS = (0, 32766, 32767)
OURS = (checks.RTPROT, "enid")
FOREVER = 4294967295    # an address's lifetime that never ends


# ---- the kernel's view, every variant -------------------------------------------------------
def eni_addresses(addrs, ifname, want, prefix):
    """ip -j addr: the ENI has exactly want (IPv4, /prefix) and no IPv6 beyond link-local."""
    dev = [a for a in addrs if a.get("ifname") == ifname]
    if not dev:
        return ["%s is not in ip addr" % ifname]
    info = dev[0].get("addr_info", [])
    got = sorted("%s/%s" % (a["local"], a["prefixlen"]) for a in info if a["family"] == "inet")
    exp = sorted("%s/%d" % (ip, prefix) for ip in want)
    p = [] if got == exp else ["%s has IPv4 %s, enid's are %s" % (ifname, got, exp)]
    p += ["%s has IPv6 %s/%s (scope %s)" % (ifname, a["local"], a["prefixlen"], a.get("scope"))
          for a in info if a["family"] == "inet6" and a.get("scope") != "link"]
    # enid's addresses are permanent; a DHCP client's (even of the same address) are not
    p += ["%s has %s/%s with a lifetime of %s s (a DHCP client's)" % (
        ifname, a["local"], a["prefixlen"], a.get("valid_life_time"))
        for a in info if a["family"] == "inet" and a.get("valid_life_time", FOREVER) != FOREVER]
    return p


def foreign_routes(routes, ifnames):
    """ip -j route show table all (v4 and v6): routes through the ENIs that neither enid
    (its protocol) nor the kernel (its own for addresses, link-local, multicast) made."""
    return ["route of protocol %s on %s: %s" % (r.get("protocol", "boot"), r.get("dev"),
                                                 json.dumps(r, sort_keys=True))
            for r in routes if r.get("dev") in ifnames and
            str(r.get("protocol", "boot")) not in OURS + ("kernel",)]


def foreign_rules(rules):
    """ip -j rule (v4 and v6): rules that are neither the kernel's nor enid's."""
    return ["rule of protocol %s: %s" % (r.get("protocol", "unspec"), json.dumps(r, sort_keys=True))
            for r in rules if str(r.get("protocol", "")) not in OURS and
            not (r.get("priority") in KERNEL_RULE_PRIOS and
                 str(r.get("protocol", "kernel")) == "kernel")]


# ---- the stacks --------------------------------------------------------------------------
def _lines(text):
    return [x for x in text.splitlines() if x.strip()]


def dhclients(out, primary, links):
    """ps: a dhclient for the primary, none for an ENI."""
    procs = [x for x in _lines(out["dhclient"]) if "dhclient" in x]
    p = [] if any(re.search(r"\b%s\b" % primary, x) for x in procs) else [
        "no dhclient for the primary %s: %s" % (primary, procs)]
    p += ["dhclient for %s: %s" % (n, x) for n, _ in links for x in procs
          if re.search(r"\b%s\b" % n, x)]
    return p


def ifupdown_units(out, primary, links, hotplug=True):
    """systemctl and ifquery: the primary up (hotplug: through its ifup@, active), nothing
    of ifupdown's for an ENI, no ifup@ unit failed."""
    units = _lines(out["ifup_units"])
    p = []
    if hotplug and not any(("ifup@%s.service" % primary) in x and " active " in x
                           for x in units):
        p.append("ifup@%s.service is not active: %s" % (primary, units))
    p += ["ifupdown unit for %s: %s" % (n, x) for n, _ in links for x in units
          if ("ifup@%s.service" % n) in x]
    p += ["failed: %s" % x for x in _lines(out["failed"]) if "ifup@" in x or "networking" in x]
    state = _lines(out["ifquery"])
    if not any(x.startswith(primary + "=") for x in state):
        p.append("ifquery --state lacks the primary %s: %s" % (primary, state))
    p += ["ifquery --state lists %s: %s" % (n, x) for n, _ in links for x in state
          if x.startswith(n + "=")]
    return p


class Stack:
    """A stack with nothing to say (the docker variant's networkd is its own Stack)."""
    name = "none"
    unit = None             # the unit that must be active
    commands = {}
    restart = ()

    def judge(self, out, primary, links):
        return []


class NetworkManager(Stack):
    name = "NetworkManager"
    unit = "NetworkManager.service"
    commands = {"devices": "nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device",
                "connections": "nmcli -t -f NAME,TYPE,DEVICE connection show"}
    restart = ("systemctl restart NetworkManager", "nm-online -s -q -t 60")

    def judge(self, out, primary, links):
        dev = {x.split(":")[0]: x.split(":") for x in _lines(out["devices"])}
        p = []
        if dev.get(primary, [""] * 3)[2] != "connected":
            p.append("nmcli device: the primary %s is not connected: %s" % (primary,
                                                                            dev.get(primary)))
        p += ["nmcli device: %s is %s (connection %s), not unmanaged" % (n, dev[n][2],
                                                                          dev[n][3])
              for n, _ in links if n in dev and dev[n][2] != "unmanaged"]
        eth = [x.split(":") for x in _lines(out["connections"]) if ":802-3-ethernet:" in x]
        if [c[2] for c in eth] != [primary]:
            p.append("NetworkManager's ethernet connections %s: want one, on the primary %s"
                     % (eth, primary))
        return p


class Networkd(Stack):
    name = "systemd-networkd"
    unit = "systemd-networkd.service"
    commands = {"list": "networkctl list --no-legend --no-pager",
                "leases": "ls /run/systemd/netif/leases/"}
    restart = ("systemctl restart systemd-networkd", "networkctl reload",
               "/lib/systemd/systemd-networkd-wait-online --any --timeout 60")

    def judge(self, out, primary, links):
        rows = {r[1]: r for r in (x.split() for x in _lines(out["list"])) if len(r) >= 5}
        p = []
        if rows.get(primary, [""] * 5)[4] != "configured":
            p.append("networkctl: the primary %s is %s, not configured" % (primary,
                                                                           rows.get(primary)))
        p += ["networkctl: %s is %s, not unmanaged" % (n, rows[n][4]) for n, _ in links
              if n in rows and rows[n][4] != "unmanaged"]
        idx = {n: rows[n][0] for n, _ in links if n in rows}
        leases = _lines(out["leases"])
        p += ["networkd holds a DHCP lease for %s" % n for n, i in idx.items() if i in leases]
        return p


class Ifupdown(Stack):
    name = "ifupdown"
    unit = "networking.service"
    commands = {"dhclient": "ps -eo args", "ifquery": "ifquery --state",
                "ifup_units": "systemctl list-units --all --no-legend --plain 'ifup@*'",
                "failed": "systemctl list-units --failed --no-legend --plain"}
    restart = ("systemctl restart networking",)
    hotplug = True          # the primary comes up through allow-hotplug (ifup@)

    def judge(self, out, primary, links):
        return dhclients(out, primary, links) + ifupdown_units(out, primary, links,
                                                               self.hotplug)


class CloudInit(Ifupdown):
    name = "cloud-init"
    unit = "cloud-final.service"
    commands = dict(Ifupdown.commands,
                    rendered="cat /etc/network/interfaces.d/50-cloud-init",
                    hotplug="cat /etc/udev/rules.d/10-cloud-init-hook-hotplug.rules",
                    status="cloud-init status",
                    hook="journalctl -b -o cat -u cloud-init-hotplugd | grep 'args='")
    # the hook itself is re-run for every variant (udevadm trigger of the ENIs)
    restart = ("systemctl restart networking",)
    hotplug = False         # its rendering says `auto` for the primary

    def judge(self, out, primary, links):
        p = super().judge(out, primary, links)
        if "hook-hotplug" not in out["hotplug"]:
            p.append("cloud-init did not install its hotplug udev rule: %s" % out["hotplug"])
        if "status: done" not in out["status"]:
            p.append("cloud-init status: %s" % out["status"])
        text = out["rendered"]
        if not re.search(r"\b%s\b" % primary, text):
            p.append("cloud-init's 50-cloud-init does not configure the primary %s" % primary)
        p += ["cloud-init rendered config for %s (%s)" % (n, m) for n, m in links
              if re.search(r"\b%s\b" % n, text) or m.lower() in text.lower()]
        # its hook must not run for an ENI at all, on add or on remove
        p += ["cloud-init's hotplug hook ran for %s: %s" % (n, x) for n, _ in links
              for x in _lines(out["hook"]) if re.search(r"/net/%s\b" % n, x)]
        p += ["failed: %s" % x for x in _lines(out["failed"]) if "cloud-init" in x]
        return p


STACKS = {"nm": NetworkManager(), "networkd": Networkd(), "ifupdown": Ifupdown(),
          "cloudinit": CloudInit(), "docker": Networkd()}
