#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The image tier's base: a minimal Debian 12 (bookworm) tree made by debootstrap, with
# systemd as PID 1, udev, systemd-networkd, bookworm's kernel (linux-image-amd64, 6.1), its
# headers, dkms, build-essential and the libraries our packages depend on, but none of our
# packages; the network stacks of the coexistence variants (NetworkManager, ifupdown with
# dhclient, cloud-init) are installed too but disabled: each boot selects one
# (guest/eni-variant). Cached in $ENI_CACHE/image/<key>/, the key a hash of the inputs: the suite, the
# mirror's Release date, the package list and this script. Built once per key (flock);
# every run copies it (mkrun.sh). Prints the cache folder, which holds root/ (the tree),
# vmlinuz, initrd.img, kver and packages.
# Usage: mkbase.sh [PACKAGE...]   extra packages (e.g. what our .debs depend on)
# Environment: ENI_CACHE (default /var/cache/eni-hotplug), ENI_IMAGE_MIRROR (default
# http://deb.debian.org/debian).
set -eu -o pipefail
cache=${ENI_CACHE:-/var/cache/eni-hotplug}/image
mirror=${ENI_IMAGE_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
# What an instance image needs to boot and build a DKMS module, plus enid's libraries
# (libcurl is opened with dlopen) and the tools the checks use (ip -j, lsmod, ps).
pkgs="systemd systemd-sysv udev dbus iproute2 kmod procps linux-image-amd64
linux-headers-amd64 dkms build-essential libmnl0 libudev1 libcurl4 libinih1 libjson-c5
libsystemd0 ca-certificates
network-manager ifupdown isc-dhcp-client cloud-init"

log() { echo "mkbase: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (scripts/deps.sh)"

# The key: the mirror's Release date moves with every point release of the suite.
release=$(curl -fsS --max-time 30 "$mirror/dists/$suite/Release" | sed -n 's/^Date: //p') ||
	die "cannot read $mirror/dists/$suite/Release"
[ -n "$release" ] || die "$mirror/dists/$suite/Release has no Date: line"
all=$(echo $pkgs "$@" | tr ' ' '\n' | sort -u | tr '\n' ' ')
key=$( { echo "$suite $mirror $release"; echo "$all"; cat "$0"; } | sha256sum | cut -c1-16)
dir=$cache/$key

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -e "$dir/done" ]; then
	echo "$dir"
	exit 0
fi
log "building the base image $key ($suite of $release): $all"
rm -rf "$dir" && mkdir -p "$dir" "$cache/debs"
root=$dir/root

# In a private mount namespace, so nothing stays mounted when it ends.
in_root() { # command...
	unshare --mount --propagation private sh -c '
		r=$1; shift
		mount -t proc proc "$r/proc" && mount --bind /dev "$r/dev" &&
		mount -t sysfs sysfs "$r/sys" && exec chroot "$r" "$@"' in_root "$root" "$@"
}

debootstrap --variant=minbase --include=systemd-sysv,ca-certificates \
	--cache-dir="$cache/debs" "$suite" "$root" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
	die "debootstrap failed: $(tail -n 3 "$dir/debootstrap.log")"
cp /etc/resolv.conf "$root/etc/resolv.conf"
echo "deb $mirror $suite main" >"$root/etc/apt/sources.list"
# Nothing is started in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
# shellcheck disable=SC2086 # one package a word
# Without the archive's lists (as after apt-get clean of an image), apt-get in the guest
# reads only dpkg's database: a purge under TCG takes seconds instead of a minute.
in_root env DEBIAN_FRONTEND=noninteractive sh -c "apt-get update -q &&
	apt-get install -y -q --no-install-recommends $all && apt-get clean &&
	rm -rf /var/lib/apt/lists/* && apt-cache gencaches" \
	>"$dir/install.log" 2>&1 || die "apt-get in the chroot failed: $(tail -n 3 "$dir/install.log")"
rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"

# An instance's settings: the root file system, a host name, networkd for the primary
# (mkrun.sh adds its .network), no timers that could take the dpkg lock mid-test.
echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$root/etc/fstab"
echo ecs-image >"$root/etc/hostname"
in_root systemctl enable systemd-networkd.service >/dev/null 2>&1 ||
	die "systemctl enable systemd-networkd in the chroot failed"
# The other stacks stay off unless a boot's eni.variant= selects one (guest/eni-variant).
in_root systemctl disable NetworkManager.service NetworkManager-wait-online.service \
	networking.service >/dev/null 2>&1 || die "systemctl disable of the other stacks failed"
touch "$root/etc/cloud/cloud-init.disabled"
for t in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	fstrim.timer; do
	ln -sf /dev/null "$root/etc/systemd/system/$t"
done

kver=$(ls "$root/lib/modules" | sort -V | tail -n1)
[ -n "$kver" ] && [ -d "$root/usr/src/linux-headers-$kver" ] ||
	die "no kernel with headers in the image (lib/modules: $(ls "$root/lib/modules"))"
[ -f "$root/boot/initrd.img-$kver" ] || die "no initrd for $kver in the image"
cp "$root/boot/vmlinuz-$kver" "$dir/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$dir/initrd.img"
echo "$kver" >"$dir/kver"
in_root dpkg-query -W -f '${Package} ${Version}\n' >"$dir/packages"
touch "$dir/done"
log "base image $key: kernel $kver, $(du -sm "$root" | cut -f1) MB"
echo "$dir"
