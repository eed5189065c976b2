#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds what the virtual ECS boots, under OUT (default build/vpc): enid and enictl
# (make -C daemon), eni_notify.ko for the guest kernel (from a private copy of kmod/, so
# parallel builds never clobber each other; the qemu tier's build for the same kernel is
# reused when it is newer than every source), the kernel's ELF vmlinux (PVH boot: about 5 s
# faster under TCG; the qemu tier's is reused too), notify-listen (the guest's sd_notify
# socket), the guest's enid configs and the initramfs (mkimage.sh).
# The guest kernel is $ENI_VPC_KVER, any kernel of scripts/kernels.sh's matrix (default:
# Debian 12's installed linux-image-6.1.*-amd64). Prints `# ` lines; logs in OUT/build.log;
# exit 1 on failure.
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
# The kernel's make.env (written by scripts/kernels.sh; mkinitramfs.sh reads it too).
env=$top/build/kernels/$kver/make.env
if [ ! -e "$env" ]; then
	"$top/scripts/kernels.sh" fetch "$kver" >>"$log" 2>&1 || fail "scripts/kernels.sh fetch $kver"
fi
KDIR='' VMLINUZ='' MODDIR=''
# shellcheck disable=SC1090
. "$env"
[ -d "$KDIR" ] || fail "no headers for $kver in $KDIR"
[ -d "$MODDIR/kernel" ] || fail "no modules for $kver in $MODDIR"

make -C "$top/daemon" >>"$log" 2>&1 || fail "make -C daemon failed"
[ -x "$top/build/daemon/enid" ] && [ -x "$top/build/daemon/enictl" ] ||
	fail "make -C daemon built no build/daemon/enid, enictl"

src=$out/src
ko=$src/kmod/eni_notify.ko
qko=$top/build/qemu/$kver/src/kmod/eni_notify.ko
fresh() { # ko: built after every source of kmod/ and include/ changed
	[ -e "$1" ] && [ -z "$(find "$top/kmod" "$top/include" -newer "$1" -type f 2>/dev/null)" ]
}
if fresh "$ko"; then
	echo "eni_notify.ko for $kver: $ko, built after the last change" >>"$log"
elif fresh "$qko"; then
	ko=$qko
	echo "eni_notify.ko for $kver: the qemu tier's $qko" >>"$log"
else
	rm -rf "$src"
	mkdir -p "$src/kmod"
	cp -a "$top/include" "$src/"
	find "$top/kmod" -maxdepth 1 -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) \
		-exec cp {} "$src/kmod/" \;
	# kmake: the kernel's make with its environment (sid's: inside its build chroot)
	"$top/build/kernels/$kver/kmake" M="$src/kmod" modules >>"$log" 2>&1 && [ -e "$ko" ] ||
		fail "eni_notify.ko does not build for $kver"
fi

qvm=$top/build/qemu/$kver/vmlinux
if [ "${ENI_QEMU_BOOT:-}" = bzimage ]; then
	cp "$VMLINUZ" "$out/vmlinux"	# as the qemu tier's ENI_QEMU_BOOT: QEMU boots it too
elif [ "$out/vmlinux" -nt "$VMLINUZ" ]; then
	:
elif [ "$qvm" -nt "$VMLINUZ" ]; then
	cp "$qvm" "$out/vmlinux"
else
	python3 "$top/tests/qemu/vmlinux.py" "$VMLINUZ" "$out/vmlinux" >>"$log" 2>&1 ||
		cp "$VMLINUZ" "$out/vmlinux"
fi

# The guest's sd_notify socket (the busybox guest has no systemd, no python).
notify=$out/notify-listen
gcc -static -O2 -Wall -Wextra -Werror -o "$notify" "$here/guest/notify-listen.c" >>"$log" 2>&1 ||
	fail "guest/notify-listen.c does not build statically (libc6-dev)"

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
python3 "$here/layout.py" enid-conf dhcp >"$conf/enid-dhcp.conf"
"$top/build/daemon/enid" --check-config --config "$conf/enid-dhcp.conf" >>"$log" 2>&1 ||
	rm -f "$conf/enid-dhcp.conf" # an enid without DHCP: the scenario says so and skips
python3 "$here/layout.py" enid-conf metadata >"$out/enid-metadata.conf"
if "$top/build/daemon/enid" --check-config --config "$out/enid-metadata.conf" >>"$log" 2>&1; then
	mv "$out/enid-metadata.conf" "$conf/"
	echo "static metadata" >"$out/addressing"
fi

ENI_VPC_NOTIFY_LISTEN=$notify "$here/mkimage.sh" "$kver" "$ko" "$top/build/daemon/enid" \
	"$top/build/daemon/enictl" "$conf" "$out/initramfs.cpio.gz" >>"$log" 2>&1 ||
	fail "the initramfs does not build"
echo "$kver" >"$out/kver"
echo "# vpc build: kernel $kver, addressing modes: $(cat "$out/addressing"), image $(du -k \
"$out/initramfs.cpio.gz" | cut -f1) KiB"
