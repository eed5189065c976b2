# SPDX-License-Identifier: GPL-2.0
"""The image tier's coexistence variants (issue 13): the same disk booted with another
network stack managing the instance (guest/eni-variant reads `eni.variant=`), enid
installed from the packages beside it. Per variant, one boot: the stack manages the
primary; two ENIs bound: enid configures them, the peers' pings are answered through each
ENI and only the ENI answers ARP (outside), the ENIs carry exactly enid's addresses,
routes and rules and the stack leaves them alone (inside); the stack restarted and every
udev hook re-run for the ENIs: the same again (enid heals what the stack undid);
unbound: nothing of either left, the primary still managed and answering.
The steps take the Image of steps.py; the judging is in stacks.py."""
import time
from types import SimpleNamespace

import checks
import layout
import scenarios as vpc_scenarios
import stacks
from tap import diag

TWO = layout.ENIS[:2]
SETTLE_S = 90           # s at most for udev, the stack's jobs and cloud-init's hook to finish
QUIET_S = 3             # s after that for what a stack does without a job (DHCP in NM)
DOCKER_NET = "172.17.0.0/16"
CONTAINER_IP = "172.17.0.2"
PRIMARY = SimpleNamespace(tap=layout.PRIMARY_TAP, mac=layout.PRIMARY_MAC,
                          ips=[layout.PRIMARY_IP])
configured = vpc_scenarios.configured_probe(TWO)

# What each variant's kernel command line adds (eni.coex=off: ENI_IMAGE_COEX=off).
VARIANTS = ("nm", "networkd", "ifupdown", "cloudinit", "docker")


def cmdline(variant, coex="on"):
    extra = " cloud-init=enabled" if variant == "cloudinit" else ""
    return "eni.variant=%s eni.coex=%s%s" % (variant, coex, extra)


def qemu_extra(variant):
    # cloud-init's AliYun datasource looks for the product name in DMI
    return ("-smbios", "type=1,product=Alibaba Cloud ECS") if variant == "cloudinit" else ()


def links(img):
    """[(ifname, mac)] of the bound ENIs, from enictl (enid's view) or ip link."""
    by_mac = {l["address"]: l["ifname"] for l in img.vpc.js("ip -j link show")}
    return [(by_mac.get(e.mac, "?"), e.mac) for e in TWO if e.mac in by_mac]


def primary_name(img):
    by_mac = {l["address"]: l["ifname"] for l in img.vpc.js("ip -j link show")}
    return by_mac.get(layout.PRIMARY_MAC, "?")


def settle(img):
    """Waits for udev, systemd's jobs and cloud-init's hotplug daemon to be idle, then a
    little more."""
    g = img.g
    g.run("udevadm settle -t 60", 70)
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        jobs = g.run("systemctl list-jobs --no-legend --plain")[1]
        hook = g.run("systemctl is-active cloud-init-hotplugd.service")[1]
        if not [x for x in jobs if x.strip()] and hook != ["active"] and hook != ["activating"]:
            break
        time.sleep(1.0)
    time.sleep(QUIET_S)


def stack_view(img, stack, primary, eni_links):
    """The stack's own account: its unit active, the primary managed, the ENIs left alone."""
    p = []
    if stack.unit and img.g.run("systemctl is-active %s" % stack.unit)[1] != ["active"]:
        p.append("%s is not active: %s" % (stack.unit,
                                           img.g.run("systemctl status %s" % stack.unit)[1][:5]))
    out = {k: "\n".join(img.g.run(c, 60)[1]) for k, c in stack.commands.items()}
    return p + stack.judge(out, primary, eni_links)


def kernel_view(img, eni_links, enis=TWO):
    """On the ENIs: exactly enid's addresses, no route but enid's and the kernel's, no
    rule but enid's and the kernel's anywhere."""
    vpc = img.vpc
    addrs = vpc.js("ip -j addr show")
    p = []
    ips = {e.mac: e.ips for e in enis}
    for name, mac in eni_links:
        p += stacks.eni_addresses(addrs, name, ips[mac], layout.PREFIX)
    if len(eni_links) != len(enis):
        p.append("%d of the %d ENIs are in ip link: %s" % (len(eni_links), len(enis),
                                                          eni_links))
    routes = vpc.js("ip -j -4 route show table all") + vpc.js("ip -j -6 route show table all")
    p += stacks.foreign_routes(routes, [n for n, _ in eni_links])
    p += stacks.foreign_rules(vpc.js("ip -j -4 rule show") + vpc.js("ip -j -6 rule show"))
    return p


def primary_answers(vpc):
    """Both peers ping the primary: answered through the primary's tap."""
    return vpc_scenarios.outside(vpc, [PRIMARY], 0.5)


def docker_view(img):
    """Traffic from each ENI address to the container network takes docker0's route, and
    docker0's route is as the bridge made it."""
    p = []
    for e in TWO:
        for ip in e.ips:
            got = img.vpc.js("ip -j route get %s from %s" % (CONTAINER_IP, ip))
            dev = got[0].get("dev") if got else None
            if dev != "docker0":
                p.append("ip route get %s from %s: dev %s, want docker0" % (CONTAINER_IP, ip,
                                                                           dev))
    return p + docker_route(img)


