#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fuzz tier: builds the libFuzzer target over the metadata parsers
# (tests/fuzz/metadata_fuzz.c + daemon/metadata.c + daemon/config.c + daemon/bounds.c,
# every built answer also bounds-checked) with clang
# -fsanitize=fuzzer,address,undefined into build/fuzz/ and runs it for a bounded time.
# Prints one TAP line:
#   ok 1 fuzz metadata parsers (N execs, 0 crashes)
#   not ok 1 fuzz metadata parsers (...)          crash, leak, timeout; artifact kept
#   ok 1 fuzz metadata parsers # SKIP why         no clang or no libFuzzer runtime
# Everything else is prefixed "# ". Exits 1 only when the target did not build.
# Env: FUZZ_SECONDS (default 20). Usage: tests/fuzz/run.sh [FILE...] replays the
# given inputs (e.g. a crash artifact) instead of fuzzing.
set -u -o pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/fuzz
secs=${FUZZ_SECONDS:-20}
desc="fuzz metadata parsers"
bin=$out/metadata_fuzz

comment() { sed -u 's/^/# /'; }

cc=$(command -v clang || command -v clang-14 || true)
if [ -z "$cc" ]; then
	echo "ok 1 $desc # SKIP clang not installed (Debian: clang libclang-rt-14-dev)"
	exit 0
fi
mkdir -p "$out/corpus"
if ! echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)
{ (void)d; (void)n; return 0; }' |
	"$cc" -fsanitize=fuzzer,address,undefined -x c -o "$out/probe" - >/dev/null 2>&1; then
	echo "ok 1 $desc # SKIP $cc cannot link -fsanitize=fuzzer (Debian: libclang-rt-14-dev)"
	exit 0
fi
rm -f "$out/probe"

srcs=("$top/tests/fuzz/metadata_fuzz.c" "$top/daemon/metadata.c" "$top/daemon/metadata.h"
	"$top/daemon/config.c" "$top/daemon/config.h" "$top/daemon/plan.h" "$top/daemon/bounds.c"
	"$top/daemon/bounds.h" "$0")
stale=1
[ -x "$bin" ] && [ -z "$(find "${srcs[@]}" -newer "$bin" 2>/dev/null)" ] && stale=0
# shellcheck disable=SC2046 # pkg-config output is word lists
if [ $stale = 1 ] && ! "$cc" -std=gnu11 -g -O1 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-isystem "$top/include/uapi" -I "$top/daemon" $(pkg-config --cflags json-c inih) \
	-o "$bin" "$top/tests/fuzz/metadata_fuzz.c" "$top/daemon/metadata.c" \
	"$top/daemon/config.c" "$top/daemon/bounds.c" $(pkg-config --libs json-c inih) 2>&1 |
	comment; then
	echo "not ok 1 $desc (build failed)"
	exit 1
fi

if [ $# -gt 0 ]; then
	"$bin" "$@" 2>&1 | comment
	rc=$?
	[ $rc -eq 0 ] && echo "ok 1 $desc (replayed $# inputs)" ||
		echo "not ok 1 $desc (replay failed, exit $rc)"
	exit 0
fi

rm -f "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-*
log=$out/fuzz.log
# new inputs go to build/fuzz/corpus (kept between runs); the seeds are read only
"$bin" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	-dict="$top/tests/fuzz/metadata.dict" -artifact_prefix="$out/" -print_final_stats=1 \
	"$out/corpus" "$top/tests/fuzz/corpus/metadata" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
artifact=$(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null | head -n 1)
if [ $rc -eq 0 ] && [ -z "$artifact" ]; then
	echo "# $(grep -c . "$log") log lines in ${log#"$top"/}; corpus $(ls "$out/corpus" | wc -l) inputs"
	echo "ok 1 $desc (${execs:-?} execs, 0 crashes)"
else
	grep -E 'ERROR|SUMMARY|runtime error|Test unit written|==[0-9]+==' "$log" | head -n 20 | comment
	echo "not ok 1 $desc (exit $rc after ${execs:-?} execs; ${artifact:+artifact ${artifact#"$top"/}, }replay: tests/fuzz/run.sh ${artifact:-FILE})"
fi
exit 0
