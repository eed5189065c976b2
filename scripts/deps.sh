#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Installs the Debian 12 packages this project needs that are missing; nothing else, and
# nothing kernel-related: guest kernels and headers are unpacked into the cache by
# scripts/kernels.sh (apt-get download + dpkg-deb -x), never installed on this machine.
# Usage: scripts/deps.sh [build|pkg|test|kdebug|all]...   (default: all)
set -eu

build="gcc make pkg-config libc6-dev libmnl-dev libudev-dev libjson-c-dev
libsystemd-dev dkms kmod"
pkg="dpkg-dev debhelper dh-dkms lintian mandoc"
test="qemu-system-x86 busybox-static udev iproute2 iputils-ping dnsmasq-base python3
python3-yaml python3-jsonschema cpio gzip xz-utils socat pahole ca-certificates clang
libclang-rt-14-dev debootstrap qemu-utils e2fsprogs"
why_build="to build enid, enictl and eni_notify.ko"
why_pkg="for make deb and its checks in tests/pkg"
kdebug="flex bison bc libelf-dev libssl-dev"
why_test="for the test tiers: QEMU guests, namespaces, fuzzing, the Debian image"
why_kdebug="to build the kdebug tier's kernel from linux-source (scripts/kdebug.sh)"

sets=
for a in "${@:-all}"; do
	case $a in
	build | pkg | test | kdebug) sets="$sets $a" ;;
	all) sets="build pkg test kdebug" ;;
	*) echo "usage: $0 [build|pkg|test|kdebug|all]..." >&2; exit 2 ;;
	esac
done

missing= what=
for set in $sets; do
	eval "want=\$$set why=\$why_$set"
	m=
	for p in $want; do
		s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$s" = installed ] || m="$m $p"
	done
	[ -n "$m" ] && missing="$missing$m" && what="$what${what:+; }${m# } ($why)"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages: $what. Run as root to install them." >&2
	exit 1
fi
echo "deps: installing with apt-get: $what"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
