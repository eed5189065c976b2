#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs enid with the file-system view its unit gives it, without systemd as PID 1, read
# from the unit: every mount read-only (ProtectSystem=strict), /proc/sys read-only
# (ProtectKernelTunables=yes), the unit's ReadWritePaths= writable again, a private /tmp
# (PrivateTmp=yes), and the run dir writable only with RuntimeDirectory=enid. In a namespace of its own, with a veth primary
# (default route) and a veth ENI with a static [MAC] section, enid must configure the ENI
# and log no write refused.
# Usage: tests/pkg/sandbox.sh ENID UNIT OUTDIR  (root; exit 0 when enid configured the ENI)
set -eu
enid=$1
unit=$2
out=$3
ns=enipkg-$$
mac=02:00:5e:77:01:10
# What the sandboxed enid reads and writes (its binary, config, run dir) lives in box: OUTDIR,
# or under /run when OUTDIR is under /tmp, which the private /tmp hides.
case $out/ in
/tmp/*) box=$(mktemp -d /run/enipkg.XXXXXX) && cp "$enid" "$box/enid" && enid=$box/enid ;;
*) box=$out ;;
esac
mkdir -p "$box/run" "$out/tmp"
chmod 0700 "$box/run"

cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
	[ "$box" = "$out" ] || rm -rf "$box"
}
trap cleanup EXIT

# Primary prim0 (10.77.0.2, the main default route) and ENI eni0, peers in the namespace.
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add prim0 type veth peer name prim0p
ip -n "$ns" link add eni0 address "$mac" type veth peer name eni0p
for l in prim0 prim0p eni0p; do ip -n "$ns" link set "$l" up; done
ip -n "$ns" addr add 10.77.0.2/24 dev prim0
ip -n "$ns" route add default via 10.77.0.1 dev prim0

conf=$(cat <<EOF
[global]
source = rtnl
addressing = static
drivers = veth
primary = prim0
udev = no

[$mac]
address = 10.77.1.10/24
gateway = 10.77.1.1
EOF
)

has() { grep -qx "$1" "$unit"; }
has ProtectSystem=strict && strict=1 || strict=
has ProtectKernelTunables=yes && tunables=1 || tunables=
has PrivateTmp=yes && ptmp=1 || ptmp=
has RuntimeDirectory=enid && rtdir=1 || rtdir=
rw=$(sed -n 's/^ReadWritePaths=//p' "$unit" | tr '\n' ' ')
echo "unit: strict=${strict:-no} tunables=${tunables:-no} private-tmp=${ptmp:-no}" \
	"runtime-dir=${rtdir:-no} read-write: ${rw:-none}"

# The sandbox: read-only mounts but /proc, /sys, /dev; then the writable exceptions (a
# bind mount copies the read-only flag of its source, so each is remounted rw).
view='set -e
printf "%s\n" "$CONF" >"$OUT/enid.conf"
[ -z "$STRICT" ] || findmnt -rno TARGET | grep -vE "^/(proc|sys|dev)(/|$)" | sort -r |
	while read -r m; do mount -o remount,bind,ro "$m" 2>/dev/null || :; done
[ -z "$TUNABLES" ] || { mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys; }
for d in $RW; do mount --bind "$d" "$d" && mount -o remount,bind,rw "$d"; done
[ -z "$RTDIR" ] || mount -t tmpfs -o mode=0700 tmpfs "$RUN"
[ -z "$PTMP" ] || mount -t tmpfs tmpfs /tmp
if [ -n "$STRICT" ] && touch /etc/.enid-pkg-probe 2>/dev/null; then
	rm -f /etc/.enid-pkg-probe && echo "sandbox: /etc is still writable" && exit 1
fi
exec "$ENID" -v -c "$OUT/enid.conf" --run-dir "$RUN"'
OUT=$box RUN=$box/run ENID=$enid CONF=$conf STRICT=$strict TUNABLES=$tunables RW=$rw \
	RTDIR=$rtdir PTMP=$ptmp ip netns exec "$ns" \
	unshare -m --propagation private sh -c "$view" >"$out/enid.log" 2>&1 &
pid=$!

ok=
for _ in $(seq 100); do
	if ip -n "$ns" -4 addr show dev eni0 | grep -q '10.77.1.10/24' &&
		ip -n "$ns" rule show | grep -q "from 10.77.1.10 goto " &&
		[ "$(ip -n "$ns" rule show | grep -c "from all lookup 1001 .*proto 222")" -ge 2 ] &&
		[ "$(ip netns exec "$ns" cat /proc/sys/net/ipv4/conf/eni0/arp_ignore)" = 1 ]; then
		ok=1
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
sleep 0.3 # the announcements and the arp_filter record follow the configuration
echo "enid's log (sandboxed):"
cat "$out/enid.log"
ip -n "$ns" rule show | grep "proto 222" | sed "s/^/rule: /"
[ -n "$ok" ] || { echo "enid did not configure eni0 in the sandbox"; exit 1; }
if grep -iE 'read-only|EROFS|permission denied' "$out/enid.log"; then
	echo "enid had a write refused in the sandbox"
	exit 1
fi
