#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs the test tiers and closes with "N passed, N failed, N skipped".
# Usage: tests/run.sh [TIER...]   (default: unit fuzz fake-imds netns dkms pkg qemu kdebug vpc image)
# A tier is tests/<tier>/run.sh. It prints TAP-style result lines at column 0 ("ok ...",
# "not ok ...", "ok ... # SKIP why"), every other line starts with "# ", and it exits
# non-zero only when the tier itself broke (counted here as one failure).
set -u -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/test-results/run-$$	# per run: helpers and humans may run tiers at once
rm -rf "$out" && mkdir -p "$out" && ln -sfn "run-$$" "$top/build/test-results/latest"
tiers=("$@")
[ ${#tiers[@]} -gt 0 ] || tiers=(unit fuzz fake-imds netns dkms pkg qemu kdebug vpc image)
: > "$out/all.log"
for t in "${tiers[@]}"; do
	start=$(date +%s)
	echo "# === tier $t" | tee -a "$out/all.log"
	if [ ! -x "$top/tests/$t/run.sh" ]; then
		echo "not ok - tier $t: tests/$t/run.sh is missing" | tee -a "$out/all.log"
		continue
	fi
	"$top/tests/$t/run.sh" 2>&1 | tee "$out/$t.log" | tee -a "$out/all.log"
	rc=$?
	[ $rc -eq 0 ] || echo "not ok - tier $t broke (exit $rc); see build/test-results/latest/$t.log" |
		tee -a "$out/all.log"
	echo "# tier $t took $(($(date +%s) - start)) s" | tee -a "$out/all.log"
done
all=$(grep -cE '^ok ' "$out/all.log")
skip=$(grep -E '^ok ' "$out/all.log" | grep -cE '# SKIP')
fail=$(grep -cE '^not ok ' "$out/all.log")
echo "$((all - skip)) passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$all" -gt 0 ]
