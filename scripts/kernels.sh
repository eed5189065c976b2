#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel matrix: Debian's bullseye (5.10), bookworm (6.1), bookworm-backports (6.12) and
# sid (the newest, 7.2 in Dec 2026) kernels, taken from the archive with a private apt
# configuration (own sources, lists and cache under $ENI_CACHE/apt; the system's apt setup is
# never touched) and unpacked with dpkg-deb -x, never installed. sid's kbuild tools need sid's
# C library, so its headers live in a sid build chroot (debootstrap) and its kmake runs there.
#
# Usage:
#   scripts/kernels.sh list              kernel releases of the matrix, one a line
#   scripts/kernels.sh fetch [KVER...]   make build/kernels/<kver>/{vmlinuz,modules,headers,
#                                        make.env,kmake} (default: every kernel of list);
#                                        the trees are unpacked once in $ENI_CACHE/kernels
#   scripts/kernels.sh check [KVER...]   build a hello module against each; fail on warnings
#   scripts/kernels.sh env KVER SUITE KDIR VMLINUZ MODDIR
#                                        make.env and kmake for a kernel built elsewhere
#
# build/kernels/<kver>/make.env (sh and make syntax) holds KVER, SUITE, KDIR, VMLINUZ,
# MODDIR, KMAKEVARS (extra make variables, e.g. CC=gcc), KLIBPATH (libraries the
# kernel's kbuild tools need, for LD_LIBRARY_PATH) and KCHROOT (the build chroot KDIR lies
# in, empty for the others). build/kernels/<kver>/kmake M=<module dir> [target...] runs
# `make -C $KDIR $KMAKEVARS M=...` with that environment; with KCHROOT, inside the chroot
# (a private mount namespace binds the module dir's parent there at the same path).
# Environment: ENI_CACHE (default /var/cache/eni-hotplug), ENI_APT_MAX_AGE (seconds before
# the private apt lists are refreshed, default 21600).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${ENI_CACHE:-/var/cache/eni-hotplug}
kroot=$top/build/kernels
debs=$cache/debs
max_age=${ENI_APT_MAX_AGE:-21600}
suites="bullseye bookworm bookworm-backports sid"
mirror=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

log() { echo "kernels: $*" >&2; }
die() { log "$*"; exit 1; }

# sources.list lines of one matrix suite; $2 = "archive" for archive.debian.org.
suite_sources() {
	if [ "${2:-}" = archive ]; then
		m=http://archive.debian.org/debian
		s=http://archive.debian.org/debian-security
		o="signed-by=$keyring check-valid-until=no"
	else
		m=$mirror
		s=http://deb.debian.org/debian-security
		o="signed-by=$keyring"
	fi
	case $1 in
	bullseye | bookworm)
		echo "deb [$o] $m $1 main"
		echo "deb [$o] $s $1-security main"
		;;
	bookworm-backports)
		echo "deb [$o] $m $1 main"
		;;
	sid) # the mirror here may be a snapshot whose Release date has passed
		echo "deb [$o check-valid-until=no] $m $1 main"
		;;
	esac
}

# Sets $aopt: the apt options of the suite's private root.
apt_root() {
	r=$cache/apt/$1
	mkdir -p "$r/lists/partial" "$r/cache/archives/partial" "$r/parts" "$debs"
	[ -e "$r/status" ] || : >"$r/status"
	aopt="-o Dir::Etc::SourceList=$r/sources.list -o Dir::Etc::SourceParts=$r/parts
-o Dir::Etc::Preferences=$r/preferences -o Dir::Etc::PreferencesParts=$r/parts
-o Dir::State::Lists=$r/lists -o Dir::State::status=$r/status -o Dir::Cache=$r/cache
-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o Acquire::Languages=none
-o APT::Sandbox::User=root -q"
}

apt_update() {
	# shellcheck disable=SC2086
	apt-get $aopt --error-on=any update >"$cache/apt/$1/update.log" 2>&1
}

