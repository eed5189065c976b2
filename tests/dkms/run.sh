#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DKMS tier: dkms add, build, install and remove eni-notify against Debian 12's kernel
# headers: the installed linux-headers-*-amd64 when there are some, else the matrix's 6.1
# tree that scripts/kernels.sh unpacks into its cache (dkms build --kernelsourcedir;
# nothing kernel-related is installed), checking what lands on disk at each step and
# that nothing is left afterwards (with the cached tree, the kernel's /lib/modules folder
# exists only for the run).
# Usage: tests/dkms/run.sh    (root; prints TAP lines and '# ' lines, logs in build/dkms/)
set -u -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/dkms
mkdir -p "$out"
# shellcheck source=tests/lib/tier.sh
. "$top/tests/lib/tier.sh"
n=0

check() { # description command...  (ok when the command succeeds)
	local what=$1
	shift
	if "$@" >>"$out/checks.log" 2>&1; then
		tap ok "$what"
	else
		tap "not ok" "$what"
	fi
}
show() { tail -n "${2:-25}" "$1" | sed 's/^/# /'; }
conf() { sed -n "s/^$1=\"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" "$top/dkms.conf"; }

if [ "$(id -u)" != 0 ] || ! command -v dkms >/dev/null; then
	tap ok "dkms tier # SKIP needs root and dkms (scripts/deps.sh)"
	exit 0
fi
if [ ! -f "$top/dkms.conf" ]; then
	tap "not ok" "dkms.conf exists at the repository root"
	exit 0
fi
hdr=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
ksrc=()
if [ -n "$hdr" ] && [ "${ENI_DKMS_HEADERS:-}" != cache ]; then # cache: test the other path
	kver=${hdr#/usr/src/linux-headers-}
else
	kver=$("$top/scripts/kernels.sh" list | grep '^6\.1\.' | head -n 1)
	if [ -z "$kver" ] || ! "$top/scripts/kernels.sh" fetch "$kver" >"$out/fetch.log" 2>&1; then
		tap "not ok" "the matrix's 6.1 headers for dkms (scripts/kernels.sh fetch)"
		show "$out/fetch.log"
		exit 0
	fi
	# shellcheck disable=SC1090
	. "$top/build/kernels/$kver/make.env"
	ksrc=(--kernelsourcedir "$KDIR")
	echo "# dkms: no installed headers; the cached $kver tree $KDIR"
fi
had_kdir=no
[ -d "/lib/modules/$kver" ] && had_kdir=yes
had_libmod=no
[ -d /lib/modules ] && had_libmod=yes
# dkms install refuses a kernel without its /lib/modules folder: for a kernel this host
# does not run (the cached tree), the run makes the folder and removes it afterwards.
[ $had_kdir = no ] && mkdir -p "/lib/modules/$kver"
name=$(conf PACKAGE_NAME)
ver=$(conf PACKAGE_VERSION)
mod=$(conf 'BUILT_MODULE_NAME\[0\]')
src=/usr/src/$name-$ver
dest=/lib/modules/$kver/updates/dkms
echo "# dkms: $name/$ver module $mod for $kver"
: >"$out/checks.log"

# Leftovers of an earlier, interrupted run would make `dkms add` fail.
dkms remove -m "$name" -v "$ver" --all >/dev/null 2>&1
rm -rf "$src"
had_updates=no
[ -d "/lib/modules/$kver/updates" ] && had_updates=yes
had_mok=no
[ -e /var/lib/dkms/mok.key ] && had_mok=yes
before=$(ls -a /var/lib/dkms 2>/dev/null; find "/lib/modules/$kver/updates" 2>/dev/null)

# The tree dkms builds from: kmod/, include/ and dkms.conf.
mkdir -p "$src/kmod"
cp -a "$top/include" "$src/"
cp "$top/dkms.conf" "$src/"
find "$top/kmod" -maxdepth 1 -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) \
	-exec cp {} "$src/kmod/" \;

status() { dkms status -m "$name" -v "$ver" -k "$kver" 2>/dev/null; }

if dkms add -m "$name" -v "$ver" >"$out/add.log" 2>&1 &&
	[ -e "/var/lib/dkms/$name/$ver/source/dkms.conf" ]; then
	tap ok "dkms add registers $name/$ver"
