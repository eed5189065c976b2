#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Netns tier: enid (rtnetlink source) in a private namespace wired to a closed fake VPC.
# Prints TAP lines and "# " diagnostics; exits 0 when it ran, non-zero on harness breakage.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/netns

skip() { echo "ok 1 netns tier # SKIP $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v ping >/dev/null || skip "ping (iputils-ping) is not installed"
probe=enit-$$-probe
ip netns add "$probe" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
ip -n "$probe" link add enit0 type veth peer name enit1 2>/dev/null
ok=$?
ip netns del "$probe"
[ $ok = 0 ] || skip "no veth support in this kernel"

if [ ! -x "$top/build/daemon/enid" ] || [ ! -x "$top/build/daemon/enictl" ]; then
	mkdir -p "$top/build"
	if ! make -C "$top/daemon" >"$top/build/netns-make.log" 2>&1; then
		echo "not ok 1 netns tier: make -C daemon failed"
		sed 's/^/# /' "$top/build/netns-make.log" | tail -n 30
		exit 1
	fi
fi
# exec: the namespaces are named after this pid (enit-<pid>-*).
export PYTHONDONTWRITEBYTECODE=1
exec python3 "$here/tier.py"