# Refreshes the suite's lists when missing or older than $max_age; keeps stale lists if
# the archive cannot be reached. Bullseye falls back to archive.debian.org.
apt_lists() {
	apt_root "$1"
	stamp=$r/lists.stamp
	if [ -e "$stamp" ] && [ $(($(date +%s) - $(stat -c %Y "$stamp"))) -lt "$max_age" ]; then
		return 0
	fi
	for where in deb archive; do
		[ $where = archive ] && [ "$1" != bullseye ] && break
		suite_sources "$1" $where >"$r/sources.list"
		if apt_update "$1"; then
			touch "$stamp"
			return 0
		fi
		log "$1: apt update from $where failed (see $r/update.log)"
	done
	ls "$r"/lists/*_Packages >/dev/null 2>&1 || die "$1: no package lists"
	log "$1: using stale package lists"
}

# Candidate version of a package in the current private root.
candidate() {
	# shellcheck disable=SC2086
	apt-cache $aopt policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'
}

field() { # package version field
	# shellcheck disable=SC2086
	apt-cache $aopt show "$1=$2" 2>/dev/null | awk -v f="$3:" '$1 == f { sub(/^[^:]*: /, ""); print; exit }'
}

# Kernel release the suite's linux-image-amd64 metapackage points at.
suite_kver() {
	apt_lists "$1"
	# shellcheck disable=SC3013 # dash and bash both have -nt
	if [ -s "$r/kver" ] && [ "$r/kver" -nt "$r/lists.stamp" ]; then
		cat "$r/kver"
		return 0
	fi
	v=$(candidate linux-image-amd64)
	[ -n "$v" ] && [ "$v" != "(none)" ] || die "$1: no linux-image-amd64"
	k=$(field linux-image-amd64 "$v" Depends | tr ',|' '\n\n' |
		sed -n 's/^ *linux-image-\([^ ]*\).*/\1/p' | head -n 1)
	[ -n "$k" ] || die "$1: cannot resolve linux-image-amd64 $v"
	echo "$k" >"$r/kver"
	echo "$k"
}

# Suite whose lists hold linux-image-<kver>.
kver_suite() {
	for s in $suites; do
		if [ "$(cat "$cache/apt/$s/kver" 2>/dev/null)" = "$1" ]; then
			echo "$s"
			return 0
		fi
	done
	for s in $suites; do
		apt_lists "$s"
		c=$(candidate "linux-image-$1")
		[ -n "$c" ] && [ "$c" != "(none)" ] && echo "$s" && return 0
	done
	die "$1: not in any suite of the matrix"
}

# Downloads a package's candidate into the shared .deb cache unless there; prints the path.
get_deb() {
	v=$(candidate "$1")
	[ -n "$v" ] && [ "$v" != "(none)" ] || die "no package $1"
	a=$(field "$1" "$v" Architecture)
	f=$debs/$1_$(echo "$v" | sed 's/:/%3a/g')_$a.deb
	if [ ! -s "$f" ]; then
		log "downloading $1 $v"
		# shellcheck disable=SC2086
		(cd "$debs" && apt-get $aopt download "$1=$v" >/dev/null) || die "download of $1 failed"
		[ -s "$f" ] || die "download of $1 gave no $f"
	fi
	echo "$f"
}

write_env() { # dir kver suite kdir vmlinuz moddir makevars libpath [chroot]
	cat >"$1/make.env" <<EOF
# Generated by scripts/kernels.sh: how to build modules for $2.
KVER=$2
SUITE=$3
KDIR=$4
VMLINUZ=$5
MODDIR=$6
KMAKEVARS=$7
KLIBPATH=$8
KCHROOT=${9:-}
EOF
	cat >"$1/kmake" <<'EOF'
#!/bin/sh
# Generated by scripts/kernels.sh: make against this kernel's headers.
# Usage: kmake M=<module dir> [target...]
set -eu
. "$(dirname "$0")/make.env"
[ -n "$KLIBPATH" ] && export LD_LIBRARY_PATH="$KLIBPATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ -z "$KCHROOT" ]; then
	# shellcheck disable=SC2086
	exec make -C "$KDIR" $KMAKEVARS "$@"
fi
# In the build chroot: M= made absolute, its parent (the module may include ../include)
# bound at the same path in a mount namespace of our own, so no mount outlives make.
[ "$(id -u)" = 0 ] || { echo "kmake: $KVER builds in $KCHROOT: needs root (chroot, mounts)" >&2; exit 2; }
m=
for a; do case $a in M=*) m=${a#M=} ;; esac; done
[ -n "$m" ] && [ -d "$m" ] || { echo "kmake: $KVER builds in $KCHROOT: give M=<module dir>" >&2; exit 2; }
m=$(cd "$m" && pwd)
p=$(dirname "$m")
[ "$p" != / ] || { echo "kmake: M=$m: the module dir's parent must not be /" >&2; exit 2; }
n=$#
for a; do
	case $a in M=*) a=M=$m ;; esac
	set -- "$@" "$a"
