#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest agent on ttyS1. The host sends `CMD <id> <shell command>`; the agent runs it
# and answers `OUT <id> <line>` per output line (stdout and stderr) and `END <id> <status>`.
# Commands run one at a time; one that starts a daemon redirects the daemon's output.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
out=/run/agent.out
while IFS= read -r line; do
	case $line in
	CLK)
		# the guest's CLOCK_MONOTONIC without a fork, for the host's offset estimate
		{ read -r _; read -r _; read -r now; } </proc/timer_list
		echo "CLK $now"
		;;
	"CMD "*)
		rest=${line#CMD }
		id=${rest%% *}
		cmd=${rest#* }
		# busybox sh runs its own applets before PATH: ip is iproute2's.
		sh -c "ip() { /sbin/ip \"\$@\"; }; $cmd" >"$out" 2>&1 </dev/null
		rc=$?
		sed "s/^/OUT $id /" "$out"
		echo "END $id $rc"
		;;
	esac
done
echo "EV $(cut -d' ' -f1 /proc/uptime) agent: ttyS1 closed"
