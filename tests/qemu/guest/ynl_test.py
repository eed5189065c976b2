#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The kernel's own ynl CLI against eni_notify.ko, driven by eni_notify.yaml.

Runs in the guest (installed as /opt/eni/bin/ynl by tests/qemu/mkynlroot.sh, with
python3 and tools/net/ynl from linux-source-6.12). Loads the module, starts
`cli.py --subscribe events`, asks the host to hot-plug a virtio-net NIC, checks
`--do get` and `--dump get` against sysfs, a GET for a link the module does not
report (the extack text must come through), has the host unplug the NIC, and
checks the LINK_ADD and LINK_DEL events the subscriber printed. Prints TAP.
"""

import json
import os
import select
import subprocess
import sys
import time

YNL = os.environ.get("ENI_YNL", "/opt/eni/ynl")
SPEC = os.path.join(YNL, "eni_notify.yaml")
KO = os.environ.get("ENI_KO", "/opt/eni/eni_notify.ko")
HOSTCTL = os.environ.get("ENI_HOSTCTL", "/dev/ttyS1")
NIC_ID = "ynl1"
NIC_MAC = "00:16:3e:5e:1a:01"
# Syscalls the subscriber sleeps in during --sleep: clock_nanosleep, nanosleep (x86_64).
SLEEP_SYSCALLS = {"230", "35"}

cases = []


def say(text):
    for line in str(text).splitlines():
        print("# " + line, flush=True)


def case(ok, name, why=""):
    cases.append(ok)
    if not ok and why:
        say(why)
    print("%s %d ynl.%s" % ("ok" if ok else "not ok", len(cases), name), flush=True)
    return ok


def cli(*args, timeout=120):
    """Runs cli.py once; returns (rc, stdout, stderr, seconds)."""
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, os.path.join(YNL, "cli.py"), "--spec", SPEC,
                        "--no-schema", "--output-json", *args],
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


class Host:
    """The host end of ttyS1: one request line out, its DONE line back."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        self.buf = b""

    def request(self, line, timeout=60):
        os.write(self.fd, (line + "\n").encode())
        want = "DONE " + " ".join(line.split()[1:3]) + " "
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                raw, self.buf = self.buf.split(b"\n", 1)
                text = raw.decode(errors="replace").strip()
                if text.startswith(want):
                    return text[len(want):]
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return "err no answer within %d s" % timeout
            self.buf += os.read(self.fd, 4096)