done
shift "$n"
# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare -m sh -euc 'r=$1 p=$2 k=$3 v=$4; shift 4
mkdir -p "$r$p"
mount --bind "$p" "$r$p"
mount -t proc proc "$r/proc"
# shellcheck disable=SC2086
exec chroot "$r" make -C "$k" $v "$@"' sh "$KCHROOT" "$p" "${KDIR#"$KCHROOT"}" "$KMAKEVARS" "$@"
EOF
	chmod +x "$1/kmake"
}

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# sid: the image unpacked as for the others; the headers installed by apt in a minimal sid
# chroot (debootstrap) with the gcc and kbuild they depend on. Keyed by the image's and the
# headers' versions, the mirror and this recipe; rebuilt when one changes.
fetch_chroot() { # kver
	kver=$1
	dir=$kroot/$kver
	store=$cache/kernels/$kver
	hv=$(candidate "linux-headers-$kver")
	iv=$(candidate "linux-image-$kver")
	[ -n "$hv" ] && [ "$hv" != "(none)" ] || die "$kver: no linux-headers-$kver in sid"
	key="sid chroot minbase make linux-headers-$kver=$hv linux-image-$kver=$iv $mirror"
	if [ ! -e "$store/.done" ] || [ "$(cat "$store/key" 2>/dev/null)" != "$key" ]; then
		command -v debootstrap >/dev/null || die "$kver: debootstrap is missing (scripts/deps.sh)"
		# 7.x splits the image: vmlinuz in linux-binary-, modules in linux-modules-<kver>.
		pkgs=$(get_deb "linux-image-$kver")
		for dep in $(field "linux-image-$kver" "$iv" Depends | tr ',|' '\n\n' |
			sed -n "s/^ *\(linux-[a-z-]*-$kver\)\( .*\)*\$/\1/p"); do
			pkgs="$pkgs $(get_deb "$dep")"
		done
		rm -rf "$store" "$store.tmp"
		mkdir -p "$store.tmp/root"
		for p in $pkgs; do
			dpkg-deb -x "$p" "$store.tmp/root"
		done
		rm -rf "$store.tmp/root/usr/share/doc"
		# merged /usr: the modules and vmlinuz are under usr/lib/modules/<kver>/
		[ -e "$store.tmp/root/lib" ] || ln -s usr/lib "$store.tmp/root/lib"
		[ -e "$store.tmp/root/lib/modules/$kver/vmlinuz" ] && [ -d "$store.tmp/root/lib/modules/$kver/kernel" ] ||
			die "$kver: linux-image-$kver and its parts lack vmlinuz or modules"
		depmod -b "$store.tmp/root" "$kver"
		c=$store.tmp/chroot
		log "$kver: debootstrap sid into $c"
		debootstrap --variant=minbase --keyring="$keyring" sid "$c" "$mirror" \
			>"$store.tmp/debootstrap.log" 2>&1 ||
			die "$kver: debootstrap sid failed (see $store.tmp/debootstrap.log)"
		log "$kver: linux-headers-$kver $hv into the chroot"
		# shellcheck disable=SC2016 # expanded in the chroot
		chroot "$c" sh -c 'export DEBIAN_FRONTEND=noninteractive
			apt-get -q -o Acquire::Check-Valid-Until=false update &&
			apt-get -q -y --no-install-recommends install make "$1" && apt-get clean' \
			sh "linux-headers-$kver=$hv" >"$store.tmp/apt.log" 2>&1 ||
			die "$kver: linux-headers-$kver $hv does not install in the chroot (see $store.tmp/apt.log)"
		[ -e "$c/usr/src/linux-headers-$kver/Makefile" ] || die "$kver: the chroot has no headers"
		rm -rf "$c/usr/share/doc" "$c/usr/share/man" "$c/usr/share/locale"
		echo "$key" >"$store.tmp/key"
		mv "$store.tmp" "$store"
		touch "$store/.done"
		log "$kver: image unpacked from sid into $store/root, headers in $store/chroot"
	fi
	ln -s "$store/root/lib/modules/$kver/vmlinuz" "$dir/vmlinuz"
	ln -s "$store/root/lib/modules/$kver" "$dir/modules"
	ln -s "$store/chroot/usr/src/linux-headers-$kver" "$dir/headers"
	write_env "$dir" "$kver" sid "$store/chroot/usr/src/linux-headers-$kver" \
		"$store/root/lib/modules/$kver/vmlinuz" "$store/root/lib/modules/$kver" "" "" "$store/chroot"
	touch "$dir/.done"
}

