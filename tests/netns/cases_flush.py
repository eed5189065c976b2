# SPDX-License-Identifier: GPL-2.0
"""Flush and the control socket's users: `enictl flush` (enid removes everything it added,
then exits), `enid --flush` (the same without a running enid, for package scripts), and
status for any user while changing requests stay root-only. Run on the main tier's VPC
with ENIs configured; enid is running again, everything converged, when these return."""

import os

import kstate as K
from enid_proc import wait_until
from nsenv import nsexec, run, sysctl_read

NOBODY = 65534


def _leftovers(tier, enis):
    """Every trace of enid in the guest, as lines (empty: nothing is left)."""
    g = tier.g
    lines = ["rule left: " + K.fmt(r) for r in K.ours(K.rules(g))]
    lines += ["route left: " + K.fmt(r) for r in K.ours(K.routes(g))]
    for e in enis:
        lines += ["%s address left: %s" % (e.ifname, K.fmt(a)) for a in K.addrs(g, e.ifname)]
        for name in ("arp_ignore", "arp_announce"):
            got = sysctl_read(g, "net/ipv4/conf/%s/%s" % (e.ifname, name))
            want = sysctl_read(g, "net/ipv4/conf/default/%s" % name)
            if got != want:
                lines.append("%s %s = %s (default %s)" % (e.ifname, name, got, want))
        if "UP" not in K.links(g)[e.ifname]["flags"]:
            lines.append("%s was up and is now down" % e.ifname)
    if sysctl_read(g, "net/ipv4/conf/all/arp_filter") != "0":
        lines.append("net.ipv4.conf.all.arp_filter not restored to 0")
    if os.path.exists(os.path.join(tier.enid.run_dir, "arp_filter.saved")):
        lines.append("arp_filter.saved still there")
    return lines


def _restart(t, tier, desc):
    ok, why = tier.enid.start()
    if not ok:
        t.result(False, desc + "enid starts again", [why] + tier.enid.log_tail(20))
        return False
    tier.check_present(desc + "enid started again: every ENI configured exactly as before")
    return True


def c_flush(t, tier):
    desc = "enictl flush: "
    if tier.enid_down(desc + "nothing of enid's left"):
        return
    enis = [e for e, _ in tier.present.values()]
    if not tier.converge()[0] or not enis:
        t.result(False, desc + "precondition: ENIs configured", ["not converged or no ENI"])
        return
    p = tier.enid.enictl("flush")
    exited, _ = wait_until(lambda: (not tier.enid.alive(), None), 5)
    left = _leftovers(tier, enis)
    tier.foreign_check("after enictl flush")
    t.result(p.returncode == 0 and "0 left" in p.stdout and exited and not left,
             desc + "exit 0; enid exits; no rule, route, address or sysctl of enid's left on "
             "%d ENIs, arp_filter restored, links still up" % len(enis),
             ["enictl: rc %d, %r %r" % (p.returncode, p.stdout, p.stderr),
              "enid exited: %s" % exited] + left + tier.enid.log_tail(10))
    if not _restart(t, tier, "after enictl flush: "):
        return

    desc = "enid --flush: "
    refused = nsexec(tier.g, tier.enid.enid, "--flush", "--run-dir", tier.enid.run_dir,
                     "--config", tier.enid.config, check=False)
    t.result(refused.returncode == 1 and "enid is running" in refused.stderr,
             desc + "refused (exit 1, says why) while enid runs on that run dir",
             ["rc %d, stderr %r" % (refused.returncode, refused.stderr)])
    tier.enid.kill9()                # a stopped enid leaves its configuration in place
    runs = [nsexec(tier.g, tier.enid.enid, "--flush", "--run-dir", tier.enid.run_dir,
                   "--config", tier.enid.config, check=False) for _ in range(2)]
    left = _leftovers(tier, enis)
    tier.foreign_check("after enid --flush")
    t.result(all(r.returncode == 0 for r in runs) and not left,
             desc + "with enid stopped: exit 0, nothing of enid's left; run again: exit 0",
             ["run %d: rc %d, %r %r" % (i, r.returncode, r.stdout, r.stderr)
              for i, r in enumerate(runs)] + left)
    _restart(t, tier, "after enid --flush: ")


def c_users(t, tier):
    """status for every user; reload, resync, refresh and flush for root only."""
    desc = "control socket, uid %d: " % NOBODY
    if tier.enid_down(desc + "status works"):
        return

    def as_nobody(*args):
        return run(["ip", "netns", "exec", tier.g, "setpriv", "--reuid=%d" % NOBODY,
                    "--regid=%d" % NOBODY, "--clear-groups", tier.enid.enictl_bin,
                    "--run-dir", tier.enid.run_dir] + list(args), check=False)
    st = as_nobody("status")
    t.result(st.returncode == 0 and "eth1" in st.stdout,
             desc + "enictl status works (socket 0666, run dir 0755)",
             ["rc %d, %r %r" % (st.returncode, st.stdout[:300], st.stderr)])
    bad = []
    for cmd in ("reload", "resync", "refresh", "flush"):
        p = as_nobody(cmd)
        if p.returncode != 1 or "needs root" not in p.stderr:
            bad.append("%s: rc %d, stderr %r" % (cmd, p.returncode, p.stderr))
    t.result(not bad and tier.enid.alive(),
             desc + "reload, resync, refresh and flush refused by enid (\"needs root\")", bad)
