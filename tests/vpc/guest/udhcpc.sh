#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# busybox udhcpc's lease script for the primary: address and default route, nothing else.
case $1 in
deconfig)
	/sbin/ip -4 addr flush dev "$interface"
	;;
bound | renew)
	/sbin/ip -4 addr flush dev "$interface"
	/sbin/ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do
		/sbin/ip route replace default via "$r" dev "$interface"
		break
	done
	;;
esac
exit 0
