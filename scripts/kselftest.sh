#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Puts the kernel's kselftest harness headers (kselftest_harness.h, kselftest.h) into
# build/kselftest/, taken from Debian's linux-source-6.1 package; the .deb and the two
# headers are cached in $ENI_CACHE (default /var/cache/eni-hotplug) so fresh clones on this
# machine reuse them.
# Usage: scripts/kselftest.sh [outdir]    (idempotent; instant when the headers exist)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/kselftest}
cache=${ENI_CACHE:-/var/cache/eni-hotplug}

[ -s "$out/kselftest_harness.h" ] && [ -s "$out/kselftest.h" ] && exit 0

mkdir -p "$cache" "$out"
exec 9>"$cache/kselftest.lock"
flock 9
deb=$(ls -1 "$cache"/linux-source-6.1_*_all.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$deb" ]; then
	tmp=$(mktemp -d "$cache/.dl.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	get() { (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root linux-source-6.1) >&2; }
	if ! get; then
		echo "kselftest: download failed; refreshing apt lists" >&2
		apt-get update -qq >&2
		get
	fi
	mv "$tmp"/linux-source-6.1_*_all.deb "$cache/"
	deb=$(ls -1 "$cache"/linux-source-6.1_*_all.deb | sort -V | tail -n 1)
fi

# The headers unpacked from this .deb, kept beside it (unpacking takes about 10 s).
kept=$cache/kselftest-$(basename "$deb" .deb)
if [ ! -s "$kept/kselftest_harness.h" ] || [ ! -s "$kept/kselftest.h" ]; then
	work=$(mktemp -d "$cache/.x.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$work" --wildcards \
			'*/tools/testing/selftests/kselftest_harness.h' \
			'*/tools/testing/selftests/kselftest.h'
	mkdir -p "$work/kept"
	mv "$work"/*/tools/testing/selftests/kselftest_harness.h \
		"$work"/*/tools/testing/selftests/kselftest.h "$work/kept/"
	rm -rf "$kept"
	mv "$work/kept" "$kept"
	rm -rf "$work"
fi
cp "$kept/kselftest_harness.h" "$kept/kselftest.h" "$out/"
echo "kselftest: headers from $(basename "$deb") in $out" >&2