def docker_route(img):
    want = [{"dst": DOCKER_NET, "dev": "docker0", "protocol": "kernel", "prefsrc": "172.17.0.1"}]
    got = [{k: r.get(k) for k in want[0]} for r in
           img.vpc.js("ip -j -4 route show table main dev docker0")]
    for r in got:
        r["dev"] = "docker0"
    return [] if got == want else ["docker0's routes in main: %s, want %s" % (got, want)]


def check_all(img, tap, variant, what):
    """The checks after a bind or a restart, as TAP lines (what: when, for the text)."""
    vpc = img.vpc
    stack = stacks.STACKS[variant]
    primary = primary_name(img)
    tap.check("%s, %s: both ENIs configured by enid (addresses, rules, its tables)" % (
        variant, what), vpc.wait_state(configured, 30.0))
    settle(img)
    eni_links = links(img)
    p = vpc.wait_state(configured, 20.0)
    p += kernel_view(img, eni_links)
    tap.check("%s, %s: on the ENIs %s exactly enid's addresses, routes and rules, none of "
              "%s's" % (variant, what, [n for n, _ in eni_links], stack.name), p)
    tap.check("%s, %s: %s manages the primary %s and leaves the ENIs alone" % (
        variant, what, stack.name, primary), stack_view(img, stack, primary, eni_links))
    vpc.flux = []
    p = vpc_scenarios.outside(vpc, TWO)
    tap.check("%s, %s: both peers' pings to every ENI address answered through that ENI, "
              "the primary's through the primary" % (variant, what), p + primary_answers(vpc))
    tap.check("%s, %s: only the ENI answers ARP for its addresses" % (variant, what),
              vpc.flux)
    if variant == "docker":
        tap.check("docker, %s: from each ENI address the container %s is reached through "
                  "docker0's route, which is as the bridge made it" % (what, CONTAINER_IP),
                  docker_view(img))


# ---- the steps -------------------------------------------------------------------------------
def boot(img, tap, a, variant):
    secs = img.g.boot(a.boot_timeout)
    img.figures.append("%s: booted to the agent in %.0f s" % (variant, secs))
    diag("variant %s booted in %.1f s: %s" % (variant, secs,
                                              img.sh("cat /run/eni-variant.log")))
    stack = stacks.STACKS[variant]
    settle(img)
    p = img.ready_problems(img.version("enid"))
    p += checks.clean(*img.vpc.state())
    p += stack_view(img, stack, primary_name(img), [])
    p += primary_answers(img.vpc)
    if variant == "docker":
        img.docker0 = docker_route(img)
        p += img.docker0
    tap.check("%s: boot: enid active with nothing configured; %s active, manages the primary "
              "%s (DHCP), which answers" % (variant, stack.name, primary_name(img)), p)


def bind(img, tap, a, variant):
    for eni in TWO:
        img.vpc.bind(eni)
    check_all(img, tap, variant, "two ENIs bound")


def restart(img, tap, a, variant):
    stack = stacks.STACKS[variant]
    cmds = list(stack.restart) + (["systemctl restart enid"] if variant == "docker" else [])
    p = []
    for c in cmds:
        rc, out = img.g.run(c, 120)
        if rc != 0:
            p.append("%s exited %d: %s" % (c, rc, " | ".join(out[-3:])))
    # every udev hook (NetworkManager, ifupdown-hotplug, cloud-init's) sees the ENIs again
    for name, _ in links(img):
        rc, out = img.g.run("udevadm trigger --action=add /sys/class/net/%s" % name, 60)
        if rc != 0:
            p.append("udevadm trigger for %s exited %d: %s" % (name, rc, out[-3:]))
    tap.check("%s: restart %s (%s) and re-run the udev hooks of the ENIs" % (
        variant, stack.name, "; ".join(cmds)), p)
    check_all(img, tap, variant, "after the restart")


def unbind(img, tap, a, variant):
    stack = stacks.STACKS[variant]
    gone = links(img)
    for eni in TWO:
        img.vpc.unbind(eni)
    p = img.vpc.wait_state(vpc_scenarios.clean_probe, 10.0)
    settle(img)
    p += stack_view(img, stack, primary_name(img), gone)
    p += stacks.foreign_rules(img.vpc.js("ip -j -4 rule show") +
                              img.vpc.js("ip -j -6 rule show"))
    addrs = img.sh("ip -o addr show")
    p += ["address %s left" % ip for e in TWO for ip in e.ips if " %s/" % ip in addrs]
    p += ["link %s (%s) still there" % (n, m) for n, m in links(img)]
    p += primary_answers(img.vpc)
    if variant == "docker":
        p += docker_route(img)
    tap.check("%s: unbind both: nothing of enid's or %s's left for them, the primary still "
              "managed and answering" % (variant, stack.name), p)
    names = "|".join(r"\b%s\b" % n for n, _ in gone) or "^$"
    out = img.g.run("journalctl -b --no-pager -o cat -u cloud-init-hotplugd -u 'ifup@*' "
                    "-u NetworkManager -u systemd-networkd -u networking | "
                    "grep -E '%s' | tail -n 12" % names)[1]
    if out:
        diag("%s: what the stack logged of the ENIs:" % variant, *["  " + x for x in out])


def steps(variant):
    """(name, step) of one variant's boot, for steps.py's RUNS."""
    return [(n, (lambda img, tap, a, fn=fn: fn(img, tap, a, variant)))
            for n, fn in (("boot", boot), ("bind", bind), ("restart", restart),
                          ("unbind", unbind))]
