#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kdebug tier's kernel: Debian's linux-source-6.1 (apt-get download + dpkg-deb, never
# installed) configured by `make allnoconfig` with tests/kdebug/kernel.config (KASAN,
# kmemleak, lockdep, refcount trackers, failslab...), built once and cached under
# $ENI_CACHE/kdebug/<key>, key = hash of the fragment, the source package's version and gcc's.
# Usage: scripts/kdebug.sh            prints the cache folder: bzImage, vmlinux (ELF, for
#                                      PVH boot), KVER, modules/lib/modules/<kver>, build/
#                                      (the configured and built tree: make -C build M=...)
# Environment: ENI_CACHE (default /var/cache/eni-hotplug), ENI_KDEBUG_JOBS (make -j, default
# the CPU count + 1).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${ENI_CACHE:-/var/cache/eni-hotplug}
frag=$top/tests/kdebug/kernel.config
jobs=${ENI_KDEBUG_JOBS:-$(($(nproc) + 1))}
log() { echo "kdebug: $*" >&2; }

# The source .deb, shared with scripts/kselftest.sh (same place, same lock).
mkdir -p "$cache/kdebug"
exec 9>"$cache/kselftest.lock"
flock 9
deb=$(ls -1 "$cache"/linux-source-6.1_*_all.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$deb" ]; then
	tmp=$(mktemp -d "$cache/.dl.XXXXXX")
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root linux-source-6.1) >&2 || {
		apt-get update -qq >&2
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root linux-source-6.1) >&2
	}
	mv "$tmp"/linux-source-6.1_*_all.deb "$cache/" && rmdir "$tmp"
	deb=$(ls -1 "$cache"/linux-source-6.1_*_all.deb | sort -V | tail -n 1)
fi
exec 9>&-

ver=$(dpkg-deb -f "$deb" Version)
key=$({ cat "$frag"; echo "$ver"; gcc --version | head -n 1; } | sha256sum | cut -c1-16)
dir=$cache/kdebug/$key
exec 9>"$cache/kdebug/$key.lock"
if ! flock -n 9; then
	log "waiting for another build of $dir"
	flock 9
fi
if [ -e "$dir/done" ]; then
	echo "$dir"
	exit 0
fi

log "building linux-source $ver with $frag into $dir (about 10 min on 2 cores)"
t0=$(date +%s)
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz | tar -xJ -C "$dir.tmp"
mv "$dir.tmp"/linux-source-6.1 "$dir.tmp/build"
b=$dir.tmp/build
make -C "$b" -s allnoconfig KCONFIG_ALLCONFIG="$frag" >&2
# Every line of the fragment must have survived Kconfig's dependencies.
grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$frag" | while read -r l; do
	grep -qxF "$l" "$b/.config" || { log "Kconfig dropped: $l"; exit 1; }
done
make -C "$b" -s -j"$jobs" bzImage modules >&2
make -C "$b" -s INSTALL_MOD_PATH="$dir.tmp/modules" modules_install >&2
cp "$b/arch/x86/boot/bzImage" "$b/vmlinux" "$dir.tmp/"
make -C "$b" -s kernelrelease >"$dir.tmp/KVER"
echo "$ver" >"$dir.tmp/SOURCE_VERSION"
echo "$(($(date +%s) - t0))" >"$dir.tmp/BUILD_SECONDS"
: >"$dir.tmp/done"
mv "$dir.tmp" "$dir"
log "built $(cat "$dir/KVER") in $(cat "$dir/BUILD_SECONDS") s; bzImage $(du -k "$dir/bzImage" | cut -f1) KiB"
echo "$dir"