def link_by_mac(mac, timeout=20):
    """(ifname, ifindex) of the link with this MAC once it is there, else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in os.listdir("/sys/class/net"):
            try:
                with open("/sys/class/net/%s/address" % name) as f:
                    if f.read().strip() == mac:
                        with open("/sys/class/net/%s/ifindex" % name) as g:
                            return name, int(g.read())
            except OSError:
                continue
        time.sleep(0.1)
    return None


def sysfs_facts(ifname):
    """What GET must say about the link, read from sysfs."""
    d = "/sys/class/net/" + ifname
    with open(d + "/mtu") as f:
        mtu = int(f.read())
    # virtio: the device's parent is the PCI function the virtio device sits on.
    pci = os.path.basename(os.path.dirname(os.path.realpath(d + "/device")))
    return {"ifname": ifname, "mac": NIC_MAC, "perm-mac": NIC_MAC, "driver": "virtio_net",
            "bus-info": pci, "mtu": mtu, "origin": "hotplug"}


def differs(got, want):
    return ["%s: %r, want %r" % (k, got.get(k), v) for k, v in want.items() if got.get(k) != v]


def wait_asleep(proc, timeout):
    """True once the subscriber sleeps in --sleep, i.e. it has joined the group."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with open("/proc/%d/syscall" % proc.pid) as f:
                if f.read().split(" ", 1)[0] in SLEEP_SYSCALLS:
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def main():
    print("TAP version 13\n1..7", flush=True)
    try:
        loaded = subprocess.run(["insmod", KO, "drivers=virtio_net", "log=1"]).returncode == 0
    except OSError as e:
        loaded = False
        say("insmod: %s" % e)
    if not loaded:
        case(False, "module_loads", "insmod %s failed" % KO)
        return 1
    host = Host(HOSTCTL)

    rc, out, err, secs = cli("--dump", "get")
    case(rc == 0 and json.loads(out or "null") == [], "dump_before_hotplug_is_empty",
         "rc=%d out=%r err=%r" % (rc, out, err))
    say("figure: ynl cli.py --dump get took %.1f s" % secs)

    # The subscriber sleeps after joining, then prints what it queued: long
    # enough for the plug, two cli.py runs and the unplug at this guest's speed.
    nap = int(min(60, max(10, 6 * secs + 6)))
    sub = subprocess.Popen([sys.executable, os.path.join(YNL, "cli.py"), "--spec", SPEC,
                            "--no-schema", "--output-json", "--subscribe", "events",
                            "--sleep", str(nap)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t_sub = time.monotonic()
    if not wait_asleep(sub, 60):
        case(False, "subscriber_joins_events", "cli.py --subscribe events never slept: %r"
             % (sub.communicate(timeout=120),))
        return 1
    case(True, "subscriber_joins_events")

    answer = host.request("HOST plug %s %s" % (NIC_ID, NIC_MAC))
    link = link_by_mac(NIC_MAC) if answer == "ok" else None
    if not link:
        case(False, "do_get_matches_sysfs", "plug: %s; link with %s: %s" % (answer, NIC_MAC, link))
        sub.kill()
        return 1
    ifname, ifindex = link
    want = dict(sysfs_facts(ifname), ifindex=ifindex)

    rc, out, err, _ = cli("--do", "get", "--json", json.dumps({"ifindex": ifindex}))
    got = json.loads(out) if rc == 0 and out.strip() else {}
    bad = differs(got, want)
    case(rc == 0 and not bad and got.get("seq", 0) >= 1 and got.get("timestamp", 0) > 0,
         "do_get_matches_sysfs", "rc=%d %s\n%s" % (rc, err, "\n".join(bad) or out))
    single = got
    say("ynl --do get: " + out.strip())

    rc, out, err, _ = cli("--dump", "get")
    dumped = json.loads(out) if rc == 0 and out.strip() else None
    case(dumped == [single] if single else False, "dump_has_the_link",
         "rc=%d err=%r dump=%r get=%r" % (rc, err, dumped, single))

    # lo is no virtio_net device: -ENODEV, and the module's extack text.
    rc, out, err, _ = cli("--do", "get", "--json", json.dumps({"ifindex": 1}))
    case(rc != 0 and "No such device" in out and "no matching device" in out,
         "get_other_link_is_enodev_with_extack", "rc=%d out=%r err=%r" % (rc, out, err))

    answer = host.request("HOST unplug %s" % NIC_ID)
    t_unplugged = time.monotonic()
    gone = not os.path.exists("/sys/class/net/" + ifname)
    case(answer == "ok" and gone, "unplug_done", "unplug: %s; %s still there: %s"
         % (answer, ifname, not gone))

    out, err = sub.communicate(timeout=nap + 120)
    if t_unplugged - t_sub > nap:
        say("the subscriber slept %d s but the unplug ended %.1f s after it started"
            % (nap, t_unplugged - t_sub))
    try:
        events = json.loads(out)
    except ValueError:
        events = None
    ours = [e for e in events or [] if e.get("msg", {}).get("ifindex") == ifindex]
    names = [e.get("name") for e in ours]
    for e in ours:
        say("ynl --subscribe events: " + json.dumps(e))
    ok = names == ["link-add", "link-del"] and sub.returncode == 0
    if ok:
        add, dele = ours[0]["msg"], ours[1]["msg"]
        bad = differs(add, want) + ["del " + d for d in differs(dele, want)]
        if add["seq"] + 1 != dele["seq"] or not add["seq"] <= single["seq"] < dele["seq"]:
            bad.append("seq: add %d, get %d, del %d" % (add["seq"], single["seq"], dele["seq"]))
        if not add["timestamp"] < dele["timestamp"]:
            bad.append("timestamp: add %d, del %d" % (add["timestamp"], dele["timestamp"]))
        ok = not bad
        err = "\n".join(bad)
    case(ok, "subscribe_events_sees_add_then_del",
         "rc=%s events %s for ifindex %d\n%s\n%s" % (sub.returncode, names, ifindex, err, out))
    return 0 if all(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
