#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packaging tier: `make deb` and what the two packages hold (files, dependencies, one
# version everywhere, lintian without errors), the unit's exposure score and its drift
# against the daemon's sources, the man pages (lint, coverage), and make install/uninstall
# into a DESTDIR leaving nothing behind. Nothing is installed on this machine.
# Usage: tests/pkg/run.sh    (prints TAP lines and '# ' lines, logs in build/pkg/)
set -u -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/pkg
out=$top/build/pkg
rm -rf "$out" && mkdir -p "$out"
# shellcheck source=tests/lib/tier.sh
. "$top/tests/lib/tier.sh"
n=0
MAX_EXPOSURE=2.5

result() { # description command...  (ok when the command succeeds; its output as '# ')
	local what=$1 log
	shift
	log=$out/check-$((n + 1)).log
	if "$@" >"$log" 2>&1; then
		tap ok "$what"
	else
		tap "not ok" "$what"
		tail -n 20 "$log" | sed 's/^/# /'
	fi
}
skip() { tap ok "$1 # SKIP $2"; }

for tool in dpkg-buildpackage dh_dkms lintian mandoc systemd-analyze; do
	if ! command -v "$tool" >/dev/null; then
		skip "pkg tier" "$tool is missing (scripts/deps.sh pkg)"
		exit 0
	fi
done

version=$(sed -n '1s/^[^ ]* (\([^ ]*\)).*/\1/p' "$top/debian/changelog")
echo "# pkg: version $version (debian/changelog)"

# --- make deb ---
t0=$(date +%s)
result "make deb builds enid and eni-notify-dkms into build/deb/" \
	sh -c "make -C '$top' --no-print-directory deb && test -f '$top/build/deb/enid_${version}_amd64.deb' &&
		test -f '$top/build/deb/eni-notify-dkms_${version}_all.deb'"
echo "# make deb took $(($(date +%s) - t0)) s"
enid_deb=$top/build/deb/enid_${version}_amd64.deb
dkms_deb=$top/build/deb/eni-notify-dkms_${version}_all.deb
if [ ! -f "$enid_deb" ] || [ ! -f "$dkms_deb" ]; then
	tail -n 30 "$top/build/deb/build.log" 2>/dev/null | sed 's/^/# /'
	exit 0
fi
x=$out/root
mkdir -p "$x/enid" "$x/dkms"
dpkg-deb -x "$enid_deb" "$x/enid" && dpkg-deb -e "$enid_deb" "$x/enid.ctl"
dpkg-deb -x "$dkms_deb" "$x/dkms" && dpkg-deb -e "$dkms_deb" "$x/dkms.ctl"
for d in "$enid_deb" "$dkms_deb"; do
	echo "# $(dpkg-deb -f "$d" Package) $(dpkg-deb -f "$d" Version): Installed-Size" \
		"$(dpkg-deb -f "$d" Installed-Size) KiB, .deb $(($(stat -c %s "$d") / 1024)) KiB"
done

# --- what the packages hold ---
has() { # root path...
	local r=$1 p
	shift
	for p in "$@"; do [ -e "$r$p" ] || { echo "missing $p"; return 1; }; done
}
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
result "enid holds enid, enictl, the unit, the man pages, the example, /etc/enid/enid.conf, bash completions" \
	has "$x/enid" /usr/sbin/enid /usr/bin/enictl "$unitdir/enid.service" \
	/usr/share/bash-completion/completions/enictl /usr/share/bash-completion/completions/enid \
	/usr/share/man/man8/enid.8.gz /usr/share/man/man8/enictl.8.gz \
	/usr/share/man/man5/enid.conf.5.gz /usr/share/doc/enid/examples/enid.conf.example \
	/etc/enid/enid.conf
result "/etc/enid/enid.conf is a conffile" grep -qx /etc/enid/enid.conf "$x/enid.ctl/conffiles"
result "the shipped enid.conf is valid (enid --check-config)" \
	"$x/enid/usr/sbin/enid" --check-config -c "$x/enid/etc/enid/enid.conf"
src=/usr/src/eni-notify-$version
result "eni-notify-dkms holds the module source, dkms.conf, a modules-load.d entry, eni_notify(4)" \
	has "$x/dkms" "$src/dkms.conf" "$src/kmod/Kbuild" "$src/kmod/main.c" \
	"$src/include/uapi/linux/eni_notify.h" /usr/lib/modules-load.d/eni-notify.conf \
	/usr/share/man/man4/eni_notify.4.gz
