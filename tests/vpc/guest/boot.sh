#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The virtual ECS's boot, run by the initramfs's /init once the virtio modules are loaded
# (stdout and stderr are the host's ttyS1): load eni_notify as modules-load.d would, start
# systemd-udevd and replay the coldplug events (the primary gets its predictable name),
# configure the primary by DHCP, start enid as its unit would, then serve the host's
# commands (agent.sh). Each step is reported as `EV <uptime> <what>`.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ev() { echo "EV $(cut -d' ' -f1 /proc/uptime) $*"; }

ev boot-script
insmod /opt/eni/eni_notify.ko || ev "error: insmod eni_notify failed"
ev eni_notify-loaded

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

# enid's config: the mode the host asked for on the kernel command line (eni.addressing=).
mode=static
for w in $(cat /proc/cmdline); do
	case $w in eni.addressing=*) mode=${w#*=} ;; esac
done
[ -f "/etc/enid/enid-$mode.conf" ] || { ev "error: no enid-$mode.conf"; mode=static; }
ln -sf "enid-$mode.conf" /etc/enid/enid.conf
/sbin/enid-start
ev "enid-started addressing $mode"
echo "READY"
exec /opt/eni/agent.sh </dev/ttyS1
