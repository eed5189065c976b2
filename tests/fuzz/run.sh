#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fuzz tier: builds the libFuzzer targets with clang -fsanitize=fuzzer,address,undefined
# into build/fuzz/ and runs each for a bounded time (and, for the walker, a bounded count):
#   1 metadata  the metadata parsers, every built answer bounds-checked:
#               tests/fuzz/metadata_fuzz.c + daemon/metadata.c, addr.c, config.c, bounds.c
#   2 nl_walk   the netlink receive walker and what reads each message:
#               tests/fuzz/nl_walk_fuzz.c + daemon/nl_msg.c, nl_util.c, eni_msg.c, json_out.c,
#               genl_ctrl.c, log.c
#   3 eni_msg   the module-event parser, its formatter and builder (parse is a fixed point):
#               tests/fuzz/eni_msg_fuzz.c + daemon/eni_msg.c, nl_msg.c, json_out.c
#   4 rtnl_dump link, address, route and rule dump readers and the kstate snapshot:
#               tests/fuzz/rtnl_dump_fuzz.c + daemon/rtnl_msg.c, kstate.c, nl_msg.c, config.c,
#               addr.c
#   5 genl_ctrl the nlctrl parser: tests/fuzz/genl_ctrl_fuzz.c + daemon/genl_ctrl.c, nl_msg.c
#               (and nl_util.c, log.c: genl_ctrl.c also holds the socket that asks nlctrl)
#   6 config    enid.conf: tests/fuzz/config_fuzz.c + daemon/config.c, config_ini.c,
#               config_read.c, config_keys.c, bounds.c, addr.c, http_msg.c
#   7 dhcp      the DHCPv4 reply, IPv4/UDP and ARP readers: tests/fuzz/dhcp_fuzz.c + daemon/dhcp_msg.c
#   8 http      the metadata client's HTTP/1.1 response parser (whole and in pieces must
#               agree), URL parser and request builder: tests/fuzz/http_fuzz.c + daemon/http_msg.c
# Seeds: tests/fuzz/corpus/<target>/ (real kernel dumps from tests/fuzz/capture.sh, the
# module's own messages from a guest by tests/fuzz/capture-guest.sh, the example config). Crashes found (daemon bugs to fix) are kept under tests/fuzz/crashes/
# <target>/ and replayed first by every run; see tests/fuzz/crashes/README.
# Prints one TAP line per target:
#   ok N fuzz <what> (N execs, 0 crashes)
#   not ok N fuzz <what> (...)          crash, leak, timeout; artifact kept
#   ok N fuzz <what> # SKIP why         no clang or no libFuzzer runtime
# Everything else is prefixed "# ". Exits 1 only when a target did not build.
# Env: FUZZ_SECONDS (default 20, per target), FUZZ_RUNS (default 500000, the walker's
# run count). Usage: tests/fuzz/run.sh [TARGET [FILE...]] runs one target, or replays
# the given inputs (e.g. a crash artifact) through it instead of fuzzing.
set -u -o pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/fuzz
secs=${FUZZ_SECONDS:-20}
runs=${FUZZ_RUNS:-500000}
targets=(metadata nl_walk eni_msg rtnl_dump genl_ctrl config dhcp http)
rc=0

comment() { sed -u 's/^/# /'; }

# target_setup NAME: desc, srcs (target first; .c files are compiled), libs, args
target_setup() {
	local d=$top/daemon
	case $1 in
	metadata)
		desc="fuzz metadata parsers"
		srcs=("$top/tests/fuzz/metadata_fuzz.c" "$d/metadata.c" "$d/metadata.h" "$d/addr.c"
			"$d/addr.h" "$d/config.c" "$d/config.h" "$d/plan.h" "$d/bounds.c" "$d/bounds.h")
		libs="json-c"
		args=(-max_len=8192 -dict="$top/tests/fuzz/metadata.dict")
		;;
	nl_walk)
		desc="fuzz netlink receive walker"
		srcs=("$top/tests/fuzz/nl_walk_fuzz.c" "$d/nl_msg.c" "$d/nl_msg.h" "$d/nl_util.c"
			"$d/nl_util.h" "$d/eni_msg.c" "$d/eni_msg.h" "$d/config.h" "$d/json_out.c"
			"$d/json_out.h" "$d/genl_ctrl.c" "$d/genl_ctrl.h" "$d/log.c")
		libs="libmnl json-c"
		args=(-max_len=4096 -runs="$runs")
		;;
	eni_msg)
		desc="fuzz module-event parser"
		srcs=("$top/tests/fuzz/eni_msg_fuzz.c" "$d/eni_msg.c" "$d/eni_msg.h" "$d/nl_msg.c"
			"$d/nl_msg.h" "$d/json_out.c" "$d/json_out.h" "$d/config.h")
		libs="libmnl json-c"
		args=(-max_len=1024)
		;;
	rtnl_dump)
		desc="fuzz rtnetlink dump readers and kstate"
		srcs=("$top/tests/fuzz/rtnl_dump_fuzz.c" "$d/rtnl_msg.c" "$d/rtnl_msg.h" "$d/kstate.c"
			"$d/kstate.h" "$d/plan.c" "$d/nl_msg.c" "$d/nl_msg.h" "$d/config.c" "$d/config.h" "$d/addr.c"
			"$d/addr.h" "$d/plan.h")
		libs="libmnl"
		args=(-max_len=8192)
		;;
	genl_ctrl)
		desc="fuzz nlctrl parser"
		srcs=("$top/tests/fuzz/genl_ctrl_fuzz.c" "$d/genl_ctrl.c" "$d/genl_ctrl.h" "$d/nl_msg.c"
			"$d/nl_msg.h" "$d/nl_util.c" "$d/nl_util.h" "$d/log.c")
		libs="libmnl"
		args=(-max_len=4096)
		;;
	config)
		desc="fuzz config parser"
		srcs=("$top/tests/fuzz/config_fuzz.c" "$d/config.c" "$d/config.h" "$d/config_ini.c"
			"$d/config_read.c" "$d/config_read.h" "$d/config_keys.c" "$d/config_keys.h"
			"$d/bounds.c" "$d/bounds.h" "$d/addr.c" "$d/addr.h" "$d/http_msg.c" "$d/http_msg.h")
		libs="inih"
		args=(-max_len=8192 -dict="$top/tests/fuzz/config.dict")
		;;
	dhcp)
		desc="fuzz dhcp reply parser"
		srcs=("$top/tests/fuzz/dhcp_fuzz.c" "$d/dhcp_msg.c" "$d/dhcp_msg.h")
		libs="libmnl" # nothing of it used; pkg-config wants a name
		args=(-max_len=1500)
		;;
	http)
		desc="fuzz http response parser"
		srcs=("$top/tests/fuzz/http_fuzz.c" "$d/http_msg.c" "$d/http_msg.h")
		libs="libmnl" # nothing of it used; pkg-config wants a name
		args=(-max_len=4096 -dict="$top/tests/fuzz/http.dict")
		;;
	*)
		return 1
		;;
	esac
	srcs+=("$top/tests/fuzz/fuzz.h")
}

