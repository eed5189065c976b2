#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# image tier: our Debian packages on a debootstrapped Debian 12 booted with systemd as PID 1
# in the vpc tier's virtual ECS. Builds the packages twice with `make deb` (this version,
# and the "previous version" DEB_VERSION=$ENI_IMAGE_PREV for the upgrade), the base image
# (mkbase.sh: cached by its inputs), two disks (mkrun.sh: one version's packages installed
# in a chroot, DKMS building the module there), brings up the virtual VPC (tests/vpc/net.sh;
# always torn down) and boots each disk through a qcow2 overlay (steps.py). Prints TAP lines
# and '# ' lines; logs in build/image/. Exits 0 when it ran, non-zero only when the harness
# itself broke.
# Environment: ENI_IMAGE_PREV (the previous version, default this version's
# upstream with its last number lowered), ENI_CACHE (default /var/cache/eni-hotplug),
# ENI_IMAGE_RUNS and ENI_IMAGE_COEX (steps.py).
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/image
mkdir -p "$out"
# shellcheck source=tests/lib/tier.sh
. "$top/tests/lib/tier.sh"
n=0
skip() { tap ok "image tier # SKIP $*"; exit 0; }
# A step's TAP line; on failure the tail of its log as '# ' lines.
step() { # description log command...
	local desc=$1 log=$2
	shift 2
	local t
	t=$(date +%s)
	if "$@" >"$log" 2>&1; then
		tap ok "$desc"
		echo "# $desc: $(($(date +%s) - t)) s"
		return 0
	fi
	tap "not ok" "$desc"
	tail -n 15 "$log" | sed 's/^/# /'
	return 1
}

[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, network namespaces, taps)"
for c in qemu-system-x86_64 qemu-img debootstrap mkfs.ext4 dpkg-buildpackage dnsmasq ping \
	ip python3 curl unshare; do
	command -v "$c" >/dev/null || skip "$c is not installed (scripts/deps.sh)"
done
[ -c /dev/net/tun ] || skip "no /dev/net/tun for the guest's taps"
tier_lock "$out/.lock" "another image tier run"
t0=$(date +%s)

# This version and the previous one (0.1.0 -> 0.0.99 -> ...: numerically lower, so the
# DKMS source folders and module versions stay plain).
cur=$(sed -n '1s/^[^ ]* (\([^ ]*\)).*/\1/p' "$top/debian/changelog")
prev=${ENI_IMAGE_PREV:-$(echo "$cur" | awk -F. '{
	if ($3 > 0) print $1 "." $2 "." $3 - 1
	else if ($2 > 0) print $1 "." $2 - 1 ".99"
	else print $1 - 1 ".99.99" }')}
step "make deb: enid and eni-notify-dkms $cur" "$out/deb-cur.log" \
	make -C "$top" deb DEB_OUT="$out/deb-cur" || exit 0
step "make deb DEB_VERSION=$prev: the previous version for the upgrade" "$out/deb-prev.log" \
	make -C "$top" deb DEB_OUT="$out/deb-prev" DEB_VERSION="$prev" || exit 0

# The base image holds what our packages depend on (first of each alternative, no version).
needs=$(for d in "$out"/deb-cur/enid_*.deb "$out"/deb-cur/eni-notify-dkms_*.deb; do
	dpkg-deb -f "$d" Depends; done | tr ',' '\n' | sed 's/|.*//; s/(.*//; s/[[:space:]]//g' |
	grep -vxE 'enid|eni-notify-dkms|' | sort -u | tr '\n' ' ')
# shellcheck disable=SC2086 # one package a word
step "base image: Debian 12 with systemd, udev, linux-image-amd64 and its headers, dkms" \
	"$out/mkbase.log" "$here/mkbase.sh" $needs || exit 0
base=$(tail -n1 "$out/mkbase.log")
kver=$(cat "$base/kver")
echo "# image: base $base, kernel $kver"
# Two disks: this version installed; the previous one installed with this one to upgrade to.
step "disk: $cur installed in a chroot of the base, DKMS builds eni_notify for $kver" \
	"$out/mkrun.log" "$here/mkrun.sh" "$base" "$out/disk" "$out/deb-cur" || exit 0
sed -n 's/^mkrun: /# /p' "$out/mkrun.log"
step "upgrade disk: $prev installed the same way, $cur's packages in /opt/eni/debs" \
	"$out/mkrun-prev.log" "$here/mkrun.sh" "$base" "$out/disk-prev" "$out/deb-prev" \
	"$out/deb-cur" || exit 0
# Each boot writes to an overlay: the disks stay as mkrun.sh made them. The coexistence
# variants (steps.py, coex.py) boot overlays of this version's disk.
mkdir -p "$out/variants"
for d in disk disk-prev variants/nm variants/networkd variants/ifupdown variants/cloudinit \
	variants/docker; do
	raw=$out/disk/disk.raw
	[ "$d" = disk-prev ] && raw=$out/disk-prev/disk.raw
	rm -f "$out/$d.qcow2"
	qemu-img create -q -f qcow2 -b "$raw" -F raw "$out/$d.qcow2" ||
		{ tap "not ok" "qemu-img creates the boot overlay of $d"; exit 0; }
done

state=$out/run
# the VPC's DHCP answers every ENI's MAC, so the variants' stacks would get a lease
export ENI_VPC_DHCP_ALL=1
vpc_up "$state" "$out/net.log" || exit 0
mkdir -p "$out/logs"
PYTHONDONTWRITEBYTECODE=1 ip netns exec "$VPC_NS" python3 "$here/steps.py" \
	--state "$state" --out "$out/logs" --kernel "$base/vmlinuz" --initrd "$base/initrd.img" \
	--disk "$out/disk.qcow2" --upgrade-disk "$out/disk-prev.qcow2" --variants "$out/variants" \
	--first $((n + 1)) \
	--count-file "$out/tap.count" &
# In the background so a signal runs the traps at once (net.sh down stops it too).
wait $!
rc=$?
echo "# image tier took $(($(date +%s) - t0)) s (logs: build/image/logs/RUN:" \
	"disk, upgrade_disk, nm, ...)"
exit $rc