result "modules-load.d loads eni_notify" grep -qx eni_notify "$x/dkms/usr/lib/modules-load.d/eni-notify.conf"
result "eni-notify-dkms registers with DKMS on install (postinst) and removes on remove (prerm)" \
	sh -c "grep -q 'common.postinst' '$x/dkms.ctl/postinst' && grep -q 'dkms remove' '$x/dkms.ctl/prerm'"
result "removing enid flushes what it added (prerm: enid --flush on remove, after the stop)" \
	sh -c "grep -q 'enid --flush' '$x/enid.ctl/prerm' && sh -n '$x/enid.ctl/prerm'"
result "enid.service is enabled and started on install (postinst)" \
	sh -c "grep -q 'deb-systemd-helper enable' '$x/enid.ctl/postinst' && grep -q 'deb-systemd-invoke' '$x/enid.ctl/postinst'"

# Every library enid loads is a dependency: its DT_NEEDED ones, and any soname it names (dlopen).
deps_cover() {
	local depends libs lib path pkg bad=0
	depends=$(dpkg-deb -f "$enid_deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//')
	libs=$(objdump -p "$x/enid/usr/sbin/enid" | awk '/NEEDED/ {print $2}')
	libs="$libs $(grep -ao 'lib[a-z0-9_-]*\.so\.[0-9]*' "$x/enid/usr/sbin/enid" | grep -v '^libc\.' | sort -u)"
	for lib in $(echo "$libs" | tr ' ' '\n' | sort -u); do
		path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}')
		[ -n "$path" ] || { echo "$lib: not on this machine"; bad=1; continue; }
		pkg=$( (dpkg -S "$(readlink -f "$path")" || dpkg -S "$path" ||
			dpkg -S "/usr$(readlink -f "$path")") 2>/dev/null | head -n1 | cut -d: -f1)
		if echo "$depends" | grep -qx "$pkg"; then
			echo "$lib: $pkg"
		else
			echo "$lib: $pkg is not in Depends"
			bad=1
		fi
	done
	return $bad
}
result "enid depends on the package of every library it loads (DT_NEEDED and dlopen()ed sonames)" deps_cover
sed 's/^/# /' "$out/check-$n.log"

# --- one version ---
versions() {
	echo "debian/changelog $version"
	echo "enid.deb $(dpkg-deb -f "$enid_deb" Version)"
	echo "eni-notify-dkms.deb $(dpkg-deb -f "$dkms_deb" Version)"
	"$x/enid/usr/sbin/enid" --version
	"$x/enid/usr/bin/enictl" --version
	echo "dkms.conf(tree) $(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")"
	echo "dkms.conf(package) $(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$x/dkms$src/dkms.conf")"
}
one_version() { versions && [ "$(versions | awk '{print $NF}' | sort -u)" = "$version" ]; }
result "one version: changelog, packages, enid/enictl --version, dkms.conf" one_version

# modinfo: build the packaged source the way DKMS does (dkms.conf's MAKE[0]) against the
# bookworm kernel of the matrix (headers unpacked into the cache by scripts/kernels.sh).
kver=$("$top/scripts/kernels.sh" list 2>/dev/null | grep '^6\.1\.' | tail -n 1)
if [ -n "$kver" ] && "$top/scripts/kernels.sh" fetch "$kver" >"$out/kernels.log" 2>&1; then
	KDIR='' KMAKEVARS='' KLIBPATH=''
	# shellcheck disable=SC1090
	. "$top/build/kernels/$kver/make.env"
	modbuild() {
		cp -a "$x/dkms$src" "$out/dkms-src" && cd "$out/dkms-src" || return 1
		# shellcheck disable=SC1091,SC2034
		kernelver=$kver && kernel_source_dir=$KDIR && . ./dkms.conf || return 1
		eval "${MAKE[0]} KDIR=$KDIR $KMAKEVARS" || return 1
		echo "modinfo version: $(/sbin/modinfo -F version kmod/eni_notify.ko)"
		[ "$(/sbin/modinfo -F version kmod/eni_notify.ko)" = "$version" ]
	}
	result "modinfo eni_notify shows $version (packaged source, dkms.conf's MAKE, $kver)" modbuild
else
	skip "modinfo eni_notify shows $version" "no 6.1 kernel headers (scripts/kernels.sh fetch; see build/pkg/kernels.log)"
fi

