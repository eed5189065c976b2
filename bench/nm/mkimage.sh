#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/bind-vs-nm's NetworkManager image: the vpc tier's initramfs (BASE) plus an overlay
# archive with Debian 12's NetworkManager and nmcli (network-manager, libnm0, libndp0:
# fetched with `apt-get download` into $NM_CACHE, extracted with dpkg-deb -x, never
# installed on this host), the host's dbus-daemon, their shared libraries, NetworkManager's
# udev rules, its config (NetworkManager.conf), one keyfile per ENI MAC (keyfiles.py), a
# permissive system-bus config and /sbin/nm-start (boot.sh runs it with eni.stack=nm).
# Usage: bench/nm/mkimage.sh BASE.cpio.gz OUT.cpio.gz
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || { echo "usage: $0 BASE.cpio.gz OUT.cpio.gz" >&2; exit 2; }
base=$1 out=$2
cache=${NM_CACHE:-/var/cache/eni-hotplug/nm}
pkgs="network-manager libnm0 libndp0"

mkdir -p "$cache/debs"
for p in $pkgs; do
	ls "$cache/debs/${p}_"*.deb >/dev/null 2>&1 && continue
	(cd "$cache/debs" && apt-get download "$p")
done
root=$cache/root
if [ ! -x "$root/usr/sbin/NetworkManager" ] || [ -n "$(find "$cache/debs" -newer "$root/usr/sbin/NetworkManager" -name '*.deb')" ]; then
	rm -rf "$root"
	mkdir -p "$root"
	for d in "$cache"/debs/*.deb; do
		dpkg-deb -x "$d" "$root"
	done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/eni-nm-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/stage
mkdir -p "$stage"
libdir=$root/usr/lib/x86_64-linux-gnu
# An executable and every shared object it loads; the extracted packages' libraries first,
# staged at their path inside the package.
copy_with_libs() { # src dst
	mkdir -p "$(dirname "$stage/$2")"
	cp -L "$1" "$stage/$2"
	LD_LIBRARY_PATH=$libdir ldd "$1" |
		sed -n 's|.*[[:space:]]\(/[^[:space:]]*\)[[:space:]]*(0x.*|\1|p' |
		while read -r lib; do
			dst=${lib#"$root"}
			[ -e "$stage$dst" ] && continue
			mkdir -p "$(dirname "$stage$dst")"
			cp -L "$lib" "$stage$dst"
		done
	if LD_LIBRARY_PATH=$libdir ldd "$1" | grep 'not found'; then
		echo "mkimage: $1 lacks libraries" >&2
		exit 1
	fi
}
copy_with_libs "$root/usr/sbin/NetworkManager" /usr/sbin/NetworkManager
copy_with_libs "$root/usr/bin/nmcli" /usr/bin/nmcli
copy_with_libs "$(command -v dbus-daemon)" /usr/bin/dbus-daemon
mkdir -p "$stage/lib/udev/rules.d" "$stage/etc/eni/nm/conf.d" "$stage/etc/eni/nm/lib.d" \
	"$stage/sbin" "$stage/var/lib/NetworkManager" "$stage/run"
cp "$root"/lib/udev/rules.d/*.rules "$stage/lib/udev/rules.d/"
cp "$here/NetworkManager.conf" "$here/dbus-system.conf" "$stage/etc/eni/nm/"
python3 -B "$here/keyfiles.py" "$stage/etc/eni/nm/system-connections"
chmod 700 "$stage/etc/eni/nm/system-connections"
cp "$here/nm-start" "$stage/sbin/nm-start"
chmod +x "$stage/sbin/nm-start"
# NetworkManager derives stable ids from the machine id.
echo 5e1f0e1d0c0b0a090807060504030201 >"$stage/etc/machine-id"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 \
	>"$work/overlay.cpio.gz"
mkdir -p "$(dirname "$out")"
cat "$base" "$work/overlay.cpio.gz" >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkimage: $out ($(du -k "$out" | cut -f1) KiB; $(ls "$cache/debs" | tr '\n' ' '))" >&2
