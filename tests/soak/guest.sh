#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make soak, inside the guest (scripts/soak boots it): sonde record -a at
# 999 Hz with call chains for SECONDS (default 1800) over the churn
# workload (processes created and exiting, threads renamed, a library
# mapped and unmapped, every few milliseconds), then, as TAP:
#   - record stops by itself at -d (interrupted 5 minutes later if not);
#   - the recorder's resident memory stays flat after the first minutes:
#     its peak over the last half of the run is at most 25% (and 8 MiB)
#     above its peak over the first half past the warm-up;
#   - nothing is lost at the default ring size;
#   - the recording reports cleanly (exit 0, no diagnostics) and names
#     churn's functions;
#   - the kernel log stays clean (vm-run fails the run on any splat).
# Prints the figures: RSS every 10 s, samples, lost, rounds of churn.
# Usage: tests/soak/guest.sh OUTDIR [SECONDS]  (default 1800; an argument,
# since the guest does not inherit vm-run's environment)
set -uo pipefail
out=${1:?usage: tests/soak/guest.sh OUTDIR [SECONDS]}
secs=${2:-1800}
wl=tests/build/workloads
mkdir -p "$out"
n=0
failed=0
check() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		failed=$((failed + 1))
	fi
}
echo "1..6"

"$wl/churn" >"$out/churn.out" 2>&1 &
churn=$!
sonde record -q -a -g -d "$secs" -o "$out/soak.data" >"$out/record.out" \
	2>"$out/record.err" &
rec=$!
: >"$out/rss"
# RSS of the recorder every 10 s, "seconds kB"; SIGINT when it runs 5
# minutes past -d.
t=0
start=$(date +%s)
overran=0
while kill -0 $rec 2>/dev/null; do
	rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$rec/status 2>/dev/null)
	[ -n "$rss" ] && echo "$t $rss" >>"$out/rss"
	sleep 10
	t=$(($(date +%s) - start))
	if [ $t -gt $((secs + 300)) ] && [ $overran -eq 0 ]; then
		overran=$t
		kill -INT $rec
	fi
done
wait $rec
rc=$?
kill $churn 2>/dev/null
wait $churn 2>/dev/null

echo "# recorder RSS (kB) every 10 s: $(awk '{ printf "%s ", $2 }' "$out/rss")"
# Warm-up: the first fifth of the run, at least 60 s when the run allows.
warm=$((secs / 5 > 60 ? 60 : secs / 5))
read -r first second <<<"$(awk -v warm="$warm" -v half=$((secs / 2)) '
	$1 >= warm && $1 < half && $2 > a { a = $2 }
	$1 >= half && $2 > b { b = $2 }
	END { print a + 0, b + 0 }' "$out/rss")"
echo "# recorder RSS peak: $first kB from ${warm} s to $((secs / 2)) s, $second kB after"
check "record -a -d $secs stops by itself (SIGINT after ${overran} s if not: 0)" \
	test "$overran" -eq 0
check "record -a for $secs s exits 0 (exit $rc)" test "$rc" -eq 0
check "recorder memory flat: second half's peak $second kB <= first half's $first kB + 25% (8 MiB at least)" \
	test "$first" -gt 0 -a "$second" -gt 0 -a \
	"$second" -le $((first + (first / 4 > 8192 ? first / 4 : 8192)))

sonde report -i "$out/soak.data" >"$out/report" 2>"$out/report.err"
rrc=$?
samples=$(sed -n 's/^# samples: \([0-9]*\).*/\1/p' "$out/report")
lost=$(sed -n 's/^# lost: \([0-9]*\).*/\1/p' "$out/report")
echo "# samples ${samples:-?}, lost ${lost:-0}; $(tail -n 1 "$out/churn.out" 2>/dev/null)"
check "no sample lost at the default ring size (lost ${lost:-0})" \
	test -n "$samples" -a "${lost:-0}" -eq 0
check "report exits 0 with no diagnostics (exit $rrc)" \
	test "$rrc" -eq 0 -a ! -s "$out/report.err"
check "report names churn's functions" grep -q 'churn_burn' "$out/report"
[ "$failed" -eq 0 ]
