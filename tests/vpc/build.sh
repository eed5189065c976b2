#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds what the virtual ECS boots, under OUT (default build/vpc): enid and enictl
# (make -C daemon), eni_notify.ko for the guest kernel (from a private copy of kmod/, so
# parallel builds never clobber each other), the kernel's ELF vmlinux (PVH boot: about 5 s
# faster under TCG), the guest's enid configs and the initramfs (mkimage.sh).
# The guest kernel is Debian 12's 6.1 ($ENI_VPC_KVER, default: the installed
# linux-image-6.1.*-amd64). Prints `# ` lines; logs in OUT/build.log; exit 1 on failure.
# Usage: tests/vpc/build.sh [OUT]
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build/vpc}
mkdir -p "$out"
log=$out/build.log
: >"$log"

fail() {
	echo "# vpc build: $* (log: $log)"
	tail -n 15 "$log" | sed 's/^/#   /'
	exit 1
}

kver=${ENI_VPC_KVER:-$(ls /boot/vmlinuz-6.1.*-amd64 2>/dev/null | sed 's|.*/vmlinuz-||' |
	sort -V | tail -n1)}
[ -n "$kver" ] || fail "no Debian 6.1 kernel image in /boot (apt-get install linux-image-amd64)"
kdir=/usr/src/linux-headers-$kver
[ -d "$kdir" ] || fail "no headers for $kver in $kdir"
[ -d "/lib/modules/$kver/kernel" ] || fail "no modules for $kver in /lib/modules"
# mkinitramfs.sh reads the kernel's make.env (written by scripts/kernels.sh).
if [ ! -e "$top/build/kernels/$kver/make.env" ]; then
	"$top/scripts/kernels.sh" fetch "$kver" >>"$log" 2>&1 || fail "scripts/kernels.sh fetch $kver"
fi

make -C "$top/daemon" >>"$log" 2>&1 || fail "make -C daemon failed"
[ -x "$top/build/daemon/enid" ] && [ -x "$top/build/daemon/enictl" ] ||
	fail "make -C daemon built no build/daemon/enid, enictl"

src=$out/src
rm -rf "$src"
mkdir -p "$src/kmod"
cp -a "$top/include" "$src/"
find "$top/kmod" -maxdepth 1 -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) \
	-exec cp {} "$src/kmod/" \;
make -C "$src/kmod" KDIR="$kdir" >>"$log" 2>&1 && [ -e "$src/kmod/eni_notify.ko" ] ||
	fail "eni_notify.ko does not build for $kver"

if [ ! "$out/vmlinux" -nt "/boot/vmlinuz-$kver" ]; then
	python3 "$top/tests/qemu/vmlinux.py" "/boot/vmlinuz-$kver" "$out/vmlinux" >>"$log" 2>&1 ||
		cp "/boot/vmlinuz-$kver" "$out/vmlinux"
fi

# enid's configs for the guest: static addresses from the layout, and metadata addressing
# when this enid has it (its parser accepts it); OUT/addressing says
# which modes the image supports.
conf=$out/conf
rm -rf "$conf"
mkdir -p "$conf"
python3 "$here/layout.py" enid-conf >"$conf/enid-static.conf"
"$top/build/daemon/enid" --check-config --config "$conf/enid-static.conf" >>"$log" 2>&1 ||
	fail "enid rejects the guest's static enid.conf"
echo static >"$out/addressing"
python3 "$here/layout.py" enid-conf metadata >"$out/enid-metadata.conf"
if "$top/build/daemon/enid" --check-config --config "$out/enid-metadata.conf" >>"$log" 2>&1; then
	mv "$out/enid-metadata.conf" "$conf/"
	echo "static metadata" >"$out/addressing"
fi

"$here/mkimage.sh" "$kver" "$src/kmod/eni_notify.ko" "$top/build/daemon/enid" \
	"$top/build/daemon/enictl" "$conf" "$out/initramfs.cpio.gz" >>"$log" 2>&1 ||
	fail "the initramfs does not build"
echo "$kver" >"$out/kver"
echo "# vpc build: kernel $kver, addressing modes: $(cat "$out/addressing"), image $(du -k \
"$out/initramfs.cpio.gz" | cut -f1) KiB"