# --- lintian ---
lintian --allow-root -I "$enid_deb" "$dkms_deb" >"$out/lintian.log" 2>&1
grep -E '^[WIP]: ' "$out/lintian.log" | sed 's/^/# lintian: /'
result "lintian reports no errors (E:) on either package" \
	sh -c "! grep -E '^E: ' '$out/lintian.log'"

# --- the unit ---
unit=$x/enid$unitdir/enid.service
systemd-analyze security --offline=true "$unit" >"$out/security.log" 2>&1
score=$(sed -n 's/.*Overall exposure level for enid.service: \([0-9.]*\).*/\1/p' "$out/security.log")
echo "# systemd-analyze security --offline=true enid.service: exposure ${score:-?}"
grep '✗' "$out/security.log" | sed 's/  */ /g; s/^/#   /'
result "enid.service exposure ${score:-?} is at most $MAX_EXPOSURE" \
	awk -v s="${score:-99}" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'
result "enid.service keeps its hardening, allows every socket family and path enid uses" \
	python3 "$here/checks.py" unit "$top" "$unit"
result "enid.service: systemd-analyze verify finds nothing wrong" \
	sh -c "systemd-analyze verify --man=no '$unit' 2>&1 | grep -v 'is not executable' | grep . && exit 1 || exit 0"
result "enid.service orders enid after udevd and network.target, before network-online.target" \
	sh -c "grep -qx 'After=systemd-udevd.service network.target' '$unit' &&
		grep -qx 'Before=network-online.target' '$unit'"

# enid itself under the unit's file-system view (no systemd as PID 1 here: the image tier
# boots the unit for real).
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	result "packaged enid configures an ENI under the unit's read-only view (ProtectSystem, ReadWritePaths, RuntimeDirectory)" \
		"$here/sandbox.sh" "$x/enid/usr/sbin/enid" "$unit" "$out/sandbox"
else
	skip "packaged enid under the unit's file-system view" "needs root and unshare"
fi

# --- man pages ---
lint() {
	local m rc=0
	for m in "$top"/man/*; do
		mandoc -Tlint -W warning "$m" || rc=1
		[ -z "$(groff -ww -z -man "$m" 2>&1)" ] || { groff -ww -z -man "$m"; rc=1; }
	done
	return $rc
}
result "man pages render without warnings (mandoc -Tlint, groff -ww)" lint
result "man pages document every config key, enictl command, option and module parameter" \
	python3 "$here/checks.py" man "$top"

# --- make install / uninstall into a DESTDIR ---
dest=$out/destdir
obj=$out/daemon # a private build: the compiled-in paths differ from build/daemon's
inst() {
	make -C "$top" --no-print-directory "$@" DESTDIR="$dest" PREFIX=/opt/eni \
		SYSCONFDIR=/opt/eni/etc O="$obj" >>"$out/install.log" 2>&1
}
installed() {
	has "$dest" /opt/eni/sbin/enid /opt/eni/bin/enictl /opt/eni/etc/enid/enid.conf \
		"$unitdir/enid.service" /opt/eni/share/doc/enid/examples/enid.conf.example \
		/opt/eni/share/man/man8/enid.8 /opt/eni/share/man/man5/enid.conf.5 \
		/opt/eni/share/man/man8/enictl.8 /opt/eni/share/man/man4/eni_notify.4 \
		/opt/eni/share/bash-completion/completions/enictl \
		/opt/eni/share/bash-completion/completions/enid &&
		grep -q '^ExecStart=/opt/eni/sbin/enid$' "$dest$unitdir/enid.service" &&
		"$dest/opt/eni/sbin/enid" --help | grep -q 'default /opt/eni/etc/enid/enid.conf' &&
		[ "$("$dest/opt/eni/sbin/enid" --version)" = "enid $version" ]
}
leftovers() { find "$dest" ! -type d | sed "s|^$dest||"; }
result "make install DESTDIR PREFIX SYSCONFDIR: files in place, unit in systemd's unit dir, config path compiled in" \
	eval 'inst install && installed'
echo "# changed" >>"$dest/opt/eni/etc/enid/enid.conf"
inst uninstall
result "make uninstall keeps an edited enid.conf and removes everything else" \
	eval '[ "$(leftovers)" = /opt/eni/etc/enid/enid.conf ]'
rm -f "$dest/opt/eni/etc/enid/enid.conf"
inst install && inst uninstall
result "make install then uninstall leaves no file behind" eval '[ -z "$(leftovers)" ]'
leftovers | sed 's/^/# left: /'
exit 0
