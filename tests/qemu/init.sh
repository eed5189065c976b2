#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the test initramfs: mount the basics, load the virtio modules (not eni_notify:
# the tests load and unload it themselves), run the guest tests with their output on
# /dev/ttyS1 (the host's end of the protocol), report `ENI-GUEST-DONE rc=<n>`, power off.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1

kver=$(uname -r)
while read -r m; do
	insmod "/lib/modules/$kver/$m" || echo "init: insmod $m failed"
done </etc/eni/modules
ip link set lo up

# Raw, no echo: the host's replies must not come back to it.
stty -F /dev/ttyS1 raw -echo -echoe -echok -echoctl -echoke 115200

rc=0
if [ -x /opt/eni/run-guest.sh ]; then
	/opt/eni/run-guest.sh >/dev/ttyS1 2>&1 </dev/null || rc=$?
else
	for t in /opt/eni/bin/*; do
		[ -x "$t" ] || continue
		"$t" >/dev/ttyS1 2>&1 </dev/null || rc=1
	done
fi
echo "ENI-GUEST-DONE rc=$rc" >/dev/ttyS1
poweroff -f
