#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unit tier: builds tests/unit/*_test.c (plain, then ASan+UBSan) and runs them.
# Then tests/unit/spec_check.py: the netlink spec against the UAPI header.
# Prints one TAP line per case, numbered across all programs and prefixed with the
# build and program ("ok 12 unit/asan plan_test: plan.v6_only.matches"); all other
# output is prefixed "# ". Exits 0 when everything built and ran (failures are in
# the lines), 1 when something could not be built.
# Env: UNIT_SAN=0 skips the sanitizer pass.
set -u -o pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
n=0
rc=0

comment() { sed -u 's/^/# /'; }

# run_program BIN LABEL: its TAP lines renumbered and labelled, the rest as comments.
run_program() {
	local bin=$1 label=$2 out status planned seen
	out=$(mktemp)
	"$bin" >"$out" 2>&1
	status=$?
	planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | head -n 1)
	seen=0
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+\ (.*)$ ]]; then
			n=$((n + 1))
			seen=$((seen + 1))
			echo "${BASH_REMATCH[1]}ok $n $label: ${BASH_REMATCH[2]}"
		elif [[ $line == \#* ]]; then
			echo "$line"
		else
			echo "# $line"
		fi
	done <"$out"
	rm -f "$out"
	# a crash (or exit() mid-way) loses cases: count the loss as one failure
	if [ $status -gt 1 ] || [ -z "$planned" ] || [ "$seen" -lt "${planned:-0}" ]; then
		n=$((n + 1))
		echo "not ok $n $label: ran $seen of ${planned:-?} cases (exit $status)"
	fi
}

# run_pass SAN OUTDIR LABEL
run_pass() {
	local san=$1 outdir=$2 label=$3 src name
	echo "# building $label (make -C tests/unit SAN=$san)"
	make -k -j"$(nproc)" -C "$top/tests/unit" SAN="$san" 2>&1 | comment
	for src in "$top"/tests/unit/*_test.c; do
		[ -e "$src" ] || continue
		name=$(basename "$src" .c)
		if ! make -q -C "$top/tests/unit" SAN="$san" "$outdir/$name" >/dev/null 2>&1 ||
			[ ! -x "$outdir/$name" ]; then
			n=$((n + 1))
			echo "not ok $n $label $name: build failed"
			rc=1
			continue
		fi
		run_program "$outdir/$name" "$label $name"
	done
}

if ! "$top/scripts/kselftest.sh" "$top/build/kselftest" 2>&1 | comment; then
	echo "# cannot get the kselftest harness headers"
	exit 1
fi

run_pass 0 "$top/build/unit" unit
if [ "${UNIT_SAN:-1}" != 0 ]; then
	if echo 'int main(void){return 0;}' |
		gcc -fsanitize=address,undefined -x c -o /dev/null - 2>/dev/null; then
		run_pass 1 "$top/build/unit-san" unit/asan
	else
		n=$((n + 1))
		echo "ok $n unit/asan: sanitizer pass # SKIP gcc cannot link -fsanitize=address,undefined"
	fi
fi

# The daemon's include graph (scripts/includes.py), and that the check catches a cycle
# (links.h made to include apply.h) and a header declaring another part's function.
includes_case() { # LABEL DIR WANT(0 pass / 1 fail)
	local out rc
	out=$(python3 "$top/scripts/includes.py" "$2" 2>&1)
	rc=$?
	echo "$out" | comment
	n=$((n + 1))
	if { [ "$3" = 0 ] && [ $rc = 0 ]; } || { [ "$3" = 1 ] && [ $rc = 1 ]; }; then
		echo "ok $n unit includes: $1"
	else
		echo "not ok $n unit includes: $1 (exit $rc)"
	fi
}
includes_case "daemon/: no cycle, each part declares its own, pure core" "$top/daemon" 0
bad=$(mktemp -d)
cp "$top"/daemon/*.[ch] "$bad/"
sed -i 's/#include "addressing.h"/#include "addressing.h"\n#include "apply.h"/' "$bad/links.h"
includes_case "a copy where links.h includes apply.h is refused (links <-> apply)" "$bad" 1
cp "$top"/daemon/*.[ch] "$bad/"
echo 'void links_seen(void);' >>"$bad/src.h"
includes_case "a copy where src.h declares links.c's links_seen() is refused" "$bad" 1
rm -rf "$bad"

# The netlink spec against the UAPI header, with the kernel's ynl generator.
if ynl_err=$("$top/scripts/ynl.sh" "$top/build/ynl" 2>&1); then
	[ -z "$ynl_err" ] || echo "$ynl_err" | comment
	run_program "$top/tests/unit/spec_check.py" "unit spec_check"
else
	echo "$ynl_err" | comment
	n=$((n + 1))
	echo "ok $n unit spec_check: eni_notify.yaml agrees with eni_notify.h # SKIP scripts/ynl.sh could not get linux-source-6.12's tools/net/ynl"
fi
exit $rc
