#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Installs the Debian 12 packages this project needs that are missing; nothing else.
# Usage: scripts/deps.sh [build|test|all]   (default: all)
set -eu

build="gcc make pkg-config libc6-dev libmnl-dev libudev-dev libinih-dev libjson-c-dev
libcurl4-openssl-dev libsystemd-dev linux-headers-amd64 dkms kmod"
# the kdebug tier builds a kernel from linux-source
kbuild="flex bison bc libelf-dev libssl-dev"
test="qemu-system-x86 linux-image-amd64 busybox-static udev iproute2 iputils-ping
dnsmasq-base python3 python3-yaml python3-jsonschema cpio gzip xz-utils socat pahole ca-certificates clang libclang-rt-14-dev"

case "${1:-all}" in
build) want=$build ;;
test) want=$test ;;
all) want="$build $test $kbuild" ;;
*) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