# fuzz_one N NAME [FILE...]
fuzz_one() {
	local n=$1 name=$2 bin log execs artifact frc stale=1 cfiles known
	shift 2
	target_setup "$name" || { echo "not ok $n fuzz $name (no such target)"; rc=1; return; }
	bin=$out/${name}_fuzz
	cfiles=()
	for f in "${srcs[@]}"; do [[ $f == *.c ]] && cfiles+=("$f"); done
	[ -x "$bin" ] && [ -z "$(find "${srcs[@]}" "$0" -newer "$bin" 2>/dev/null)" ] && stale=0
	# shellcheck disable=SC2046,SC2086 # pkg-config output is word lists
	if [ $stale = 1 ] && ! "$cc" -std=gnu11 -g -O1 -D_GNU_SOURCE -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-isystem "$top/include/uapi" -I "$top/daemon" $(pkg-config --cflags $libs) \
		-o "$bin" "${cfiles[@]}" $(pkg-config --libs $libs) 2>&1 | comment; then
		echo "not ok $n $desc (build failed)"
		rc=1
		return
	fi

	if [ $# -gt 0 ]; then
		"$bin" "$@" 2>&1 | comment
		frc=$?
		[ $frc -eq 0 ] && echo "ok $n $desc (replayed $# inputs)" ||
			echo "not ok $n $desc (replay failed, exit $frc)"
		return
	fi

	# Crashes found before (tests/fuzz/crashes/NAME/, see its README) are replayed first:
	# one that still crashes fails the line and the target is not fuzzed this time.
	known=("$top/tests/fuzz/crashes/$name"/*)
	if [ -e "${known[0]}" ] && ! "$bin" "${known[@]}" >"$out/$name.replay.log" 2>&1; then
		grep -E 'broken promise|ERROR|SUMMARY|runtime error' "$out/$name.replay.log" |
			head -n 5 | comment
		echo "not ok $n $desc (a committed crash still crashes: tests/fuzz/crashes/$name/)"
		return
	fi

	mkdir -p "$out/corpus/$name" "$out/$name"
	rm -f "$out/$name"/crash-* "$out/$name"/leak-* "$out/$name"/timeout-* "$out/$name"/oom-*
	log=$out/$name.log
	# new inputs go to build/fuzz/corpus/NAME (kept between runs); the seeds are read only
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 "${args[@]}" \
		-artifact_prefix="$out/$name/" -print_final_stats=1 \
		"$out/corpus/$name" "$top/tests/fuzz/corpus/$name" >"$log" 2>&1
	frc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	artifact=$(ls "$out/$name"/crash-* "$out/$name"/leak-* "$out/$name"/timeout-* \
		"$out/$name"/oom-* 2>/dev/null | head -n 1)
	if [ $frc -eq 0 ] && [ -z "$artifact" ]; then
		echo "# $(grep -c . "$log") log lines in ${log#"$top"/}; corpus $(ls "$out/corpus/$name" | wc -l) inputs"
		echo "ok $n $desc (${execs:-?} execs, 0 crashes)"
	else
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|==[0-9]+==' "$log" | head -n 20 | comment
		echo "not ok $n $desc (exit $frc after ${execs:-?} execs; ${artifact:+artifact ${artifact#"$top"/}, }replay: tests/fuzz/run.sh $name ${artifact:-FILE})"
	fi
}

cc=$(command -v clang || command -v clang-14 || true)
if [ $# -gt 0 ]; then
	targets=("$1")
	shift
fi
if [ -z "$cc" ]; then
	for i in "${!targets[@]}"; do
		echo "ok $((i + 1)) fuzz ${targets[$i]} # SKIP clang not installed (Debian: clang libclang-rt-14-dev)"
	done
	exit 0
fi
mkdir -p "$out"
if ! echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)
{ (void)d; (void)n; return 0; }' |
	"$cc" -fsanitize=fuzzer,address,undefined -x c -o "$out/probe" - >/dev/null 2>&1; then
	for i in "${!targets[@]}"; do
		echo "ok $((i + 1)) fuzz ${targets[$i]} # SKIP $cc cannot link -fsanitize=fuzzer (Debian: libclang-rt-14-dev)"
	done
	exit 0
fi
rm -f "$out/probe"

for i in "${!targets[@]}"; do
	fuzz_one $((i + 1)) "${targets[$i]}" "$@"
done
exit $rc
