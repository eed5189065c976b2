#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs the in-guest test programs in order (stdout is the host's ttyS1).
# Each prints kselftest TAP; exits non-zero when any program failed.
bindir=${ENI_BIN:-/opt/eni/bin}
tests=${ENI_TESTS:-"parse events present badreq perms unload hotplug enid dumpintr ynl"}
rc=0
for t in $tests; do
	# ynl (the kernel's CLI, with python3) is there only when the host could build it.
	if [ "$t" = ynl ] && [ ! -x "$bindir/$t" ]; then
		echo "ok 1 ynl # SKIP no ynl CLI in this initramfs (see the host's ynl line)"
		continue
	fi
	if [ ! -x "$bindir/$t" ]; then
		echo "not ok 1 $t # program not installed in $bindir"
		rc=1
		continue
	fi
	echo "# run-guest: $t ($(uname -r))"
	"$bindir/$t" || rc=1
	# A test killed by its timeout may leave the module loaded.
	rmmod eni_notify 2>/dev/null
done
echo "# run-guest: done, rc=$rc"
exit $rc
