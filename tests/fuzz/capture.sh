#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Captures real kernel dumps as seeds for the fuzz targets (run by hand, as root; the
# seeds are committed): a private network namespace is set up the way enid leaves a
# host (an ENI-like veth with addresses, its table with protocol-222 routes, a
# multipath route, the per-address rules and the suppress_prefixlength guard, a bridge,
# foreign rules with other selectors), then links, addresses, routes and rules are
# dumped there and the nlctrl families on the host, datagram by datagram, into
# tests/fuzz/corpus/{rtnl_dump,genl_ctrl}/. The namespace has no route out and is
# deleted on exit. What the module itself sends: tests/fuzz/capture-guest.sh.
# Usage: tests/fuzz/capture.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
seeds=$top/tests/fuzz/corpus
bin=$top/build/fuzz/capture
ns=eni-fuzz-capture-$$

mkdir -p "$top/build/fuzz" "$seeds/rtnl_dump" "$seeds/genl_ctrl"
# shellcheck disable=SC2046 # pkg-config output is a word list
gcc -std=gnu11 -O1 -Wall -Wextra -Werror -o "$bin" "$top/tests/fuzz/capture.c" \
	$(pkg-config --cflags --libs libmnl)

ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
nsip() { ip -n "$ns" "$@"; }
nsip link set lo up
nsip link add eth1 address 00:16:3e:aa:bb:01 type veth peer name peer1 address 00:16:3e:aa:bb:02
nsip link add br0 type bridge
nsip link set peer1 master br0
for l in eth1 peer1 br0; do nsip link set "$l" up; done
nsip link set eth1 mtu 1400
nsip addr add 10.0.5.10/24 dev eth1 noprefixroute
nsip addr add 10.0.5.11/24 dev eth1 noprefixroute
nsip addr add 10.0.5.1/24 dev br0
nsip addr add fd00:5::10/64 dev eth1 nodad noprefixroute
nsip addr add fd00:5::2/64 dev br0 nodad
nsip route add 10.0.5.0/24 dev eth1 proto 222 metric 2001 src 10.0.5.10
nsip route add 10.0.5.0/24 dev eth1 proto 222 table 1001 src 10.0.5.10
nsip route add default via 10.0.5.253 dev eth1 proto 222 table 1001 onlink
nsip route add 10.9.0.0/16 proto static table 1001 nexthop via 10.0.5.3 dev eth1 onlink \
	nexthop via 10.0.5.4 dev br0 onlink
nsip -6 route add fd00:5::/64 dev eth1 proto 222 table 1001
nsip -6 route add default via fd00:5::1 dev eth1 proto 222 table 1001
for a in 10.0.5.10 10.0.5.11; do
	p=$((10003 + ${a##*.} - 10))
	nsip rule add from "$a" lookup 1001 pref "$p" protocol 222
done
nsip rule add from all lookup main suppress_prefixlength 0 pref 10005 protocol 222
nsip rule add from 0.0.0.0/32 goto 10010 pref 10001 protocol 222
nsip rule add nop pref 10010 protocol 222
nsip rule add from 10.0.5.10 iif eth1 fwmark 0x10/0xff lookup 100 pref 9000
nsip -6 rule add from fd00:5::10 lookup 1001 pref 10004 protocol 222

for w in links addrs routes rules; do
	ip netns exec "$ns" "$bin" "$w" "$seeds/rtnl_dump" "$w" 4 4096
done
"$bin" families "$seeds/genl_ctrl" families 3 2048
ls -l "$seeds/rtnl_dump" "$seeds/genl_ctrl"

# eni_notify messages of a virtio-net ENI (with bus info), laid out attribute by attribute
# as kmod/genl.c's eni_fill_link() puts them (x86_64: no pad before the u64s) and as
# tests/fuzz/capture-guest.sh captured them from the module in a guest (for veth there).
python3 - "$seeds/eni_msg" <<'PY'
import struct, sys, os
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
IFINDEX, IFNAME, MAC, PERM_MAC, DRIVER, BUS, MTU, SEQ, TS, ORIGIN, CHANGE = range(2, 13)
def attr(t, b):
    a = struct.pack("HH", 4 + len(b), t) + b
    return a + b"\0" * (-len(a) % 4)
def msg(cmd, ifindex, name, mac, bus, mtu, seq, origin, change=None):
    p = attr(IFINDEX, struct.pack("I", ifindex)) + attr(IFNAME, name + b"\0")
    p += attr(MAC, mac) + attr(PERM_MAC, mac) + attr(DRIVER, b"virtio_net\0")
    if bus:
        p += attr(BUS, bus + b"\0")
    p += attr(MTU, struct.pack("I", mtu)) + attr(SEQ, struct.pack("Q", seq))
    p += attr(TS, struct.pack("Q", 12345678901 + seq)) + attr(ORIGIN, struct.pack("I", origin))
    if change is not None:
        p += attr(CHANGE, struct.pack("I", change))
    g = struct.pack("BBH", cmd, 1, 0)
    return struct.pack("IHHII", 16 + len(g) + len(p), 0x1a, 0, 0, 0) + g + p
mac = bytes.fromhex("00163e123456")
for name, m in {
    "add-hotplug": msg(2, 3, b"eth1", mac, b"0000:00:05.0", 1500, 7, 1),
    "del": msg(3, 3, b"eth1", mac, b"0000:00:05.0", 1500, 8, 1),
    "change-name-mtu": msg(4, 3, b"eni0", mac, b"0000:00:05.0", 9000, 9, 1, 5),
    "get-present": msg(1, 2, b"ens4", mac, b"0000:00:04.0", 1500, 1, 2),
    "add-netns-nobus": msg(2, 4, b"veth0", mac, b"", 1500, 1, 3),
}.items():
    open(os.path.join(out, name), "wb").write(m)
PY
