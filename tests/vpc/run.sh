#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vpc tier: a virtual ECS. For each guest kernel of the matrix (scripts/kernels.sh: 5.10,
# 6.1, 6.12) builds eni_notify.ko and the guest image (build.sh, into build/vpc/<kver>/;
# kernels and module builds of the qemu tier reused), brings up the virtual VPC as network
# namespaces once (net.sh; always torn down), boots each kernel under QEMU TCG inside it and
# runs the bind/unbind scenarios (scenarios.py). Prints TAP lines, each prefixed with the
# guest kernel ("[6.1.0-57-amd64] ..."), and '# ' lines; logs in build/vpc/<kver>/. Exits 0
# when it ran, non-zero only when the harness itself broke.
# Environment: ENI_VPC_KERNELS (kernel releases or prefixes such as "6.1 5.10"; default:
# the matrix), ENI_VPC_KVER (one kernel, as before), ENI_VPC_CYCLES (bind/unbind cycles on
# Debian 12's own 6.1, default 20), ENI_VPC_CYCLES_OTHER (on the other kernels, default 10),
# ENI_VPC_RACE_BINDS (bind_race binds per kernel, default 20), ENI_VPC_ONLY (comma list of
# scenarios), ENI_VPC_ADDRESSING (auto: metadata when enid has it, else static; static;
# metadata), ENI_VPC_ARP_RETRANS_MS (diagnostic, net.sh), ENI_VPC_SOAK_EVERY (cycles between
# the cycles scenario's samples of enid's fds, RSS, rules, routes, slots; default 100; make
# soak), ENI_VPC_KMEMLEAK=1 (a kmemleak kernel: scan for leaks at the end; tests/kdebug),
# ENI_VPC_HEAL_REPLIES (replies heal_rules lets through the primary, default 10),
# ENI_VPC_READY_SLACK_MS (the first reply after READY=1 in ready, default 100 ms),
# ENI_QEMU_BOOT=bzimage, ENI_GUEST_MEM, ENI_GUEST_APPEND (as in the qemu tier).
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/vpc
mkdir -p "$out"
# shellcheck source=tests/lib/tier.sh
. "$top/tests/lib/tier.sh"
n=0
skip() { tap ok "vpc tier # SKIP $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, taps)"
for c in qemu-system-x86_64 dnsmasq ping ip python3 busybox cpio udevadm; do
	command -v "$c" >/dev/null || skip "$c is not installed (scripts/deps.sh)"
done
[ -c /dev/net/tun ] || skip "no /dev/net/tun for the guest's taps"

# One virtual ECS at a time (the demo and the tier share build/vpc).
tier_lock "$out/.lock" "another virtual ECS run"

t0=$(date +%s)
if PYTHONDONTWRITEBYTECODE=1 python3 "$here/pure_test.py" >"$out/pure-test.log" 2>&1; then
	tap ok "vpc harness: frame, ping-line and state checks pass their unit tests"
else
	tap "not ok" "vpc harness: frame, ping-line and state checks pass their unit tests"
	tail -n 20 "$out/pure-test.log" | sed 's/^/# /'
fi
# The guest kernels: the matrix as the qemu tier resolves it.
want=${ENI_VPC_KVER:-${ENI_VPC_KERNELS:-}}
if ! matrix=$("$top/scripts/kernels.sh" list 2>"$out/kernels-list.log"); then
	tap "not ok" "vpc tier: the kernel matrix resolves (scripts/kernels.sh list)"
	sed 's/^/# /' "$out/kernels-list.log" | tail -n 10
	matrix=$(ls /boot/vmlinuz-6.1.*-amd64 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -V | tail -n1)
fi
kernels=$(kernels_pick "$want" "$matrix")
# shellcheck disable=SC2086
echo "# vpc: guest kernels:" $kernels

built=
for k in $kernels; do
	tb=$(date +%s)
	if ENI_VPC_KVER=$k "$here/build.sh" "$out/$k"; then
		tap ok "[$k] vpc tier: enid, enictl, eni_notify.ko and the guest image build"
		built="$built $k"
	else
		tap "not ok" "[$k] vpc tier: enid, enictl, eni_notify.ko and the guest image build"
	fi
	echo "# vpc build $k took $(($(date +%s) - tb)) s"
done
[ -n "$built" ] || exit 0

state=$out/run
vpc_up "$state" "$out/net.log" || exit 0
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
# shellcheck disable=SC2086 # one release a word
set -- $built
modes=$(cat "$out/$1/addressing")
mode=${ENI_VPC_ADDRESSING:-auto}
why="enid rejects the metadata config (see build/vpc/$1/build.log)"
case $mode in
auto) case " $modes " in *" metadata "*) mode=metadata ;; *) mode=static ;; esac ;;
static) why="ENI_VPC_ADDRESSING=static" ;;
metadata) case " $modes " in *" metadata "*) ;; *)
	tap "not ok" "ENI_VPC_ADDRESSING=metadata: $why"; exit 0 ;; esac ;;
*) tap "not ok" "ENI_VPC_ADDRESSING=$mode: not static, metadata or auto"; exit 0 ;;
esac
echo "# vpc: enid addressing $mode"

rc=0
for k in $built; do
	tk=$(date +%s)
	suite=$(sed -n 's/^SUITE=//p' "$top/build/kernels/$k/make.env")
	cycles=${ENI_VPC_CYCLES:-20}
	[ "$suite" = bookworm ] || cycles=${ENI_VPC_CYCLES_OTHER:-10}
	echo "# === vpc guest kernel $k ($suite): $cycles cycles"
	mkdir -p "$out/$k/logs"
	PYTHONDONTWRITEBYTECODE=1 ip netns exec "$VPC_NS" python3 "$here/scenarios.py" \
		--state "$state" --out "$out/$k/logs" --kernel "$out/$k/vmlinux" \
		--initrd "$out/$k/initramfs.cpio.gz" --addressing "$mode" --why-static "$why" \
		--cycles "$cycles" --race-binds "${ENI_VPC_RACE_BINDS:-20}" --only "${ENI_VPC_ONLY:-}" \
		--first $((n + 1)) --prefix "[$k] " --count-file "$out/tap.count" &
	# In the background so a signal runs the traps at once (net.sh down stops it too).
	wait $!
	r=$?
	[ $r -eq 0 ] || rc=$r
	[ -s "$out/tap.count" ] && n=$(cat "$out/tap.count")
	rm -f "$out/tap.count"
	echo "# vpc guest kernel $k took $(($(date +%s) - tk)) s (logs: build/vpc/$k/logs/)"
done
echo "# vpc tier took $(($(date +%s) - t0)) s"
exit $rc
