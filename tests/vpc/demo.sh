#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: on a Debian 12 machine, as root, installs the Debian packages it lacks (no
# kernel: the guest's comes from the cache, see scripts/kernels.sh), builds everything, and
# shows the virtual ECS at work (demo.py): two ENIs bound, configured by enid, answering
# through themselves, unbound, nothing left behind.
# Usage: tests/vpc/demo.sh        (logs in build/vpc/)
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/vpc
t0=$(date +%s)

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run it as root (network namespaces, taps, package installs)"

say "Installing the Debian packages this project needs that are missing (scripts/deps.sh)."
"$top/scripts/deps.sh" || die "scripts/deps.sh failed"

# The guest boots Debian 12's 6.1 kernel, unpacked into the cache by scripts/kernels.sh
# (apt-get download + dpkg-deb -x) like the tiers do: nothing is installed on this machine.
if [ -z "${ENI_VPC_KVER:-}" ]; then
	ENI_VPC_KVER=$("$top/scripts/kernels.sh" list | grep '^6\.1\.' | tail -n 1) ||
		die "scripts/kernels.sh list names no 6.1 kernel"
	export ENI_VPC_KVER
fi

mkdir -p "$out"
exec 9>"$out/.lock"
flock -n 9 || { echo "waiting for another virtual ECS run (build/vpc/.lock)"; flock 9; }

say "Building enid and enictl, eni_notify.ko for the guest's kernel, and the guest image."
"$here/build.sh" "$out" | sed 's/^# /  /' || die "the build failed (see $out/build.log)"

say "Creating the virtual VPC: network namespaces for the vSwitch (bridge, gateway .253," \
	"dnsmasq, metadata service at 100.100.100.200), a peer host, a router and a peer on" \
	"a second subnet; none is connected to this machine's network."
state=$out/demo
trap '"$here/net.sh" down "$state"' EXIT
trap 'exit 130' INT TERM
"$here/net.sh" up "$state" || die "the virtual VPC did not come up"
. "$state/names.env"
echo "  namespaces: $VPC_NS $PEER1_NS $RTR_NS $PEER2_NS"

# enid takes the ENIs' addresses from the metadata service when it can, else from its
# config file (ENI_VPC_ADDRESSING=static|metadata forces one).
mode=${ENI_VPC_ADDRESSING:-auto}
if [ "$mode" = auto ]; then
	case " $(cat "$out/addressing") " in *" metadata "*) mode=metadata ;; *) mode=static ;; esac
fi
echo "  enid's addressing: $mode"

mkdir -p "$out/demo-logs"
PYTHONDONTWRITEBYTECODE=1 ip netns exec "$VPC_NS" python3 "$here/demo.py" --state "$state" \
	--out "$out/demo-logs" --kernel "$out/vmlinux" --initrd "$out/initramfs.cpio.gz" \
	--addressing "$mode" &
# In the background so a signal runs the traps at once (net.sh down stops it too).
wait $!
rc=$?
say "Done in $(($(date +%s) - t0)) s (guest logs: build/vpc/demo-logs/)."
exit $rc
