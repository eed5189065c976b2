#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Puts the kernel's ynl tools (tools/net/ynl: the CLI, its Python library, the C generator)
# and the netlink spec schemas (Documentation/netlink/*.yaml) into build/ynl/, taken from
# Debian's linux-source-6.12 package. The .deb and the extracted files are cached in
# $ENI_CACHE (default /var/cache/eni-hotplug), keyed by the package version, so fresh
# clones on this machine reuse them. Nothing of it is committed.
# Usage: scripts/ynl.sh [outdir]   (idempotent; instant when the files are there)
# Then: outdir/tools/net/ynl/cli.py, outdir/tools/net/ynl/ynl-gen-c.py,
#       outdir/Documentation/netlink/genetlink.yaml, outdir/VERSION (the package version).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/ynl}
cache=${ENI_CACHE:-/var/cache/eni-hotplug}
pkg=linux-source-6.12

[ -s "$out/VERSION" ] && [ -s "$out/tools/net/ynl/cli.py" ] && exit 0

mkdir -p "$cache"
exec 9>"$cache/ynl.lock"
flock 9
deb=$(ls -1 "$cache"/${pkg}_*_all.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$deb" ]; then
	tmp=$(mktemp -d "$cache/.dl.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	get() { (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg") >&2; }
	if ! get; then
		echo "ynl: download failed; refreshing apt lists" >&2
		apt-get update -qq >&2
		get
	fi
	mv "$tmp"/${pkg}_*_all.deb "$cache/"
	deb=$(ls -1 "$cache"/${pkg}_*_all.deb | sort -V | tail -n 1)
fi
ver=$(dpkg-deb -f "$deb" Version)

# The ynl files unpacked from this .deb, kept beside it (unpacking takes about 15 s).
kept=$cache/ynl-$pkg-$ver
if [ ! -s "$kept/tools/net/ynl/cli.py" ]; then
	work=$(mktemp -d "$cache/.x.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	# '*' matches '/' too: the second pattern takes Documentation/netlink/specs/ as well.
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" |
		tar -xJ -C "$work" --wildcards '*/tools/net/ynl/*' '*/Documentation/netlink/*.yaml'
	src=$(echo "$work"/*/)
	[ -s "$src/tools/net/ynl/cli.py" ] || { echo "ynl: $deb has no tools/net/ynl/cli.py" >&2; exit 1; }
	mkdir -p "$work/kept/tools/net" "$work/kept/Documentation"
	mv "$src/tools/net/ynl" "$work/kept/tools/net/"
	mv "$src/Documentation/netlink" "$work/kept/Documentation/"
	echo "$ver" >"$work/kept/VERSION"
	rm -rf "$kept"
	mv "$work/kept" "$kept"
	rm -rf "$work"
fi
# Whole or not at all: a reader that finds VERSION and cli.py finds the rest.
rm -rf "$out.tmp"
mkdir -p "$(dirname "$out")"
cp -a "$kept" "$out.tmp"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "ynl: tools/net/ynl and the netlink schemas of $pkg $ver in $out" >&2
