#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vpc tier: a virtual ECS. Builds enid, enictl, eni_notify.ko and the guest image
# (build.sh), brings up the virtual VPC as network namespaces (net.sh; always torn down),
# boots Debian's 6.1 kernel under QEMU TCG inside it and runs the bind/unbind scenarios
# (scenarios.py). Prints TAP lines and '# ' lines; logs in build/vpc/. Exits 0 when it
# ran, non-zero only when the harness itself broke.
# Environment: ENI_VPC_CYCLES (bind/unbind cycles, default 20), ENI_VPC_ONLY (comma list
# of scenarios), ENI_VPC_KVER (guest kernel), ENI_VPC_ADDRESSING (auto: metadata when enid
# has it, else static; static; metadata), ENI_VPC_ARP_RETRANS_MS (diagnostic, net.sh).
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/vpc
mkdir -p "$out"
n=0
tap() { # "ok"|"not ok" description
	n=$((n + 1))
	echo "$1 $n $2"
}
skip() { tap ok "vpc tier # SKIP $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, taps)"
for c in qemu-system-x86_64 dnsmasq ping ip python3 busybox cpio udevadm; do
	command -v "$c" >/dev/null || skip "$c is not installed (scripts/deps.sh)"
done
[ -c /dev/net/tun ] || skip "no /dev/net/tun for the guest's taps"

# One virtual ECS at a time (the demo and the tier share build/vpc).
exec 9>"$out/.lock"
if ! flock -n 9; then
	echo "# waiting for another virtual ECS run (build/vpc/.lock)"
	flock 9
fi

t0=$(date +%s)
if PYTHONDONTWRITEBYTECODE=1 python3 "$here/pure_test.py" >"$out/pure-test.log" 2>&1; then
	tap ok "vpc harness: frame, ping-line and state checks pass their unit tests"
else
	tap "not ok" "vpc harness: frame, ping-line and state checks pass their unit tests"
	tail -n 20 "$out/pure-test.log" | sed 's/^/# /'
fi
if ! "$here/build.sh" "$out"; then
	tap "not ok" "vpc tier: enid, enictl, eni_notify.ko and the guest image build"
	exit 0
fi
tap ok "vpc tier: enid, enictl, eni_notify.ko and the guest image build"

state=$out/run
trap '"$here/net.sh" down "$state"' EXIT
trap 'exit 130' INT TERM
if ! "$here/net.sh" up "$state" 2>"$out/net.log"; then
	tap "not ok" "the virtual VPC comes up (namespaces, bridge, dnsmasq, metadata)"
	sed 's/^/# /' "$out/net.log" | tail -n 20
	exit 0
fi
. "$state/names.env"
problems=
for ns in $VPC_NS $PEER1_NS $RTR_NS $PEER2_NS; do
	ip netns exec "$ns" ip route get 192.0.2.1 >/dev/null 2>&1 && {
		# a peer's default route leads into the VPC only; the VPC itself has no way out
		case $ns in "$VPC_NS" | "$RTR_NS") problems="$problems $ns" ;; esac
	}
done
if [ -z "$problems" ]; then
	tap ok "the virtual VPC comes up: vSwitch, gateway, dnsmasq, metadata, peers; no route out"
else
	tap "not ok" "the virtual VPC has no route out: routes out of$problems"
fi
echo "# vpc: namespaces $VPC_NS $PEER1_NS $RTR_NS $PEER2_NS (build/vpc/run/: dnsmasq, metadata logs)"

# Addressing: metadata when this enid has it, unless ENI_VPC_ADDRESSING=static.
modes=$(cat "$out/addressing")
mode=${ENI_VPC_ADDRESSING:-auto}
why="enid rejects the metadata config (see build/vpc/build.log)"
case $mode in
auto) case " $modes " in *" metadata "*) mode=metadata ;; *) mode=static ;; esac ;;
static) why="ENI_VPC_ADDRESSING=static" ;;
metadata) case " $modes " in *" metadata "*) ;; *)
	tap "not ok" "ENI_VPC_ADDRESSING=metadata: $why"; exit 0 ;; esac ;;
*) tap "not ok" "ENI_VPC_ADDRESSING=$mode: not static, metadata or auto"; exit 0 ;;
esac
echo "# vpc: enid addressing $mode"

mkdir -p "$out/logs"
PYTHONDONTWRITEBYTECODE=1 ip netns exec "$VPC_NS" python3 "$here/scenarios.py" \
	--state "$state" --out "$out/logs" --kernel "$out/vmlinux" \
	--initrd "$out/initramfs.cpio.gz" --addressing "$mode" --why-static "$why" \
	--cycles "${ENI_VPC_CYCLES:-20}" --only "${ENI_VPC_ONLY:-}" --first $((n + 1)) &
# In the background so a signal runs the traps at once (net.sh down stops it too).
wait $!
rc=$?
echo "# vpc tier took $(($(date +%s) - t0)) s (logs: build/vpc/logs/)"
exit $rc
