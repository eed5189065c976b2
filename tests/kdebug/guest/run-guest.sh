#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kdebug guest (stdout is the host's ttyS1): the qemu tier's programs, then kstress,
# then kmemleak's verdict after two explicit scans. The host scans the console for splats.
km=/sys/kernel/debug/kmemleak
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# What boot left behind is not ours: start from a cleared list.
echo scan >$km && echo clear >$km
rc=0
ENI_TESTS="${ENI_TESTS:-parse events present badreq perms unload hotplug enid dumpintr ynl} kstress" \
	/opt/eni/bin/qemu-run-guest.sh || rc=1
rmmod eni_notify 2>/dev/null
# kmemleak reports objects unreferenced for 5 s that two scans agree on.
sleep 6
echo scan >$km && echo scan >$km
leaks=$(grep -c '^unreferenced object' $km)
if [ "$leaks" = 0 ]; then
	echo "ok 1 kmemleak: no unreferenced object after two scans"
else
	echo "not ok 1 kmemleak: $leaks unreferenced objects after two scans"
	head -n 60 $km | sed 's/^/# /'
	rc=1
fi
exit $rc
