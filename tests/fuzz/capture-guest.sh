#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Captures what eni_notify really sends, as fuzz seeds (run by hand, as root; the seeds
# are committed): boots one kernel of the matrix under QEMU (TCG, no network) with the
# module loaded for veth, and tests/fuzz/guest_capture.c there records the nlctrl answer
# for the family, the events of a veth pair added, changed and deleted, and a dump. Its
# "# seed <target>/<name> <hex>" lines become tests/fuzz/corpus/<target>/<name>.
# Usage: tests/fuzz/capture-guest.sh [KVER]   (default: 6.1 of scripts/kernels.sh list)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/fuzz/guest
k=${1:-$("$top/scripts/kernels.sh" list | grep '^6\.1\.' | head -n 1)}
[ -n "$k" ] || { echo "capture-guest: no kernel given and no 6.1 in the matrix" >&2; exit 1; }

"$top/scripts/kernels.sh" fetch "$k"
VMLINUZ=
# shellcheck disable=SC1090
. "$top/build/kernels/$k/make.env"
rm -rf "$out"
mkdir -p "$out/src/kmod" "$out/bin"
cp -a "$top/include" "$out/src/"
cp "$top"/kmod/*.[ch] "$top/kmod/Kbuild" "$top/kmod/Makefile" "$out/src/kmod/"
"$top/build/kernels/$k/kmake" M="$out/src/kmod" modules >"$out/kmod.log" 2>&1 ||
	{ tail -n 20 "$out/kmod.log" >&2; exit 1; }

d=$top/daemon
# shellcheck disable=SC2046 # pkg-config output is a word list
gcc -std=gnu11 -O1 -D_GNU_SOURCE -Wall -Wextra -Werror -isystem "$top/include/uapi" -I "$d" \
	-o "$out/bin/capture" "$top/tests/fuzz/guest_capture.c" "$d/genl_ctrl.c" "$d/eni_msg.c" \
	"$d/nl_msg.c" "$d/nl_util.c" "$d/json_out.c" "$d/log.c" \
	$(pkg-config --cflags --libs libmnl json-c)
cat >"$out/run-guest.sh" <<'EOF'
#!/bin/sh
modprobe veth && insmod /opt/eni/eni_notify.ko drivers=veth && /opt/eni/bin/capture
EOF
chmod +x "$out/run-guest.sh"
"$top/tests/qemu/mkinitramfs.sh" -k "$out/src/kmod/eni_notify.ko" -g "$out/bin" \
	-r "$out/run-guest.sh" "$k" "$out/initramfs.cpio.gz" >"$out/initramfs.log" 2>&1 ||
	{ tail -n 20 "$out/initramfs.log" >&2; exit 1; }
python3 "$top/tests/qemu/vm.py" --kver "$k" --kernel "$VMLINUZ" \
	--initrd "$out/initramfs.cpio.gz" --outdir "$out" --timeout 120

# "# seed target/name hex" -> tests/fuzz/corpus/target/name
sed -n 's/^.*# seed \([a-z_]*\/[A-Za-z0-9_.-]*\) \([0-9a-f]*\)\r*$/\1 \2/p' "$out/serial.log" |
	while read -r name hex; do
		echo "$hex" | xxd -r -p >"$top/tests/fuzz/corpus/$name"
		echo "capture-guest: tests/fuzz/corpus/$name ($(wc -c <"$top/tests/fuzz/corpus/$name") bytes)"
	done
grep -q '^.*ok 1 capture eni_notify messages' "$out/serial.log"
