#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end checks of off-CPU and thread-time profiles in a guest
# (issue 16's test): sleepwork alternates 100 ms in nanosleep
# (sleep_half) and 100 ms of spinning (work_half), ten times.
# record --thread-time puts 50% +- 5 of its wall-clock weight under each
# (the default view of such a recording) of main's: before main, the
# dynamic loader waits for its page faults over 9p (a few to hundreds of
# ms on a loaded host), which is real wall-clock time of the process but
# not the program's alternation; its share is printed.  record --off-cpu
# --weight off shows the sleep path with about its 1 s of sleep in all,
# and the default cpu view shows no waits.  Prints TAP lines without
# numbers.
#
# Usage: tests/e2e/offcpu.sh OUTDIR
set -uo pipefail
out=$1/offcpu
wl=tests/build/workloads
mkdir -p "$out"

. "$(dirname "$0")/lib.sh"

# share FOLDED FRAME [ROOT]: percent of FOLDED's weight (of the stacks
# that hold frame ROOT, when given) on stacks holding FRAME.
share() {
	awk -v f="$2" -v r="${3:-}" '
		function has(x) { return index(";" $0, ";" x ";") ||
				  index(";" $0, ";" x " ") }
		r == "" || has(r) { n = $NF; t += n; if (has(f)) s += n }
		END { printf "%.1f\n", t ? 100 * s / t : 0 }' "$1"
}
# count FOLDED FRAME: the weight of the stacks holding FRAME.
count() {
	awk -v f="$2" 'index(";" $0, ";" f ";") { n += $NF } END { print n + 0 }' "$1"
}
# within VALUE LO HI: LO <= VALUE <= HI, as decimals.
within() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

sonde record -q -g --thread-time -o "$out/tt.data" -- "$wl/sleepwork" 10 100 \
	>/dev/null 2>"$out/tt.err"
rc=$?
check "record --thread-time exits 0 (exit $rc, $(head -c 200 "$out/tt.err"))" \
	test $rc -eq 0
sonde export -f folded -i "$out/tt.data" -o "$out/tt.folded" 2>"$out/tt.fold.err"
sonde report -i "$out/tt.data" >"$out/tt.report" 2>/dev/null
sleep_pct=$(share "$out/tt.folded" sleep_half main)
work_pct=$(share "$out/tt.folded" work_half main)
grep '^# \(event\|off-CPU\|samples\)' "$out/tt.report" | sed 's/^/# /'
echo "# --thread-time: main holds $(share "$out/tt.folded" main)% of the process's wall-clock weight"
check "--thread-time: sleep_half ${sleep_pct}% of main's wall-clock weight (50 +- 5)" \
	within "$sleep_pct" 45 55
check "--thread-time: work_half ${work_pct}% of main's wall-clock weight (50 +- 5)" \
	within "$work_pct" 45 55
wall_marked() {
	grep -q 'sleep_half;.*\[off-cpu\] ' "$out/tt.folded" &&
		grep -q '^# event: cpu-clock and offcpu-time, by time' "$out/tt.report"
}
check "--thread-time: waits under an [off-cpu] frame, the report says wall-clock" \
	wall_marked
sonde export -f folded --weight cpu -i "$out/tt.data" -o "$out/tt-cpu.folded" 2>/dev/null
cpu_sleep=$(share "$out/tt-cpu.folded" sleep_half)
check "--weight cpu of the same recording: sleep_half ${cpu_sleep}% (under 5)" \
	within "$cpu_sleep" 0 5

sonde record -q -g --off-cpu -o "$out/off.data" -- "$wl/sleepwork" 10 100 \
	>/dev/null 2>&1
sonde report --weight off -i "$out/off.data" >"$out/off.report" 2>/dev/null
sonde export -f folded --weight off -i "$out/off.data" -o "$out/off.folded" 2>/dev/null
# "# event: offcpu-time (N waits, S s in all; Samples: U ms each)"
waits=$(sed -n 's/^# event: offcpu-time (\([0-9]*\) waits, \([0-9.]*\) s in all; Samples: \([0-9.]*\) ms.*/\1 \2 \3/p' "$out/off.report")
read -r nwaits secs unit_ms <<<"${waits:-0 0 0}"
slept=$(awk -v n="$(count "$out/off.folded" sleep_half)" -v u="$unit_ms" \
	'BEGIN { printf "%.3f\n", n * u / 1000 }')
echo "# --off-cpu: $nwaits waits, $secs s off CPU in all, $slept s of them in sleep_half"
check "--off-cpu --weight off: the sleep path holds about the 1 s slept ($slept s: 0.95 to 1.3)" \
	within "$slept" 0.95 1.3
check "--off-cpu --weight off: the sleeps reach the kernel's nanosleep path" \
	grep -q "nanosleep" "$out/off.folded"
sonde report -i "$out/off.data" >"$out/off-cpu.report" 2>/dev/null
cpu_only() {
	! grep -q '\[off-cpu\]\|offcpu-time (' "$out/off-cpu.report" &&
		grep -q 'work_half' "$out/off-cpu.report"
}
check "--off-cpu: the default view is cpu-clock's, without waits" cpu_only