else
	tap "not ok" "dkms add registers $name/$ver"
	show "$out/add.log"
fi

built=/var/lib/dkms/$name/$ver/$kver/x86_64/module
if dkms build -m "$name" -v "$ver" -k "$kver" "${ksrc[@]}" >"$out/build.log" 2>&1 &&
	ls "$built/$mod".ko* >/dev/null 2>&1; then
	tap ok "dkms build makes $mod.ko for $kver"
	make_log=/var/lib/dkms/$name/$ver/build/make.log
	if [ -f "$make_log" ] && grep -qi 'warning' "$make_log"; then
		tap "not ok" "dkms build is warning-free"
		grep -i -A3 warning "$make_log" | head -n 20 | sed 's/^/# /'
	else
		tap ok "dkms build is warning-free"
	fi
else
	tap "not ok" "dkms build makes $mod.ko for $kver"
	show "$out/build.log"
	cat "/var/lib/dkms/$name/$ver/build/make.log" >>"$out/build.log" 2>/dev/null
fi

if dkms install -m "$name" -v "$ver" -k "$kver" "${ksrc[@]}" >"$out/install.log" 2>&1; then
	tap ok "dkms install succeeds"
else
	tap "not ok" "dkms install succeeds"
	show "$out/install.log"
fi
ko=$(ls "$dest/$mod".ko* 2>/dev/null | head -n 1)
if [ -n "$ko" ]; then
	tap ok "$mod lands in $dest"
else
	tap "not ok" "$mod lands in $dest"
fi
check "dkms status says installed" sh -c "dkms status -m '$name' -v '$ver' -k '$kver' | grep -q ': installed'"
check "modinfo -k $kver finds $mod under updates/dkms (depmod ran)" \
	sh -c "modinfo -k '$kver' -n '$mod' | grep -q '^$dest/$mod.ko'"
if [ -n "$ko" ]; then
	check "modinfo: name is $mod" test "$(modinfo -F name "$ko")" = "$mod"
	check "modinfo: vermagic is $kver" sh -c "modinfo -F vermagic '$ko' | grep -q '^$kver '"
	check "modinfo: license is GPL" sh -c "modinfo -F license '$ko' | grep -qx 'GPL\\( v2\\)\\{0,1\\}'"
	parms=$(modinfo -F parm "$ko" | cut -d: -f1 | sort | tr '\n' ' ')
	echo "# modinfo parm: $parms"
	check "modinfo: parameter drivers" sh -c "modinfo -F parm '$ko' | grep -q '^drivers:'"
	check "modinfo: parameter log" sh -c "modinfo -F parm '$ko' | grep -q '^log:'"
fi

if dkms remove -m "$name" -v "$ver" --all >"$out/remove.log" 2>&1; then
	tap ok "dkms remove --all succeeds"
else
	tap "not ok" "dkms remove --all succeeds"
	show "$out/remove.log"
fi
rm -rf "$src"
# dkms's own traces of this run: the key it made to sign with, the folders it made.
[ $had_mok = no ] && rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
rmdir "$dest" 2>/dev/null
[ $had_updates = no ] && rmdir "/lib/modules/$kver/updates" 2>/dev/null
# a kernel that is not installed: depmod's files were all this run put there
[ $had_kdir = no ] && rm -rf "/lib/modules/$kver"
[ $had_libmod = no ] && rmdir /lib/modules 2>/dev/null
check "no $mod left under /lib/modules" sh -c "! find /lib/modules -name '$mod.ko*' | grep -q ."
check "modinfo -k $kver no longer finds $mod" sh -c "! modinfo -k '$kver' -n '$mod'"
check "no /var/lib/dkms/$name left" test ! -e "/var/lib/dkms/$name"
check "dkms status no longer lists $name" sh -c "! dkms status | grep -q '^$name'"
after=$(ls -a /var/lib/dkms 2>/dev/null; find "/lib/modules/$kver/updates" 2>/dev/null)
if [ "$before" = "$after" ]; then
	tap ok "dkms state is as before the run"
else
	tap "not ok" "dkms state is as before the run"
	diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
fi
exit 0
