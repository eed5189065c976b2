#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# QEMU tier: for each kernel of the matrix, fetch it, build eni_notify.ko for it, build the
# initramfs with the guest tests, boot it under TCG and serve the guest's hot-plug requests.
# Usage: tests/qemu/run.sh [KVER...]    (default: $KERNELS, else scripts/kernels.sh list;
#                                        a prefix such as 6.1 picks from that list)
# Environment: KERNELS, ENI_QEMU_TIMEOUT (s per kernel, default 600), ENI_QEMU_BOOT=bzimage
# (boot the compressed image instead of the unpacked vmlinux), ENI_QEMU_NOFETCH=1 (KERNELS
# are kernels whose build/kernels/<kver>/make.env someone else wrote, e.g. tests/kdebug: not
# in the matrix, not fetched), ENI_QEMU_GUEST_EXTRA (a folder of more guest programs, with
# its own run-guest.sh), ENI_GUEST_MEM and ENI_GUEST_APPEND (vm.py).
# Prints TAP lines and '# ' lines only; logs are in build/qemu/. Exits non-zero only when
# the harness itself broke.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/qemu
count=$out/tap.count
broke=0
mkdir -p "$out"
# shellcheck source=tests/lib/tier.sh
. "$top/tests/lib/tier.sh"
# Runs on one machine share build/qemu: one at a time.
exec 8>"$out/.lock"
if ! flock -n 8; then
	echo "# waiting for another tests/qemu/run.sh"
	flock 8
fi
echo 0 >"$count"

tap() { # "ok"|"not ok" description
	local n=$(($(cat "$count") + 1))
	echo "$n" >"$count"
	echo "$1 $n $2"
}

# Shows a log's last lines as diagnostics.
show() { # log [lines]
	tail -n "${2:-30}" "$1" | sed 's/^/# /'
}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

for c in qemu-system-x86_64 busybox cpio gzip depmod modinfo python3 make gcc; do
	if ! command -v "$c" >/dev/null; then
		tap "not ok" "qemu tier prerequisites: $c is missing (run scripts/deps.sh)"
		exit 1
	fi
done

want="$* ${KERNELS:-}"
if [ -n "${ENI_QEMU_NOFETCH:-}" ]; then
	matrix=$want
elif ! matrix=$("$top/scripts/kernels.sh" list 2>"$out/kernels-list.log"); then
	tap "not ok" "kernel matrix resolves from the Debian archive"
	show "$out/kernels-list.log"
	exit 1
fi
kernels=$(kernels_pick "$want" "$matrix")
# shellcheck disable=SC2086
echo "# kernels:" $kernels

if python3 "$here/hostproto_test.py" >"$out/hostproto-test.log" 2>&1; then
	tap ok "host side of the guest protocol passes its unit tests"
else
	tap "not ok" "host side of the guest protocol passes its unit tests"
	show "$out/hostproto-test.log"
fi

# Guest programs: built once, shared by every kernel.
guest=$top/build/guest
if [ -f "$here/guest/Makefile" ]; then
	if "$top/scripts/kselftest.sh" >"$out/guest-build.log" 2>&1 &&
		make -C "$here/guest" O="$guest" >>"$out/guest-build.log" 2>&1; then
		tap ok "guest test programs build"
	else
		tap "not ok" "guest test programs build"
		show "$out/guest-build.log"
		guest=$out/no-guest
		mkdir -p "$guest"
	fi
else
	echo "# no tests/qemu/guest/Makefile: the guest runs no tests"
	guest=$out/no-guest
	mkdir -p "$guest"
fi

# More guest programs (tests/kdebug): merged with the qemu tier's, their run-guest.sh wins.
if [ -n "${ENI_QEMU_GUEST_EXTRA:-}" ]; then
	rm -rf "$out/guest-merged" && mkdir -p "$out/guest-merged"
	cp -a "$guest/." "${ENI_QEMU_GUEST_EXTRA}/." "$out/guest-merged/"
	guest=$out/guest-merged
fi

# The daemon, for the guest's enid tests (tests/qemu/guest/enid.c).
daemon=$top/build/daemon
if make -C "$top/daemon" >"$out/daemon-build.log" 2>&1 &&
	[ -x "$daemon/enid" ] && [ -x "$daemon/enictl" ]; then
	tap ok "enid and enictl build for the guest"
else
	tap "not ok" "enid and enictl build for the guest"
	show "$out/daemon-build.log"
	daemon=
fi

