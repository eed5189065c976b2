#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The image tier's checks, run inside the vpc namespace (run.sh starts it there): the
Debian 12 image (systemd as PID 1, our packages installed, eni_notify built by DKMS) boots
as the vpc tier's virtual ECS (tests/vpc/session.py: metadata service, gateway, peers,
bind and unbind over QMP); the agent on ttyS1 (tests/vpc/guest/agent.sh, started by the
image's eni-agent.service) answers from inside, the peers' pings and the taps from outside.
This version's image, in order: the unit at boot, two ENIs bound and unbound, `systemctl
restart enid` under pings, a reboot with two ENIs attached, `apt-get purge`; then the
previous version's image: two ENIs bound, this version installed under pings. Prints TAP
lines and '# ' lines; logs in OUT/disk and OUT/upgrade_disk.
Then the coexistence variants (coex.py), each a boot of an overlay of this version's disk
with another network stack. ENI_IMAGE_RUNS=disk,upgrade_disk,nm,... picks runs;
ENI_IMAGE_COEX=off boots the variants with enid's coexistence files masked.
Usage: steps.py --state DIR --out DIR --kernel VMLINUZ --initrd INITRD --disk QCOW2
                --upgrade-disk QCOW2 --variants DIR [--first N] [--count-file FILE]
"""
import os
import re
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "vpc"))
sys.path.insert(1, os.path.join(here, "..", "lib"))
import checks  # noqa: E402
import coex  # noqa: E402
import guestvm  # noqa: E402
import layout  # noqa: E402
import scenarios as vpc_scenarios  # noqa: E402  (tests/vpc/scenarios.py: probes, outside)
import session  # noqa: E402
from qmp import QmpError  # noqa: E402
from tap import Tap, diag  # noqa: E402

TWO = layout.ENIS[:2]
BOOT_TIMEOUT = 420      # s from QEMU's start (or a reboot) to the agent's READY, under TCG
DPKG_TIMEOUT = 900      # s for a dpkg -i whose DKMS build runs under TCG
PING_INTERVAL = 0.02
GLOBAL_SYSCTLS = ("net.ipv4.conf.all", "net.ipv4.conf.default", "net.ipv6.conf.all",
                  "net.ipv6.conf.default")
configured = vpc_scenarios.configured_probe(TWO)
clean = vpc_scenarios.clean_probe


def longest_loss(replies):
    """The longest run of echo requests without a reply between the first and last reply
    (replies: (time, icmp_seq) pairs)."""
    seqs = sorted(s for _, s in replies)
    return max([b - a - 1 for a, b in zip(seqs, seqs[1:])] or [0])


class Image:
    """The booted image: the vpc tier's Vpc plus what systemd and dpkg say."""

    def __init__(self, vpc):
        self.vpc = vpc
        self.g = vpc.guest
        self.figures = []

    def sh(self, cmd, timeout=60):
        return self.g.out(cmd, timeout).strip()

    def mono(self, unit, prop="ActiveEnterTimestampMonotonic"):
        """A systemd timestamp of the unit, in s of CLOCK_MONOTONIC (0: never)."""
        return int(self.sh("systemctl show -P %s %s" % (prop, unit)) or 0) / 1e6

    def version(self, pkg):
        return self.sh("dpkg-query -W -f '${Version}\\n' %s" % pkg)

    def sysctls(self, prefix):
        """{last part of the key: value} of `sysctl PREFIX` (unreadable keys left out)."""
        out = self.g.run("sysctl %s" % prefix)[1]
        return {k.rsplit(".", 1)[-1]: v for k, _, v in
                (line.partition(" = ") for line in out) if v}

    def slots(self):
        return {l["mac"]: l.get("slot") for l in self.vpc.status().get("links", [])}

    def ready_problems(self, pkg_version, booted=False):
        """enid active from its unit with READY=1 seen, its state synced from the module,
        eni_notify loaded from the DKMS build (booted: listed in modules-load.d, and in the
        kernel log before enid started), versions as packaged."""
        p = []
        if booted:
            p += self.loaded_at_boot()
        state = self.g.run("systemctl is-active enid")[1]
        if state != ["active"]:
            p.append("systemctl is-active enid: %s" % state)
            p.append(self.sh("journalctl -b -u enid -n 20 --no-pager"))
        st = self.vpc.status()
        if not st.get("synced") or st.get("source") != "genl":
            p.append("enictl status: source %s synced %s" % (st.get("source"), st.get("synced")))
        if self.g.run("test -d /sys/module/eni_notify")[0] != 0:
            p.append("eni_notify is not loaded (no /sys/module/eni_notify)")
        path = self.g.run("modinfo -F filename eni_notify")[1]
        if not path or "/updates/dkms/" not in path[0]:
            p.append("eni_notify is not DKMS's build: modinfo says %s" % path)
        upstream = pkg_version.split("-")[0]
        got = self.g.run("enid --version")[1]
        if not any(upstream in x for x in got):
            p.append("enid --version says %s, the package is %s" % (got, pkg_version))
        return p

    def loaded_at_boot(self):
        """systemd-modules-load (active) read the package's modules-load.d entry, and the
        kernel's first eni_notify line came before enid's start."""
        p = []
        if self.g.run("grep -qx eni_notify /usr/lib/modules-load.d/*.conf "
                      "/etc/modules-load.d/*.conf")[0] != 0:
            p.append("no modules-load.d entry names eni_notify")
        if self.g.run("systemctl is-active systemd-modules-load")[1] != ["active"]:
            p.append("systemd-modules-load.service is not active")
        line = self.g.run("dmesg | grep -m1 'eni_notify: '")[1]
        m = re.match(r"^\[\s*(\d+\.\d+)\]", line[0] if line else "")
        start = self.mono("enid", "ExecMainStartTimestampMonotonic")
        if not m:
            p.append("the kernel log has no eni_notify line: %s" % line)
        elif float(m.group(1)) > start:
            p.append("eni_notify loaded at %s s, after enid started (%.2f s)" % (m.group(1),
                                                                               start))
        return p

    def boot_to_ready(self, what):
        t = self.mono("enid")
        self.figures.append("%s: enid READY (unit active) %.1f s after the kernel started; "
                            "network-online.target at %.1f s" % (
                                what, t, self.mono("network-online.target")))
        # what enid waited for (systemd's own account of the boot)
        chain = self.g.run("systemd-analyze critical-chain enid.service --no-pager")[1]
        self.figures += ["  " + x for x in chain if ("@" in x or "+" in x) and
                         not x.startswith("The time")]
        return t


def pinging(vpc, seconds, action):
    """Both peers ping each ENI's first address every 20 ms from `seconds` before the
    action to `seconds` after it; returns (problems, action's result). A problem: a run of
    more than one lost reply, no reply after the action, a reply through another NIC."""
    vpc.watch.mark()
    pingers = vpc.ping([e.ips[0] for e in TWO], PING_INTERVAL)
    time.sleep(seconds)
    try:
        result = action()
        t_done = time.monotonic()
        time.sleep(seconds)
    finally:
        vpc.stop(pingers)
    time.sleep(0.1)
    p = []
    for (peer, ip), pg in pingers.items():
        lost = longest_loss(pg.replies)
        diag("%s -> %s: %d replies, longest run of lost replies %d" % (
            peer, ip, len(pg.replies), lost))
        if lost > 1:
            p.append("%s -> %s: %d replies in a row lost (at most 1 allowed)" % (peer, ip, lost))
        if not pg.replies or pg.replies[-1][0] < t_done:
            p.append("%s -> %s: no reply after the action" % (peer, ip))
    for eni in TWO:
        p += checks.through_eni(vpc.watch.count, eni, vpc.taps, [eni.ips[0]])
    return p, result


def same_state(img, before):
    """After a restart or upgrade: converged, the same rules, routes and slots, no
    duplicates."""
    vpc = img.vpc
    p = vpc.wait_state(configured, 20.0)
    status, rules, routes = vpc.state()
    p += checks.no_duplicates(rules, routes)
    if sorted(map(str, checks.ours(rules))) != sorted(map(str, checks.ours(before[1]))):
        p.append("rules differ: %s before, %s after" % (checks.ours(before[1]),
                                                         checks.ours(rules)))
    if sorted(map(str, routes)) != sorted(map(str, before[2])):
        p.append("routes differ: %s before, %s after" % (before[2], routes))
    slots0 = {l["mac"]: l.get("slot") for l in before[0].get("links", [])}
    if img.slots() != slots0:
        p.append("slots %s before, %s after" % (slots0, img.slots()))
    return p


# ---- the checks, in order ------------------------------------------------------------------
def at_boot(img, tap, a):
    secs = img.g.boot(BOOT_TIMEOUT)
    diag("image booted to the agent in %.1f s (serial log: %s)" % (secs, img.g.serial_log.name))
    img.version_cur = img.version("enid")
    img.sysctl0 = {g: img.sysctls(g) for g in GLOBAL_SYSCTLS}     # enid has no ENI yet
    p = img.ready_problems(img.version_cur, booted=True)
    p += checks.clean(*img.vpc.state())
    tap.check("boot: enid %s started from its unit, active, READY=1 (synced from the module), "
              "eni_notify loaded from DKMS's build for the image's kernel, nothing of ours "
              "configured" % img.version_cur, p)
    img.boot_to_ready("first boot")
    score = [x for x in img.g.run("systemd-analyze security enid.service --no-pager")[1]
             if "Overall exposure" in x]
    img.figures.append("systemd-analyze security enid.service in the booted image: %s" % (
        score[0].strip() if score else "no score"))


def bind_unbind(img, tap, a):
    vpc = img.vpc
    for eni in TWO:
        vpc.bind(eni)
    tap.check("bind two ENIs: each configured as planned (addresses, rules, its table)",
              vpc.wait_state(configured, 30.0))
    tap.check("two ENIs: both peers' pings to every address answered through that ENI only",
              vpc_scenarios.outside(vpc, TWO))
    for eni in TWO:
        vpc.unbind(eni)
    p = vpc.wait_state(clean, 10.0)
    addrs = img.sh("ip -o -4 addr show")
    p += ["address %s left" % ip for e in TWO for ip in e.ips if " %s/" % ip in addrs]
    tap.check("unbind both: no rule, route or address of ours remains", p)


def restart(img, tap, a):
    vpc = img.vpc
    for eni in TWO:
        vpc.bind(eni)
    p = vpc.wait_state(configured, 30.0)
    before = vpc.state()
    pid0 = img.sh("systemctl show -P MainPID enid")
    lost, _ = pinging(vpc, 1.0, lambda: img.sh("systemctl restart enid", 120))
    tap.check("systemctl restart enid with two ENIs bound, peers pinging every 20 ms: no "
              "reply lost beyond one interval, every reply through its ENI", p + lost)
    p = same_state(img, before)
    pid = img.sh("systemctl show -P MainPID enid")
    if pid == pid0:
        p.append("enid's MainPID is still %s: it did not restart" % pid)
    p += img.ready_problems(img.version_cur)
    tap.check("after the restart: active again, the same rules, routes and slots, nothing "
              "duplicated", p)


def reboot_guest(img, tap, what):
    """systemctl reboot; back when the agent says READY again (GuestError if not)."""
    g = img.g
    m = g.mark()
    try:
        g.run("systemctl reboot", 20)
    except guestvm.GuestError:
        pass        # the agent may be gone before it answers
    t = time.monotonic()
    if g.wait_line(r"^READY$", m, BOOT_TIMEOUT) is None:
        tap.result(False, "%s: the image comes back" % what,
                   ["no READY from the agent within %d s" % BOOT_TIMEOUT])
        raise guestvm.GuestError("the image did not come back from its reboot")
    diag("%s: the agent was back %.1f s after `systemctl reboot`" % (what,
                                                                    time.monotonic() - t))


def reboot(img, tap, a):
    """With two ENIs attached (from restart)."""
    reboot_guest(img, tap, "reboot with two ENIs attached")
    p = img.ready_problems(img.version_cur, booted=True)
    p += img.vpc.wait_state(configured, 10.0)
    tap.check("reboot with two ENIs attached: enid active again, both ENIs configured", p)
    online = img.mono("network-online.target")
    ready = img.boot_to_ready("reboot with two ENIs")
    done = {}
    for link in img.vpc.status().get("links", []):
        if link.get("event_us") and link.get("configured_us") is not None:
            done[link.get("ifname")] = (link["event_us"] + link["configured_us"]) / 1e6
    diag("reboot: ENIs configured at %s s, enid READY at %.2f s, network-online.target at "
         "%.2f s (CLOCK_MONOTONIC)" % ({k: round(v, 2) for k, v in done.items()}, ready,
                                        online))
    before = img.sh("systemctl show -P Before enid").split()
    desc = ("reboot: both ENIs configured before enid's READY=1 and before "
            "network-online.target was reached")
    if "network-online.target" not in before:
        tap.skip(desc, "enid.service is not ordered Before=network-online.target")
    else:
        p = ["%d ENIs configured, 2 bound" % len(done)] if len(done) != 2 else []
        p += ["%s configured at %.2f s, after network-online.target (%.2f s)" % (n, t, online)
              for n, t in done.items() if t > online]
        p += ["%s configured at %.2f s, after READY=1 (%.2f s)" % (n, t, ready)
              for n, t in done.items() if t > ready]
        tap.check(desc, p)
    tap.check("after the reboot: both peers' pings answered through each ENI only",
              vpc_scenarios.outside(img.vpc, TWO))


def purge(img, tap, a):
    """With two ENIs attached and configured (from reboot)."""
    links = img.vpc.status().get("links", [])
    # what the packages installed, folders (shared ones such as /lib) left out
    files = img.sh("dpkg -L enid eni-notify-dkms | while read -r f; do "
                   "[ -d \"$f\" ] || echo \"$f\"; done").splitlines()
    rc, out = img.g.run("DEBIAN_FRONTEND=noninteractive apt-get purge -y enid "
                        "eni-notify-dkms", DPKG_TIMEOUT)
    p = [] if rc == 0 else ["apt-get purge exited %d: %s" % (rc, " | ".join(out[-5:]))]
    state = img.g.run("systemctl is-active enid")[1]
    if state == ["active"]:
        p.append("enid is still active")
    if img.g.run("pidof enid")[0] == 0:
        p.append("an enid process is still running")
    if img.g.run("test -d /sys/module/eni_notify")[0] == 0:
        p.append("eni_notify is still loaded")
    dkms = img.sh("dkms status")
    if "eni" in dkms:
        p.append("dkms status still lists it: %s" % dkms)
    tap.check("apt-get purge enid eni-notify-dkms: the unit stopped, the module unloaded "
              "and gone from DKMS", p)

    p = checks.clean({}, img.vpc.rules(), img.vpc.routes())     # no enictl any more
    addrs = img.sh("ip -o -4 addr show")
    p += ["address %s left" % ip for e in TWO for ip in e.ips if " %s/" % ip in addrs]
    for g, was in img.sysctl0.items():
        now = img.sysctls(g)
        p += ["%s.%s = %s, %s at boot" % (g, k, now.get(k), v) for k, v in was.items()
              if now.get(k) != v]
    default = img.sysctls("net.ipv4.conf.default")
    for link in links:
        name = link.get("ifname")
        p += ["net.ipv4.conf.%s.%s = %s, the default is %s" % (name, k, v, default.get(k))
              for k, v in img.sysctls("net.ipv4.conf.%s" % name).items()
              if default.get(k) != v]
    tap.check("after the purge: no rule, route or address of enid on the two ENIs still "
              "attached, their sysctls the defaults, the global ones as at boot", p)

    left = [f for f in files if img.g.run("test -e '%s' -o -L '%s'" % (f, f))[0] == 0]
    # (openid: python3-oauthlib's, which cloud-init of the coexistence variants pulls in)
    found = img.sh("find / /run -xdev \\( -name '*enid*' -o -name '*eni_notify*' -o -name "
                   "'*eni-notify*' \\) -not -name '*openid*' -not -path '/opt/eni/*' "
                   "-not -path '/proc/*' 2>/dev/null | sort -u; true")
    p = ["left: %s" % f for f in left] + ["found: %s" % f for f in found.splitlines()
                                          if f not in left]
    tap.check("after the purge: no file of either package left (%d listed by dpkg -L), none "
              "named after enid or eni_notify anywhere (/run included)" % len(files), p[:20])


def upgrade(img, tap, a):
    """The second image: the previous version installed (in the chroot, as an instance
    that has run it for a while), two ENIs bound, then this version with dpkg -i."""
    secs = img.g.boot(BOOT_TIMEOUT)
    diag("upgrade image booted to the agent in %.1f s" % secs)
    prev = img.version("enid")
    img.version_cur = img.sh("dpkg-deb -f /opt/eni/debs/enid_*.deb Version")
    p = img.ready_problems(prev, booted=True)
    for eni in TWO:
        img.vpc.bind(eni)
    p += img.vpc.wait_state(configured, 30.0)
    tap.check("upgrade image: %s active from its unit, eni_notify loaded at boot; two ENIs "
              "bound and configured" % prev, p)
    img.boot_to_ready("upgrade image (%s)" % prev)
    before = img.vpc.state()

    def dpkg_i():
        t = time.monotonic()
        r = img.g.run("DEBIAN_FRONTEND=noninteractive dpkg -i /opt/eni/debs/*.deb",
                      DPKG_TIMEOUT)
        img.figures.append("dpkg -i of the upgrade in the guest (DKMS building under TCG): "
                           "%.0f s" % (time.monotonic() - t))
        return r
    lost, (rc, out) = pinging(img.vpc, 1.0, dpkg_i)
    p = [] if rc == 0 else ["dpkg -i exited %d: %s" % (rc, " | ".join(out[-5:]))]
    now = img.version("enid")
    if now != img.version_cur:
        p.append("enid is at %s after the upgrade, want %s" % (now, img.version_cur))
    tap.check("upgrade %s -> %s with two ENIs bound, peers pinging every 20 ms: no reply lost "
              "beyond one interval, every reply through its ENI" % (prev, now), p + lost)
    p = same_state(img, before) + img.ready_problems(img.version_cur)
    if "eni-notify/%s" % img.version_cur not in img.sh("dkms status"):
        p.append("DKMS has no eni-notify/%s: %s" % (img.version_cur, img.sh("dkms status")))
    diag("after the upgrade the loaded eni_notify is %s (the new one from the next boot)" %
         img.g.run("cat /sys/module/eni_notify/version")[1])
    tap.check("after the upgrade: enid %s active, DKMS has built the new module, the same "
              "rules, routes and slots, nothing duplicated" % now, p)
    tap.check("after the upgrade: both peers' pings answered through each ENI only",
              vpc_scenarios.outside(img.vpc, TWO))

    reboot_guest(img, tap, "reboot after the upgrade")
    p = img.ready_problems(img.version_cur, booted=True)
    loaded = img.g.run("cat /sys/module/eni_notify/version")[1]
    if loaded != [img.version_cur]:
        p.append("eni_notify %s loaded, want the upgrade's %s" % (loaded, img.version_cur))
    p += img.vpc.wait_state(configured, 10.0)
    p += vpc_scenarios.outside(img.vpc, TWO)
    tap.check("reboot after the upgrade: the new eni_notify %s loaded at boot, both ENIs "
              "configured and answering through themselves" % img.version_cur, p)


# (run, disk, steps, kernel command line, more QEMU options): the steps run in order on
# one boot of that disk; a step that leaves no guest to ask ends its run. The coexistence
# variants (coex.py) boot overlays of this version's disk, each with another stack.
RUNS = [("disk", "disk", [("at_boot", at_boot), ("bind_unbind", bind_unbind),
                          ("restart", restart), ("reboot", reboot), ("purge", purge)], "", ()),
        ("upgrade_disk", "upgrade_disk", [("upgrade", upgrade)], "", ())]
RUNS += [(v, v, coex.steps(v), coex.cmdline(v, os.environ.get("ENI_IMAGE_COEX", "on")),
          coex.qemu_extra(v)) for v in coex.VARIANTS]
NO_GUEST_AFTER = ("at_boot", "reboot", "upgrade", "boot")


def run_image(a, disk, outdir, steps, tap, cmdline="", extra=()):
    t0 = time.monotonic()
    vpc = session.Vpc(session.names(a.state), outdir, a.state, a.kernel, a.initrd,
                      "metadata", cmdline=("root=/dev/vda rw " + cmdline).strip(), mem=1024,
                      reboot=True, extra=("-drive", "file=%s,format=qcow2,if=virtio,"
                                          "cache=unsafe" % disk) + tuple(extra))
    vpc.flux = []
    img = Image(vpc)
    try:
        for name, fn in steps:
            t = time.monotonic()
            try:
                fn(img, tap, a)
            except (guestvm.GuestError, QmpError, OSError, ValueError, KeyError) as e:
                tap.result(False, "step %s runs to its end" % name, [repr(e)])
                if name in NO_GUEST_AFTER:
                    break
            diag("step %s took %.0f s" % (name, time.monotonic() - t))
            img.figures.append("%s: step %s %.0f s" % (os.path.basename(outdir), name,
                                                       time.monotonic() - t))
        trouble = vpc.guest.kernel_trouble()
        tap.check("guest kernel log has no WARN/BUG/oops (%s)" % os.path.basename(outdir),
                  [trouble] if trouble else [])
        img.figures.append("%s: %.0f s from QEMU's start to the end of its checks" % (
            os.path.basename(outdir), time.monotonic() - t0))
        diag(*img.figures)
    finally:
        try:
            vpc.unbind_all()    # the VPC's metadata forgets them for the next image
        except QmpError as e:
            diag("cleanup: %s" % e)
        vpc.close()


def main():
    ap = session.arg_parser()
    ap.add_argument("--disk", required=True, help="the qcow2 of this version's image")
    ap.add_argument("--upgrade-disk", required=True,
                    help="the qcow2 of the previous version's image")
    ap.add_argument("--variants", required=True,
                    help="folder of the variants' overlays (VARIANT.qcow2) of this disk")
    ap.add_argument("--first", type=int, default=1, help="number of the first TAP line")
    ap.add_argument("--count-file", help="where to write the number of the last TAP line")
    a = ap.parse_args()
    a.boot_timeout = BOOT_TIMEOUT
    # ENI_IMAGE_RUNS: a comma list of the runs to do (default all: disk, upgrade_disk and
    # the variants)
    only = [r for r in os.environ.get("ENI_IMAGE_RUNS", "").split(",") if r]
    tap = Tap()
    tap.n = a.first - 1
    try:
        for run, disk, steps, cmdline, extra in RUNS:
            if only and run not in only:
                continue
            outdir = os.path.join(a.out, run)
            os.makedirs(outdir, exist_ok=True)
            path = getattr(a, disk, None) or os.path.join(a.variants, disk + ".qcow2")
            run_image(a, path, outdir, steps, tap, cmdline, extra)
    finally:
        tap.save_count(a.count_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
