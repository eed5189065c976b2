#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kdebug tier: the module and enid on a debug kernel (KASAN, kmemleak, lockdep, PROVE_RCU,
# DEBUG_OBJECTS, DEBUG_NET, netdev/netns refcount trackers, UBSAN, failslab), built once by
# scripts/kdebug.sh and cached. Runs the qemu tier's guest programs plus guest/kstress (load,
# hot-plug and namespace cycles, unload under a GET storm and a paused dump; enid's failslab
# test is in the qemu tier's enid program) and a kmemleak scan, then the vpc scenarios; any
# splat on either guest's console fails the tier (splat.py).
# Usage: tests/kdebug/run.sh
# Environment: ENI_KDEBUG_VPC=0 (skip the vpc part), ENI_KDEBUG_TIMEOUT (s for the qemu
# part, default 2400), ENI_KDEBUG_APPEND (guest kernel command line words; NAME=value ones
# reach the guest's environment: ENI_TESTS, the qemu programs to run; KSTRESS_LOADS,
# KSTRESS_PLUGS, KSTRESS_NETNS, kstress's cycle counts, default 100, 100, 50),
# ENI_VPC_CYCLES_OTHER (the vpc cycles scenario, default 5 here), ENI_VPC_RACE_BINDS (the vpc
# bind_race scenario, default 6 here).
# Prints TAP lines and '# ' lines only; logs in build/kdebug/. Exits non-zero only when the
# harness broke.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/kdebug
mkdir -p "$out"
# shellcheck source=tests/lib/tier.sh
. "$top/tests/lib/tier.sh"
n=0
t0=$(date +%s)

# Splats on a console log: one TAP line.
scan() { # log description
	if python3 "$here/splat.py" "$1" >"$out/splat.tmp" 2>&1; then
		tap ok "$2"
	else
		tap "not ok" "$2"
	fi
	cat "$out/splat.tmp"
}

# A sub-tier's TAP lines renumbered after ours: the pipeline's subshell leaves its count
# in $out/tap.count, which the caller reads back (renumbered).
renumber() {
	echo "$n" >"$out/tap.count"
	sed -u 's/^\(\(not \)\{0,1\}ok\) [0-9]*/\1 -/' | while IFS= read -r line; do
		case $line in
		"ok -"* | "not ok -"*) n=$((n + 1)); echo "${line/ok -/ok $n}" ;;
		*) echo "$line" ;;
		esac
		echo "$n" >"$out/tap.count"
	done
}
renumbered() { n=$(cat "$out/tap.count"); }

if python3 "$here/splat_test.py" >"$out/splat-test.log" 2>&1; then
	tap ok "splat.py finds each kind of report and passes the debug facilities' boot lines"
else
	tap "not ok" "splat.py finds each kind of report and passes the debug facilities' boot lines"
	sed 's/^/# /' "$out/splat-test.log"
fi

if ! kdir=$("$top/scripts/kdebug.sh" 2>"$out/kernel.log"); then
	tap "not ok" "debug kernel builds from linux-source-6.1 (scripts/kdebug.sh)"
	tail -n 20 "$out/kernel.log" | sed 's/^/# /'
	exit 0
fi
kver=$(cat "$kdir/KVER")
tap ok "debug kernel $kver (linux-source $(cat "$kdir/SOURCE_VERSION")): built in $(cat \
"$kdir/BUILD_SECONDS") s, bzImage $(($(stat -c %s "$kdir/bzImage") / 1024)) KiB"
echo "# kdebug: kernel in $kdir"

# The kernel as the qemu and vpc tiers expect one (scripts/kernels.sh's make.env).
"$top/scripts/kernels.sh" env "$kver" kdebug "$kdir/build" "$kdir/bzImage" \
	"$kdir/modules/lib/modules/$kver"

# The guest programs of this tier, beside the qemu tier's (whose runner it calls).
guest=$out/guest
if "$top/scripts/kselftest.sh" >"$out/guest-build.log" 2>&1 &&
	make -C "$here/guest" O="$guest" QO="$out/guest-lib" >>"$out/guest-build.log" 2>&1 &&
	install -m 0755 "$top/tests/qemu/guest/run-guest.sh" "$guest/qemu-run-guest.sh"; then
	tap ok "kdebug guest programs build"
else
	tap "not ok" "kdebug guest programs build"
	tail -n 20 "$out/guest-build.log" | sed 's/^/# /'
	exit 0
fi

# Both guests boot the bzImage: this KASAN kernel's PVH entry (the unpacked vmlinux) dies
# before printing. slub_debug=A,skbuff_head_cache: the one cache failslab may fail (enid's
# failslab test; 6.1 sets that per cache only at boot). acpi=noirq pci=nomsi: QEMU's pc
# machine computes PCI interrupt routing in an AML loop (_PRT, run at every probe and
# removal) that takes 15-30 s under KASAN, kmemleak and lockdep in TCG; the BIOS's PIR
# table and INTx make a hot-plug take about 1 s, and ACPI hot-plug itself is unchanged.
# ENI_KDEBUG_APPEND: more words; the kernel gives unknown NAME=value words to the guest's
# environment (ENI_TESTS=..., KSTRESS_PLUGS=...).
export ENI_QEMU_BOOT=bzimage ENI_GUEST_MEM=1024
export ENI_GUEST_APPEND="slub_debug=A,skbuff_head_cache acpi=noirq pci=nomsi ${ENI_KDEBUG_APPEND:-}"
tq=$(date +%s)
# No console of an earlier run may stand in for this one's.
rm -f "$top/build/qemu/$kver/console.log" "$top/build/vpc/$kver/logs/console.log"
KERNELS=$kver ENI_QEMU_NOFETCH=1 ENI_QEMU_GUEST_EXTRA=$guest \
	ENI_QEMU_TIMEOUT=${ENI_KDEBUG_TIMEOUT:-2400} "$top/tests/qemu/run.sh" | renumber
renumbered
console=$top/build/qemu/$kver/console.log
scan "$console" "[$kver] no KASAN, lockdep, UBSAN, refcount, debugobjects or kmemleak splat on the console of the qemu programs and kstress"
echo "# kdebug: qemu part took $(($(date +%s) - tq)) s"

if [ "${ENI_KDEBUG_VPC:-1}" != 0 ]; then
	tv=$(date +%s)
	# heal_rules: 50 replies (500 ms) may leave through the primary on this slow kernel.
	# Fewer cycles and race binds than on the production kernels (10, 20): kstress did
	# 100 hot-plugs already, and each bind costs 3-8 s here.
	ENI_VPC_KERNELS=$kver ENI_VPC_KMEMLEAK=1 ENI_VPC_HEAL_REPLIES=50 ENI_VPC_READY_SLACK_MS=500 \
		ENI_VPC_CYCLES_OTHER=${ENI_VPC_CYCLES_OTHER:-5} \
		ENI_VPC_RACE_BINDS=${ENI_VPC_RACE_BINDS:-6} "$top/tests/vpc/run.sh" |
		renumber
	renumbered
	scan "$top/build/vpc/$kver/logs/console.log" \
		"[$kver] no splat on the console of the vpc scenarios"
	echo "# kdebug: vpc part took $(($(date +%s) - tv)) s"
fi
echo "# kdebug tier took $(($(date +%s) - t0)) s"
exit 0
