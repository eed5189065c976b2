# SPDX-License-Identifier: GPL-2.0
"""Netns tier driver: builds the closed VPC, runs cases.py in order, always cleans up.

Exit 0 when it ran (failures are the `not ok` lines), 1 when the harness broke.
"""

import os
import shutil
import signal
import sys
import traceback

sys.dont_write_bytecode = True     # no __pycache__ next to the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from cases import Tier                          # noqa: E402
from cases_dhcp import run as run_dhcp  # noqa: E402
from cases_coex import run as run_coex  # noqa: E402
from cases_cli import c_cli, c_completion, c_unconfigured  # noqa: E402
from cases_flush import c_flush, c_users         # noqa: E402
from cases_harden import c_ctl_clients, c_run_dir  # noqa: E402
from cases_metadata import run as run_metadata  # noqa: E402
from cases_own import run as run_own  # noqa: E402
from enid_proc import TOP, find_bin             # noqa: E402
from nsenv import Namespaces, Vpc, reap_stale   # noqa: E402
from tap import Tap, diag                       # noqa: E402


def _exit_on_signal(sig, _frame):
    raise SystemExit(128 + sig)


def main():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)
    t = Tap()
    if not find_bin("enid") or not find_bin("enictl"):
        print("not ok 1 netns tier: build/daemon/enid or enictl missing after make -C daemon")
        return 1
    workdir = os.path.join(TOP, "build", "netns", str(os.getpid()))
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    reap_stale()
    nss = Namespaces()
    tier = None
    try:
        try:
            vpc = Vpc(nss)
            tier = Tier(t, vpc, workdir)
            tier.setup()
        except Exception:
            print("not ok 1 netns tier: setting up the namespaces failed")
            diag(traceback.format_exc())
            return 1
        diag("namespaces %s, work dir %s" % (" ".join(nss.names), workdir))
        bad = tier.c_check_config()
        steps = [lambda: tier.c_bad_start(bad), lambda: c_run_dir(t, tier), tier.c_start,
                 tier.c_present_at_start,
                 tier.c_untouched, tier.c_hotplug, tier.c_status, lambda: c_ctl_clients(t, tier),
                 tier.c_ping, tier.c_arp_flux, tier.c_reload,
                 tier.c_unplug_one, tier.c_kill9, lambda: c_cli(t, tier),
                 lambda: c_completion(t, tier), lambda: c_users(t, tier),
                 lambda: c_unconfigured(t, tier),
                 lambda: c_flush(t, tier), tier.c_unplug_all, tier.c_cycles,
                 tier.c_foreign, lambda: run_own(t, workdir), lambda: run_metadata(t, workdir),
                 lambda: run_dhcp(t, workdir), lambda: run_coex(t, workdir)]
        for step in steps:
            try:
                step()
            except SystemExit:
                raise
            except Exception:
                t.result(False, "netns tier step %s raised" % getattr(step, "__name__", "?"),
                         [traceback.format_exc()])
    finally:
        if tier:
            tier.enid.stop()
        nss.close()
    if t.failed:
        diag("%d failed; enid log and configs kept in %s" % (t.failed, workdir))
        diag("--- enid log (tail)", *tier.enid.log_tail(30))
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
