#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The virtual ECS's boot, run by the initramfs's /init once the virtio modules are loaded
# (stdout and stderr are the host's ttyS1): load eni_notify as modules-load.d would, start
# systemd-udevd and replay the coldplug events (the primary gets its predictable name),
# configure the primary by DHCP, start enid as its unit would, then serve the host's
# commands (agent.sh). Each step is reported as `EV <uptime> <what>`.
# eni.stack=nm on the kernel command line (bench/bind-vs-nm, whose image adds
# /sbin/nm-start): neither eni_notify nor enid, NetworkManager instead.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ev() { echo "EV $(cut -d' ' -f1 /proc/uptime) $*"; }

mode=static
stack=enid
for w in $(cat /proc/cmdline); do
	case $w in
	eni.addressing=*) mode=${w#*=} ;;
	eni.stack=*) stack=${w#*=} ;;
	esac
done

ev boot-script
if [ "$stack" = enid ]; then
	insmod /opt/eni/eni_notify.ko || ev "error: insmod eni_notify failed"
	ev eni_notify-loaded
fi

/lib/systemd/systemd-udevd --daemon --resolve-names=never || ev "error: udevd failed"
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=60 || ev "error: udevadm settle timed out"
ev udev-settled

primary=
for d in /sys/class/net/*; do
	[ "$(cat "$d/address")" = "$(cat /etc/eni/primary-mac)" ] && primary=${d##*/}
done
if [ -n "$primary" ]; then
	/sbin/ip link set "$primary" up
	udhcpc -i "$primary" -s /etc/eni/udhcpc.sh -q -f -n -t 20 -T 1 >/dev/null 2>&1 ||
		ev "error: no DHCP lease on $primary"
	ev "primary $primary $(/sbin/ip -4 -o addr show dev "$primary" | awk '{print $4}')"
else
	ev "error: no link with the primary's MAC"
fi

if [ "$stack" = nm ]; then
	if [ -x /sbin/nm-start ]; then
		if /sbin/nm-start; then ev nm-started; else ev "error: nm-start failed"; fi
	else
		ev "error: eni.stack=nm but this image has no /sbin/nm-start"
	fi
else
	# enid's config: the mode the host asked for (eni.addressing=).
	[ -f "/etc/enid/enid-$mode.conf" ] || { ev "error: no enid-$mode.conf"; mode=static; }
	ln -sf "enid-$mode.conf" /etc/enid/enid.conf
	/sbin/enid-start
	ev "enid-started addressing $mode"
fi
echo "READY"
exec /opt/eni/agent.sh </dev/ttyS1