# The kernel's ynl CLI with a python3 for it (guest/ynl_test.py runs it), built once.
ynlroot=$out/ynl-root
if ! "$top/scripts/ynl.sh" >"$out/ynl-root.log" 2>&1; then
	tap ok "ynl CLI for the guest # SKIP scripts/ynl.sh could not get linux-source-6.12's tools/net/ynl"
	show "$out/ynl-root.log" 5
	ynlroot=
elif "$here/mkynlroot.sh" "$ynlroot" >>"$out/ynl-root.log" 2>&1; then
	tap ok "ynl CLI from linux-source-6.12 $(cat "$top/build/ynl/VERSION") and python3 for the guest"
else
	tap "not ok" "ynl CLI from linux-source-6.12 and python3 for the guest"
	show "$out/ynl-root.log"
	ynlroot=
fi

for k in $kernels; do
	d=$out/$k
	mkdir -p "$d"
	t0=$(now)
	if [ -n "${ENI_QEMU_NOFETCH:-}" ]; then
		[ -e "$top/build/kernels/$k/make.env" ] || {
			tap "not ok" "[$k] ENI_QEMU_NOFETCH: build/kernels/$k/make.env exists"
			broke=1
			continue
		}
	elif ! "$top/scripts/kernels.sh" fetch "$k" >"$d/fetch.log" 2>&1; then
		tap "not ok" "[$k] kernel fetched from the Debian archive"
		show "$d/fetch.log"
		broke=1
		continue
	fi
	t1=$(now)
	VMLINUZ=''
	# shellcheck disable=SC1090
	. "$top/build/kernels/$k/make.env"

	# A private copy of the module's sources per kernel, so builds never clobber each other.
	src=$d/src
	rm -rf "$src"
	mkdir -p "$src/kmod"
	cp -a "$top/include" "$src/"
	find "$top/kmod" -maxdepth 1 -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) \
		-exec cp {} "$src/kmod/" \;
	# kmake: the kernel's make with its environment (sid's: inside its build chroot)
	if "$top/build/kernels/$k/kmake" M="$src/kmod" modules >"$d/kmod-build.log" 2>&1 &&
		[ -e "$src/kmod/eni_notify.ko" ]; then
		if grep -qiE 'warning' "$d/kmod-build.log"; then
			tap "not ok" "[$k] eni_notify.ko builds warning-free"
			grep -iE -A3 'warning' "$d/kmod-build.log" | head -n 30 | sed 's/^/# /'
		else
			tap ok "[$k] eni_notify.ko builds warning-free"
		fi
		ko=$src/kmod/eni_notify.ko
	else
		tap "not ok" "[$k] eni_notify.ko builds"
		show "$d/kmod-build.log"
		tap ok "[$k] guest tests # SKIP eni_notify.ko did not build"
		continue
	fi
	t2=$(now)

	kernel=$VMLINUZ
	if [ "${ENI_QEMU_BOOT:-}" != bzimage ]; then
		if [ "$d/vmlinux" -nt "$VMLINUZ" ] ||
			python3 "$here/vmlinux.py" "$VMLINUZ" "$d/vmlinux" 2>"$d/vmlinux.log"; then
			kernel=$d/vmlinux
		else
			echo "# $k: booting the bzImage: $(cat "$d/vmlinux.log")"
		fi
	fi
	if ! "$here/mkinitramfs.sh" -k "$ko" -g "$guest" ${daemon:+-d "$daemon"} \
		${ynlroot:+-x "$ynlroot"} "$k" \
		"$d/initramfs.cpio.gz" \
		>"$d/initramfs.log" 2>&1; then
		tap "not ok" "[$k] initramfs builds"
		show "$d/initramfs.log"
		broke=1
		continue
	fi
	t3=$(now)

	python3 "$here/vm.py" --kver "$k" --kernel "$kernel" --initrd "$d/initramfs.cpio.gz" \
		--outdir "$d" --tap-count "$count" 2>"$d/vm.log"
	rc=$?
	if [ $rc -ne 0 ]; then
		show "$d/vm.log"
		broke=1
	fi
	# Figures the guest measured ("# figure: ..." lines of serial.log).
	sed -n "s/^\[[ 0-9.]*\] # figure: /# figure $k: /p" "$d/serial.log" 2>/dev/null
	t4=$(now)
	echo "# timing $k: fetch $(secs "$t0" "$t1") s, kmod $(secs "$t1" "$t2") s," \
		"initramfs $(secs "$t2" "$t3") s, qemu $(secs "$t3" "$t4") s"
done
exit $broke
