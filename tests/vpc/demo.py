#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make demo`, the part inside the virtual VPC (demo.sh starts it in the vpc namespace):
boot the virtual ECS, bind two ENIs, show what enid did and that traffic to each ENI is
answered through it, unbind them, show the clean state. One sentence before each step.
Usage: demo.py --state DIR --out DIR --kernel VMLINUX --initrd CPIO.GZ
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
import layout  # noqa: E402
import session  # noqa: E402

MONITOR = re.compile(r"^\d+\.\d+ seq \d+ ")


def say(text):
    print("\n== " + text, flush=True)


def show(vpc, cmd):
    """Runs a command in the guest and prints it with its output."""
    rc, out = vpc.guest.run(cmd)
    print("  guest# " + cmd)
    for line in out:
        print("    " + line)
    if rc != 0:
        print("    (exit status %d)" % rc)
    sys.stdout.flush()
    return rc


def monitor_lines(vpc, since):
    return [x for x in vpc.guest.lines_since(since) if MONITOR.match(x)]


def main():
    a = session.arg_parser().parse_args()
    names = session.names(a.state)
    vpc = session.Vpc(names, a.out, a.state, a.kernel, a.initrd, a.addressing)
    two = layout.ENIS[:2]
    try:
        say("Booting the virtual ECS: Debian's 6.1 kernel under QEMU (TCG), its primary NIC "
            "a tap on the vSwitch; the boot loads eni_notify, starts systemd-udevd, takes a "
            "DHCP lease and starts enid.")
        secs = vpc.guest.boot()
        print("  booted in %.1f s" % secs)
        show(vpc, "ip -br addr")
        show(vpc, "ip route")
        vpc.clock_offset()

        say("Starting `enictl monitor` in the guest: it prints eni_notify's events as they "
            "happen (its lines go to the serial console the host reads).")
        vpc.guest.out("enictl monitor >/dev/ttyS1 2>&1 & echo $! >/run/monitor.pid")
        time.sleep(0.5)

        say("Binding two ENIs, as the console's \"Bind Secondary ENI\" does: QMP netdev_add "
            "of a tap on the vSwitch, then device_add virtio-net-pci with the ENI's MAC. "
            "Peers ping each ENI's primary IP every 20 ms from the moment device_add "
            "returns.")
        mark = vpc.guest.mark()
        for eni in two:
            bt, pingers = vpc.timed_bind(eni, [eni.ips[0]])
            vpc.stop(pingers)
            print("  %s (%s, IPs %s): %s configured %.0f ms after device_add returned "
                  "(guest: kernel event -> configured %.0f ms); first ping reply after "
                  "%.0f ms (peer1), %.0f ms (peer2)" % (
                      eni.dev, eni.mac, ", ".join(eni.ips), bt.ifname,
                      1000 * (bt.rel(bt.configured) or float("nan")),
                      (bt.timeline[2] / 1000.0) if bt.timeline else float("nan"),
                      1000 * (bt.rel(bt.replies.get("peer1")) or float("nan")),
                      1000 * (bt.rel(bt.replies.get("peer2")) or float("nan"))))
        problems = vpc.wait_state(lambda s, r, t: sum(
            (checks.configured(s, r, t, e, layout.PREFIX, layout.GATEWAY) for e in two), []),
            10.0)
        for p in problems:
            print("  PROBLEM: " + p)
        failed = bool(problems)

        say("The `enictl monitor` lines for those binds (kernel CLOCK_MONOTONIC, sequence, "
            "event, name at the time, MAC, PCI address, driver, origin):")
        for line in monitor_lines(vpc, mark):
            print("    " + line)

        say("enid's view of each ENI: state, slot, table, addresses and its timeline (us "
            "after the kernel event).")
        show(vpc, "enictl status")

        say("Policy rules: for each ENI address, its table first for subnet routes, the "
            "main table guard (more specific main routes still win), then its table's "
            "default route.")
        show(vpc, "ip rule")

        say("Each ENI's table (1000 + slot), and the main table (ENI subnet routes with "
            "metric 2000 + slot, so the primary's always win; its default route unchanged).")
        for link in vpc.status().get("links", []):
            show(vpc, "ip route show table %s" % link["table"])
        show(vpc, "ip route show table main")

        say("Pinging each ENI from a peer (peer1 on the same vSwitch, peer2 behind the "
            "router): the replies must leave through that ENI, seen on its bridge port by "
            "its MAC, and none through the primary.")
        for eni, peer in zip(two, ("peer1", "peer2")):
            ns = dict(vpc.peers)[peer]
            vpc.watch.mark()
            print("  %s# ping -c 3 -i 0.2 %s" % (peer, eni.ips[0]))
            out = os.popen("ip netns exec %s ping -c 3 -i 0.2 %s 2>&1" % (ns, eni.ips[0])).read()
            for line in out.splitlines():
                print("    " + line)
            time.sleep(0.1)
            own = vpc.watch.count(eni.tap, "icmp-echo-reply", eni.ips[0], eni.mac)
            prim = vpc.watch.count(layout.PRIMARY_TAP, "icmp-echo-reply", eni.ips[0])
            print("  echo replies from %s: %d through %s (MAC %s), %d through the primary's "
                  "tap" % (eni.ips[0], own, eni.tap, eni.mac, prim))
            if own == 0 or prim:
                print("  PROBLEM: the replies did not all leave through the ENI")
                failed = True

        say("Unbinding both ENIs: QMP device_del (the guest ejects the device), then "
            "netdev_del.")
        mark = vpc.guest.mark()
        for eni in two:
            vpc.unbind(eni)
        problems = vpc.wait_state(lambda s, r, t: checks.clean(s, r, t), 10.0)
        for line in monitor_lines(vpc, mark):
            print("    " + line)
        for p in problems:
            print("  PROBLEM: " + p)
        failed = failed or bool(problems)

        say("The clean state: no ENI in enid's view, no rule or route of enid's (protocol "
            "222) left, the primary as it was.")
        show(vpc, "enictl status")
        show(vpc, "ip rule")
        show(vpc, "ip route show table all proto 222")
        show(vpc, "ip -br addr")
        vpc.guest.run("kill $(cat /run/monitor.pid)")
        return 1 if failed else 0
    finally:
        vpc.close()


if __name__ == "__main__":
    sys.exit(main())
