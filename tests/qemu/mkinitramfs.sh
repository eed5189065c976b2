#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Builds the test initramfs for one kernel of the matrix: busybox-static, the kernel's
# virtio-net modules, dummy, veth and bridge (plus $ENI_GUEST_MODULES), iproute2's ip, eni_notify.ko and the guest test programs
# (each with its shared-library closure), and tests/qemu/init.sh as /init.
#
# Usage: tests/qemu/mkinitramfs.sh [-k eni_notify.ko] [-g guest-bin-dir] [-r run-guest.sh]
#                                  [-d daemon-dir] [-x tree] <kver> <out.cpio.gz>
#   -k  module to put at /opt/eni/eni_notify.ko (default: none)
#   -d  folder holding enid and enictl (build/daemon), put in /opt/eni/sbin (default: none)
#   -g  folder whose executables go to /opt/eni/bin (default: build/guest)
#   -x  a tree copied in as it is, with the shared libraries of its ELF files (the ynl CLI
#       and its python3: tests/qemu/mkynlroot.sh)
#   -r  script to put at /opt/eni/run-guest.sh (default: run-guest.sh of the -g folder,
#       else tests/qemu/guest/run-guest.sh; without one /init runs /opt/eni/bin/* in order)
# The kernel must have been fetched by scripts/kernels.sh.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ko=
guest=$top/build/guest
runner=
daemon=
extra=
while getopts k:g:r:d:x: o; do
	case $o in
	k) ko=$OPTARG ;;
	d) daemon=$OPTARG ;;
	g) guest=$OPTARG ;;
	r) runner=$OPTARG ;;
	x) extra=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$runner" ]; then
	runner=$guest/run-guest.sh
	[ -f "$runner" ] || runner=$top/tests/qemu/guest/run-guest.sh
fi
[ $# -eq 2 ] || { echo "usage: $0 [-k ko] [-g dir] [-r script] <kver> <out.cpio.gz>" >&2; exit 2; }
kver=$1
out=$2

env=$top/build/kernels/$kver/make.env
[ -e "$env" ] || { echo "mkinitramfs: no $env (run scripts/kernels.sh fetch $kver)" >&2; exit 1; }
MODDIR=
# shellcheck disable=SC1090
. "$env"

stage=$(mktemp -d "${TMPDIR:-/tmp}/eni-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/sbin" "$stage/usr/bin" "$stage/usr/sbin" "$stage/etc/eni" \
	"$stage/proc" "$stage/sys" "$stage/dev" "$stage/run" "$stage/tmp" "$stage/opt/eni/bin" \
	"$stage/lib/modules/$kver"
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true

# busybox and its applets; iproute2's ip replaces busybox's.
cp /bin/busybox "$stage/bin/busybox"
for a in $(/bin/busybox --list-full); do
	[ -e "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
done

# copy_with_libs SRC DST, copy_libs ELF: executables and the shared objects they load.
# shellcheck source=tests/lib/tier.sh
. "$top/tests/lib/tier.sh"
copy_with_libs "$(command -v ip)" /sbin/ip
[ -d /etc/iproute2 ] && cp -r /etc/iproute2 "$stage/etc/"

# Kernel modules, decompressed (busybox insmod takes plain .ko files), built-ins skipped:
# the closure of virtio_pci and virtio_net, loaded by /init in this order; and dummy, veth
# and bridge for the tests, which the kernel loads on demand through modprobe (dummy at
# boot would add dummy0).
boot_modules="virtio_pci virtio_net"
test_modules="dummy veth bridge ${ENI_GUEST_MODULES:-}"
modfile() { find "$MODDIR/kernel" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" | head -n 1; }
order=
visit() {
	case " $order " in *" $1 "*) return 0 ;; esac
	f=$(modfile "$1")
	if [ -z "$f" ]; then
		grep -q "/$1.ko" "$MODDIR/modules.builtin" 2>/dev/null && return 0
		echo "mkinitramfs: $kver has no module $1" >&2
		exit 1
	fi
	for d in $(modinfo -F depends "$f" | tr ',' ' '); do
		visit "$d"
	done
	order="$order $1"
}
for m in $boot_modules; do
	visit "$m"
done
boot_order=$order
for m in $test_modules; do
	visit "$m"
done
: >"$stage/etc/eni/modules"
for m in $order; do
	f=$(modfile "$m")
	rel=${f#"$MODDIR/"}
	rel=${rel%.xz}
	rel=${rel%.zst}
	mkdir -p "$(dirname "$stage/lib/modules/$kver/$rel")"
	case $f in
	*.xz) xz -dc "$f" >"$stage/lib/modules/$kver/$rel" ;;
	*.zst) zstd -qdc "$f" >"$stage/lib/modules/$kver/$rel" ;;
	*) cp "$f" "$stage/lib/modules/$kver/$rel" ;;
	esac
	case " $boot_order " in *" $m "*) echo "$rel" >>"$stage/etc/eni/modules" ;; esac
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ -e "$MODDIR/$f" ] && cp "$MODDIR/$f" "$stage/lib/modules/$kver/"
done
depmod -b "$stage" "$kver"

# The project's bits.
if [ -n "$ko" ]; then
	cp "$ko" "$stage/opt/eni/eni_notify.ko"
fi
if [ -d "$guest" ]; then
	for t in "$guest"/*; do
		[ -f "$t" ] && [ -x "$t" ] && [ "$(basename "$t")" != run-guest.sh ] || continue
		copy_with_libs "$t" "/opt/eni/bin/$(basename "$t")"
	done
fi
for t in enid enictl; do
	[ -z "$daemon" ] || copy_with_libs "$daemon/$t" "/opt/eni/sbin/$t"
done
if [ -n "$extra" ]; then
	cp -a "$extra/." "$stage/"
	find "$extra" -type f \( -perm -u+x -o -name '*.so' \) | while read -r f; do
		if [ "$(head -c 4 "$f")" = "$(printf '\177ELF')" ]; then
			copy_libs "$f"
		fi
	done
fi
if [ -f "$runner" ]; then
	cp "$runner" "$stage/opt/eni/run-guest.sh"
	chmod +x "$stage/opt/eni/run-guest.sh"
fi
cp "$here/init.sh" "$stage/init"
chmod +x "$stage/init"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB; modules:$order)" >&2