fetch_one() {
	kver=$1
	dir=$kroot/$kver
	[ -e "$dir/.done" ] && [ -e "$dir/headers/Makefile" ] && [ -e "$dir/vmlinuz" ] && return 0
	suite=$(kver_suite "$kver")
	apt_lists "$suite"
	rm -rf "$dir"
	mkdir -p "$dir"

	# Bookworm's own kernel as installed by scripts/deps.sh: just point at it.
	if [ "$suite" = bookworm ] && installed "linux-image-$kver" && installed "linux-headers-$kver" &&
		[ -e "/boot/vmlinuz-$kver" ]; then
		ln -s "/boot/vmlinuz-$kver" "$dir/vmlinuz"
		ln -s "/lib/modules/$kver" "$dir/modules"
		ln -s "/usr/src/linux-headers-$kver" "$dir/headers"
		write_env "$dir" "$kver" "$suite" "/usr/src/linux-headers-$kver" \
			"/boot/vmlinuz-$kver" "/lib/modules/$kver" "" ""
		touch "$dir/.done"
		log "$kver: installed system kernel"
		return 0
	fi

	if [ "$suite" = sid ]; then
		fetch_chroot "$kver"
		return 0
	fi

	# Unpacked once per machine into the cache (fresh clones reuse it), then linked here.
	store=$cache/kernels/$kver
	root=$store/root
	hdir=$root/usr/src/linux-headers-$kver
	if [ ! -e "$store/.done" ]; then
		image=$(get_deb "linux-image-$kver")
		hdr=$(get_deb "linux-headers-$kver")
		hv=$(candidate "linux-headers-$kver")
		pkgs="$image $hdr"
		for dep in $(field "linux-headers-$kver" "$hv" Depends | tr ',|' '\n\n' |
			sed -n 's/^ *\(linux-headers-[^ ]*-common\|linux-kbuild-[^ ]*\).*/\1/p'); do
			pkgs="$pkgs $(get_deb "$dep")"
		done
		# Bullseye's kbuild tools (sign-file, extract-cert) link libssl1.1.
		[ "$suite" = bullseye ] && pkgs="$pkgs $(get_deb libssl1.1)"
		rm -rf "$store" "$store.tmp"
		tmp=$store.tmp/root
		mkdir -p "$tmp"
		for p in $pkgs; do
			dpkg-deb -x "$p" "$tmp"
		done
		rm -rf "$tmp/usr/share/doc"
		[ -e "$tmp/boot/vmlinuz-$kver" ] && [ -d "$tmp/lib/modules/$kver" ] &&
			[ -e "$tmp/usr/src/linux-headers-$kver/Makefile" ] ||
			die "$kver: packages lack vmlinuz, modules or headers"
		# The arch headers include their common tree by absolute path.
		sed -i "s|/usr/src/|$root/usr/src/|g" "$tmp/usr/src/linux-headers-$kver/Makefile"
		ln -sfn "$hdir" "$tmp/lib/modules/$kver/build"
		rm -f "$tmp/lib/modules/$kver/source"
		depmod -b "$tmp" "$kver"
		mv "$store.tmp" "$store"
		touch "$store/.done"
		log "$kver: unpacked from $suite into $store"
	fi
	ln -s "$root/boot/vmlinuz-$kver" "$dir/vmlinuz"
	ln -s "$root/lib/modules/$kver" "$dir/modules"
	ln -s "$hdir" "$dir/headers"
	makevars=
	libpath=
	[ "$suite" = bullseye ] && makevars=CC=gcc && libpath=$root/usr/lib/x86_64-linux-gnu
	write_env "$dir" "$kver" "$suite" "$hdir" "$root/boot/vmlinuz-$kver" \
		"$root/lib/modules/$kver" "$makevars" "$libpath"
	touch "$dir/.done"
}

