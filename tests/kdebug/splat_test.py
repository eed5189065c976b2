#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""splat.py's own check: each kind of report it must find (as the debug kernel prints
them) is found, and the boot lines of the debug facilities themselves are not."""
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import splat  # noqa: E402

FOUND = [
    "BUG: KASAN: slab-use-after-free in eni_links_get+0x1f/0x390 [eni_notify]",
    "WARNING: possible circular locking dependency detected",
    "WARNING: suspicious RCU usage",
    "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580",
    "UBSAN: shift-out-of-bounds in kmod/notify.c:120:9",
    "refcount_t: underflow; use-after-free.",
    "ODEBUG: free active (active state 0) object type: timer_list hint: 0x0",
    "ref_tracker: leaked reference.",
    "unregister_netdevice: waiting for eth1 to become free. Usage count = 2",
    "kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
    "list_del corruption, ffff888004d0e0c8->next is LIST_POISON1 (dead000000000100)",
    "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\nCall Trace:",
]
CLEAN = [
    "kasan: KernelAddressSanitizer initialized (generic)",
    "kmemleak: Kernel memory leak detector initialized (mem pool available: 15682)",
    "Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar",
    "FAULT_INJECTION: forcing a failure.",
    "eni_notify: event seq 13 not sent: out of memory",
]


def found(text):
    with tempfile.NamedTemporaryFile("w", suffix=".log") as f:
        f.write("[    1.000000] " + text.replace("\n", "\n[    1.000001] ") + "\n")
        f.flush()
        with open(os.devnull, "w") as null:
            out, sys.stdout = sys.stdout, null
            try:
                return splat.main([f.name]) == 1
            finally:
                sys.stdout = out


def main():
    bad = ["missed: " + t for t in FOUND if not found(t)]
    bad += ["flagged: " + t for t in CLEAN if found(t)]
    for b in bad:
        print("# " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
