#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end checks inside a guest (run by tests/e2e/run through
# scripts/vm-run): record real workloads with sonde.ko and check what
# report, script and export make of them.  Prints TAP test lines without
# numbers or plan; the host side adds those.
#
# Usage: tests/e2e/guest.sh OUTDIR
set -uo pipefail
out=$1
wl=tests/build/workloads
mkdir -p "$out"

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# The samples of a folded file whose stack contains frame $2.
folded_count() {
	awk -v f=";$2" 'index($0, f ";") || substr($0, length($0) - length($NF) - length(f), length(f)) == f {
		n += $NF } END { print n + 0 }' "$1"
}
folded_total() {
	awk '{ n += $NF } END { print n + 0 }' "$1"
}

# 1. A 75/25 split is reported as such.
sonde record -q -g -F 999 -o "$out/split.data" -- "$wl/split" 3 \
	>"$out/split.out" 2>"$out/split.err"
rc=$?
check "record a command (exit $rc)" test $rc -eq 0 -a -s "$out/split.data"
self=$(awk '{ printf "%.1f", 100 * $1 }' "$out/split.out")
sonde export -i "$out/split.data" -f folded -o "$out/split.folded"
three=$(folded_count "$out/split.folded" three_quarters)
one=$(folded_count "$out/split.folded" one_quarter)
total=$(folded_total "$out/split.folded")
pct=$(awk -v a="$three" -v b="$one" 'BEGIN { if (a + b) printf "%.1f", 100 * a / (a + b); else print 0 }')
echo "# split: three_quarters $three, one_quarter $one, of $total samples: $pct% (the workload measured $self%)"
check "75/25 split measured as $pct% (70..80)" \
	awk -v p="$pct" 'BEGIN { exit !(p >= 70 && p <= 80) }'
check "sampled share $pct% within 3 points of the workload's own $self%" \
	awk -v p="$pct" -v s="$self" 'BEGIN { d = p - s; exit !(s > 0 && d <= 3 && d >= -3) }'
check "the split functions hold most samples ($((three + one)) of $total)" \
	test $((10 * (three + one))) -ge $((8 * total)) -a "$total" -ge 500

# 2. report, script and export agree on the number of samples.
sonde report -i "$out/split.data" --children >"$out/split.report" 2>"$out/report.err"
rep=$(sed -n 's/^# samples: \([0-9]*\).*/\1/p' "$out/split.report" | head -n1)
sonde script -i "$out/split.data" >"$out/split.script" 2>/dev/null
scr=$(grep -c -E '^[^[:space:]].* cpu-clock:' "$out/split.script")
echo "# samples: report $rep, script $scr, folded $total"
check "report, script and export agree ($rep/$scr/$total)" \
	test -n "$rep" -a "$rep" = "$scr" -a "$scr" = "$total"
check "report names three_quarters" grep -q 'three_quarters' "$out/split.report"

# 3. Kernel work shows kernel frames; user hot functions have names.
sonde record -q -g -o "$out/demo.data" -- "$wl/demo" 2 2>/dev/null
sonde export -i "$out/demo.data" -f folded -o "$out/demo.folded"
check "demo: kernel frames under the copy thread" \
	grep -q 'syscall_copy;.*_\[k\]' "$out/demo.folded"
check "demo: hot_primes symbolized" grep -q ';hot_primes ' "$out/demo.folded"

# 4. SIGINT in the middle still leaves a complete recording.
sonde record -q -a -o "$out/int.data" &
rec=$!
sleep 2
kill -INT $rec
wait $rec
rc=$?
check "SIGINT: record exits 0 (got $rc)" test $rc -eq 0
sonde report -i "$out/int.data" >"$out/int.report" 2>"$out/int.err"
rc=$?
n=$(sed -n 's/^# samples: \([0-9]*\).*/\1/p' "$out/int.report" | head -n1)
check "SIGINT: the recording reports $n samples (exit $rc)" \
	test $rc -eq 0 -a "${n:-0}" -gt 0
check "SIGINT: the recording is complete (no warning)" test ! -s "$out/int.err"

# 5. For the host-side comparison.
sonde report -i "$out/split.data" >"$out/split.report.guest" 2>/dev/null
exit 0
