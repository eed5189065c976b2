#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The virtual VPC as network namespaces, none connected to the root namespace, none with a
# route out:
#   <tag>-vpc    the vSwitch: bridge $BRIDGE with the gateway .253, dnsmasq (DHCP for the
#                primary's MAC and layout.DHCP_ENI's), the metadata service on 100.100.100.200:80, the guest's
#                taps (QEMU runs here); routes the second subnet to <tag>-rtr
#   <tag>-peer1  a host on the same vSwitch
#   <tag>-rtr    a router to a second subnet
#   <tag>-peer2  a host on that second subnet
# Usage: net.sh up DIR      create it; DIR/names.env names the namespaces, DIR holds the
#                           daemons' pids and logs
#        net.sh down DIR    kill what runs in those namespaces, delete them (idempotent)
# Environment: ENI_VPC_ARP_RETRANS_MS (diagnostic: ARP retry interval of peer1 and of the
# gateway; default the kernel's 1000 ms).
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

eval "$(python3 "$here/layout.py" shell)"

die() { echo "net.sh: $*" >&2; exit 1; }

down() { # dir
	local dir=$1 ns pid p
	[ -f "$dir/names.env" ] || return 0
	. "$dir/names.env"
	for ns in $VPC_NS $PEER1_NS $RTR_NS $PEER2_NS; do
		ip netns list | grep -qw "$ns" || continue
		# Only what this VPC started runs in its namespaces (QEMU, dnsmasq, the metadata
		# service, pings): stop each by id.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
		for p in 1 2 3 4 5 6 7 8 9 10; do
			[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
			sleep 0.2
		done
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	rm -f "$dir/names.env"
}

up() { # dir
	local dir=$1 tag t
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -f "$dir/names.env" ] && down "$dir"
	tag=evpc$$
	VPC_NS=$tag-vpc PEER1_NS=$tag-peer1 RTR_NS=$tag-rtr PEER2_NS=$tag-peer2
	cat >"$dir/names.env" <<-EOF
		VPC_NS=$VPC_NS
		PEER1_NS=$PEER1_NS
		RTR_NS=$RTR_NS
		PEER2_NS=$PEER2_NS
	EOF
	set -e
	for ns in $VPC_NS $PEER1_NS $RTR_NS $PEER2_NS; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	local v="ip -n $VPC_NS"
	# The vSwitch, its gateway and the metadata address.
	$v link add "$BRIDGE" address 02:00:ac:1f:00:fd type bridge stp_state 0 forward_delay 0
	$v addr add "$GATEWAY/$PREFIX" dev "$BRIDGE"
	$v link set "$BRIDGE" up
	$v addr add "$IMDS_IP/32" dev lo
	ip netns exec "$VPC_NS" sysctl -qw net.ipv4.ip_forward=1
	# The guest's taps: the primary's and one per ENI, on the bridge before any bind.
	for t in $PRIMARY_TAP $ENI_TAPS; do
		$v tuntap add dev "$t" mode tap
		$v link set "$t" master "$BRIDGE"
		$v link set "$t" up
	done
	# Peer 1 on the vSwitch.
	$v link add vsw-peer1 type veth peer name eth0 netns "$PEER1_NS"
	$v link set vsw-peer1 master "$BRIDGE" up
	ip -n "$PEER1_NS" addr add "$PEER1_IP/$PREFIX" dev eth0
	ip -n "$PEER1_NS" link set eth0 up
	ip -n "$PEER1_NS" route add default via "$GATEWAY"
	# The router and the second subnet with peer 2.
	$v link add to-rtr type veth peer name to-vpc netns "$RTR_NS"
	$v addr add "$TRANSIT_VPC/30" dev to-rtr
	$v link set to-rtr up
	$v route add "$SUBNET2" via "$TRANSIT_RTR"
	ip -n "$RTR_NS" addr add "$TRANSIT_RTR/30" dev to-vpc
	ip -n "$RTR_NS" link set to-vpc up
	ip -n "$RTR_NS" route add "$SUBNET" via "$TRANSIT_VPC"
	ip -n "$RTR_NS" route add "$IMDS_IP/32" via "$TRANSIT_VPC"
	ip netns exec "$RTR_NS" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$RTR_NS" link add vsw2 type veth peer name eth0 netns "$PEER2_NS"
	ip -n "$RTR_NS" addr add "$GATEWAY2/$PREFIX" dev vsw2
	ip -n "$RTR_NS" link set vsw2 up
	ip -n "$PEER2_NS" addr add "$PEER2_IP/$PREFIX" dev eth0
	ip -n "$PEER2_NS" link set eth0 up
	ip -n "$PEER2_NS" route add default via "$GATEWAY2"
	# Diagnostic knob: how soon the peers and the gateway retry an unanswered ARP request
	# (the kernel's default is 1000 ms).
	if [ -n "${ENI_VPC_ARP_RETRANS_MS:-}" ]; then
		ip netns exec "$PEER1_NS" sysctl -qw net.ipv4.neigh.eth0.retrans_time_ms="$ENI_VPC_ARP_RETRANS_MS"
		ip netns exec "$VPC_NS" sysctl -qw net.ipv4.neigh."$BRIDGE".retrans_time_ms="$ENI_VPC_ARP_RETRANS_MS"
	fi
	set +e

	# DHCP for the primary's MAC and one ENI's (the DHCP scenario; a static range serves
	# only dhcp-host entries); ENI_VPC_DHCP_ALL=1: for every ENI, as a VPC's DHCP does (the
	# image tier: the other network stacks would get a lease).
	more=()
	if [ "${ENI_VPC_DHCP_ALL:-}" = 1 ]; then
		for h in $DHCP_HOSTS_ALL; do more+=(--dhcp-host="$h"); done
	fi
	ip netns exec "$VPC_NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
		--interface="$BRIDGE" --except-interface=lo --bind-interfaces --dhcp-authoritative \
		--dhcp-range="${SUBNET%/*},static,$NETMASK,1h" \
		--dhcp-host="$PRIMARY_MAC,$PRIMARY_IP" --dhcp-host="$DHCP_HOST" "${more[@]}" \
		--dhcp-option=option:router,"$GATEWAY" \
		--dhcp-leasefile="$dir/dnsmasq.leases" --log-dhcp --log-facility="$dir/dnsmasq.log" \
		</dev/null >>"$dir/dnsmasq.log" 2>&1 &
	echo $! >"$dir/dnsmasq.pid"

	# The metadata service (tests/fake-imds), describing the instance and its primary NIC.
	python3 "$here/imds.py" scenario "$dir/imds-scenario.json"
	ip netns exec "$VPC_NS" python3 "$top/tests/fake-imds/fake_imds.py" --bind "$IMDS_IP" \
		--port 80 --scenario "$dir/imds-scenario.json" --log "$dir/imds-requests.log" \
		</dev/null >>"$dir/imds.log" 2>&1 &
	echo $! >"$dir/imds.pid"

	# Both answer within a few seconds, else the VPC is unusable.
	for t in $(seq 50); do
		if [ -n "$(ip netns exec "$VPC_NS" ss -Hlun "sport = :67")" ] &&
			[ -n "$(ip netns exec "$VPC_NS" ss -Hltn "sport = :80")" ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "net.sh: dnsmasq or the metadata service did not start:" >&2
	tail -n 5 "$dir/dnsmasq.log" "$dir/imds.log" >&2
	return 1
}

case "${1:-}" in
up) [ $# -eq 2 ] || die "usage: net.sh up DIR"; up "$2" ;;
down) [ $# -eq 2 ] || die "usage: net.sh down DIR"; down "$2" ;;
*) die "usage: net.sh up|down DIR" ;;
esac
