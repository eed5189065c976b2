#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An image tier disk: the cached base tree (mkbase.sh) seen through an overlay, our
# packages of INSTALL_DIR installed into it in a chroot with dpkg (DKMS builds eni_notify
# natively for the image's kernel there), those of CARRY_DIR (the upgrade's) put under
# /opt/eni/debs, the test agent and the primary's .network added, then written out with
# mkfs.ext4 -d (no loop device, no mount of the image). OUT/disk.raw is remade only when
# its inputs change (OUT/disk.key); each boot writes to a qcow2 overlay of it.
# Usage: mkrun.sh BASEDIR OUT INSTALL_DIR [CARRY_DIR]
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

log() { echo "mkrun: $*" >&2; }
die() { log "$*"; exit 1; }

[ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: mkrun.sh BASEDIR OUT INSTALL_DIR [CARRY_DIR]"
base=$1 out=$2
[ -e "$base/done" ] || die "$base is not a finished base image (no done stamp)"
# Our two packages (not the -dbgsym one) of a folder, one of each.
debs() { # dir
	local p f
	for p in enid eni-notify-dkms; do
		f=$(echo "$1/${p}_"*.deb)
		[ -f "$f" ] || die "$1 holds no ${p}_*.deb, or several"
		echo "$f"
	done
}
install=$(debs "$3")
carry=
[ $# -eq 4 ] && carry=$(debs "$4")
primary_mac=$(python3 -c "import sys; sys.path.insert(0, '$top/tests/vpc'); import layout; print(layout.PRIMARY_MAC)")

key=$( { basename "$base"; cat "$0" "$here"/guest/* "$top/tests/vpc/guest/agent.sh";
	# shellcheck disable=SC2086 # one path a word
	sha256sum $install | cut -d' ' -f1; echo carry; sha256sum $carry | cut -d' ' -f1; } |
	sha256sum | cut -c1-16)
mkdir -p "$out"
if [ -f "$out/disk.raw" ] && [ "$(cat "$out/disk.key" 2>/dev/null)" = "$key" ]; then
	log "disk $key is up to date"
	exit 0
fi
rm -f "$out/disk.raw" "$out/disk.key"
tmp=$out/tmp
rm -rf "$tmp" && mkdir -p "$tmp/upper" "$tmp/work" "$tmp/merged" "$tmp/install" "$tmp/debs"
# shellcheck disable=SC2086 # one path a word
cp $install "$tmp/install/" && { [ -z "$carry" ] || cp $carry "$tmp/debs/"; }
kver=$(cat "$base/kver")

# Everything in one private mount namespace: the overlay and the chroot's /proc, /dev and
# /sys vanish with it; they are unmounted before mkfs copies the tree.
inner=$(cat <<'EOF'
lower=$1 tmp=$2 here=$3 top=$4 kver=$5 mac=$6 disk=$7
m=$tmp/merged
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$tmp/upper,workdir=$tmp/work" "$m"
mkdir -p "$m/opt/eni/debs" "$m/tmp/eni-install"
cp -r "$tmp/debs/." "$m/opt/eni/debs/"
cp "$tmp/install/"* "$m/tmp/eni-install/"
mount -t proc proc "$m/proc"
mount --bind /dev "$m/dev"
mount -t sysfs sysfs "$m/sys"
printf '#!/bin/sh\nexit 101\n' >"$m/usr/sbin/policy-rc.d"
chmod 755 "$m/usr/sbin/policy-rc.d"
if ! chroot "$m" sh -c 'DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/eni-install/*.deb' \
	>"$tmp/dpkg.log" 2>&1; then
	echo "mkrun: dpkg -i of our packages in the chroot failed:" >&2
	tail -n 15 "$tmp/dpkg.log" >&2
	exit 1
fi
rm -rf "$m/usr/sbin/policy-rc.d" "$m/tmp/eni-install"
# DKMS must have built and installed the module for the image's kernel, not the host's.
if ! chroot "$m" dkms status -k "$kver" | grep -q 'installed'; then
	echo "mkrun: DKMS did not install eni_notify for $kver: $(chroot "$m" dkms status)" >&2
	tail -n 15 "$tmp/dpkg.log" >&2
	exit 1
fi
chroot "$m" dkms status >"$tmp/dkms-status"
umount "$m/sys" "$m/dev" "$m/proc"
# The test agent on ttyS1, the primary's DHCP and the variants' selector.
install -m 755 "$top/tests/vpc/guest/agent.sh" "$here/guest/agent-tty" "$m/opt/eni/"
install -m 644 "$here/guest/eni-agent.service" "$m/etc/systemd/system/"
ln -sf /etc/systemd/system/eni-agent.service "$m/etc/systemd/system/multi-user.target.wants/"
sed "s/@PRIMARY_MAC@/$mac/" "$here/guest/primary.network" >"$m/etc/systemd/network/10-primary.network"
# The coexistence variants: eni.variant= on the command line picks a network stack.
install -D -m 755 "$here/guest/eni-variant" "$m/etc/systemd/system-generators/eni-variant"
install -m 644 "$here/guest/eni-docker0.service" "$m/etc/systemd/system/"
install -m 644 "$here/guest/cloud-eni-test.cfg" "$m/etc/cloud/cloud.cfg.d/90-eni-test.cfg"
mkfs.ext4 -q -F -L root -d "$m" "$disk.tmp" 4G >/dev/null
mv "$disk.tmp" "$disk"
EOF
)
unshare --mount --propagation private bash -eu -o pipefail -c "$inner" inner \
	"$base/root" "$tmp" "$here" "$top" "$kver" "$primary_mac" "$out/disk.raw" </dev/null
cp "$tmp/dpkg.log" "$out/dpkg.log"
log "$(cat "$tmp/dkms-status")"
rm -rf "$tmp"
echo "$key" >"$out/disk.key"
log "disk $key: $(du -m "$out/disk.raw" | cut -f1) MB used of 4096"
