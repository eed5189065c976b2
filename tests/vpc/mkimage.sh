#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds the virtual ECS's initramfs: tests/qemu/mkinitramfs.sh's image (busybox, ip, the
# virtio modules, eni_notify.ko, its /init) with guest/boot.sh as the boot script, plus an
# overlay archive (the kernel unpacks concatenated archives in order) holding what a cloud
# image adds: systemd-udevd and udevadm with Debian's rules and .link files, enid and enictl
# with their shared libraries, enid's configs (CONFDIR/enid-*.conf to /etc/enid/; the boot
# links enid.conf to one), the DHCP script, the guest agent and, when built, notify-listen
# ($ENI_VPC_NOTIFY_LISTEN: a static binary, the guest's sd_notify socket).
# Usage: tests/vpc/mkimage.sh KVER KO ENID ENICTL CONFDIR OUT.cpio.gz
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ $# -eq 6 ] || { echo "usage: $0 KVER KO ENID ENICTL CONFDIR OUT.cpio.gz" >&2; exit 2; }
kver=$1 ko=$2 enid=$3 enictl=$4 confdir=$5 out=$6

work=$(mktemp -d "${TMPDIR:-/tmp}/eni-vpc-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/none" "$work/stage"
"$top/tests/qemu/mkinitramfs.sh" -k "$ko" -g "$work/none" -r "$here/guest/boot.sh" \
	"$kver" "$work/base.cpio.gz"

stage=$work/stage
# shellcheck source=tests/lib/tier.sh
. "$top/tests/lib/tier.sh"	# copy_with_libs SRC DST (into $stage)
copy_with_libs "$enid" /usr/sbin/enid
copy_with_libs "$enictl" /usr/bin/enictl
copy_with_libs /bin/udevadm /bin/udevadm
mkdir -p "$stage/lib/systemd" "$stage/lib/udev" "$stage/etc/udev" "$stage/etc/enid" \
	"$stage/etc/eni" "$stage/sbin" "$stage/opt/eni"
ln -s /bin/udevadm "$stage/lib/systemd/systemd-udevd"
cp -r /lib/udev/rules.d "$stage/lib/udev/"
cp -r /lib/systemd/network "$stage/lib/systemd/"
[ -f /etc/udev/udev.conf ] && cp /etc/udev/udev.conf "$stage/etc/udev/"
printf 'root:x:0:0:root:/:/bin/sh\n' >"$stage/etc/passwd"
printf 'root:x:0:\n' >"$stage/etc/group"
echo vpc-guest >"$stage/etc/hostname"
cp "$confdir"/enid-*.conf "$stage/etc/enid/"
python3 -c "import sys; sys.path.insert(0, '$here'); import layout; print(layout.PRIMARY_MAC)" \
	>"$stage/etc/eni/primary-mac"
cp "$here/guest/udhcpc.sh" "$stage/etc/eni/udhcpc.sh"
cp "$here/guest/agent.sh" "$stage/opt/eni/agent.sh"
cp "$here/guest/enid-start" "$here/guest/clk" "$stage/sbin/"
if [ -n "${ENI_VPC_NOTIFY_LISTEN:-}" ]; then
	cp "$ENI_VPC_NOTIFY_LISTEN" "$stage/sbin/notify-listen"
fi
chmod +x "$stage/etc/eni/udhcpc.sh" "$stage/opt/eni/agent.sh" "$stage/sbin/enid-start" \
	"$stage/sbin/clk"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 \
	>"$work/overlay.cpio.gz"

mkdir -p "$(dirname "$out")"
cat "$work/base.cpio.gz" "$work/overlay.cpio.gz" >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkimage: $out ($(du -k "$out" | cut -f1) KiB)" >&2