# Builds a trivial module against the kernel; any compiler warning is a failure.
check_one() {
	kver=$1
	d=$kroot/$kver/hello
	rm -rf "$d"
	mkdir -p "$d"
	cat >"$d/hello.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/init.h>
#include <linux/module.h>

static int __init hello_init(void)
{
	pr_info("hello\n");
	return 0;
}

static void __exit hello_exit(void)
{
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_DESCRIPTION("kernels.sh check: modules build for this kernel");
MODULE_LICENSE("GPL");
EOF
	echo 'obj-m := hello.o' >"$d/Kbuild"
	if ! "$kroot/$kver/kmake" M="$d" modules >"$d/build.log" 2>&1 || [ ! -e "$d/hello.ko" ]; then
		cat "$d/build.log" >&2
		die "$kver: hello module does not build"
	fi
	if grep -i 'warning' "$d/build.log" >&2; then
		die "$kver: hello module builds with warnings"
	fi
	log "$kver: hello module builds warning-free"
}

list() {
	for s in $suites; do
		suite_kver "$s"
	done
}

cmd=${1:-}
[ $# -gt 0 ] && shift
mkdir -p "$cache/apt"
# One kernels.sh at a time per machine: they share the private apt roots.
exec 9>"$cache/kernels.lock"
flock 9
case $cmd in
list)
	list
	;;
fetch | check)
	all=no
	if [ $# -eq 0 ]; then
		all=yes
		# shellcheck disable=SC2046 # one release a line, no spaces
		set -- $(list)
	fi
	mkdir -p "$kroot"
	for k in "$@"; do
		fetch_one "$k"
		if [ "$cmd" = check ]; then
			check_one "$k"
		fi
	done
	# After a full fetch, drop kernels that left the matrix (a new Debian ABI).
	if [ $all = yes ]; then
		for d in "$kroot"/*/; do
			case " $* " in *" $(basename "$d") "*) ;; *) log "removing old $d" && rm -rf "$d" ;; esac
		done
		# and sid's build chroots of releases sid has moved past (600 MB each)
		for d in "$cache"/kernels/*/; do
			case " $* " in *" $(basename "$d") "*) continue ;; esac
			case $(cat "$d/key" 2>/dev/null) in
			"sid chroot "*) log "removing old $d" && rm -rf "$d" ;;
			esac
		done
	fi
	;;
env)
	# env KVER SUITE KDIR VMLINUZ MODDIR: build/kernels/KVER/{make.env,kmake} for a kernel
	# of another origin (the kdebug tier's), so the qemu and vpc tiers build for it too
	[ $# -eq 5 ] || { echo "usage: $0 env KVER SUITE KDIR VMLINUZ MODDIR" >&2 && exit 2; }
	mkdir -p "$kroot/$1"
	write_env "$kroot/$1" "$@" "" ""
	;;
*)
	echo "usage: $0 list | fetch [KVER...] | check [KVER...] | env KVER SUITE KDIR VMLINUZ MODDIR" >&2
	exit 2
	;;
esac
exit 0
