#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark B1 "samplecost", run inside one guest by scripts/bench: the
# in-kernel cost of one sample, sonde's hrtimer callback against perf's
# (cpu-clock, perf_swevent_hrtimer), same period, same workload, same
# guest boot, measured the same way: function_graph durations of the two
# callbacks (set_ftrace_filter holds just them).  Cases run in ABBA order.
#
# Prints one line per case: "case TOOL MODE p50_ns p90_ns p99_ns n".
#
# Usage: tests/bench/samplecost.sh OUTDIR [DEPTH] [SECONDS] [ROUNDS]
set -euo pipefail
out=$1
depth=${2:-30}
secs=${3:-2}
rounds=${4:-2}
wl=tests/build/workloads/deep
T=/sys/kernel/tracing
mkdir -p "$out"

mountpoint -q $T || mount -t tracefs nodev $T
echo 0 >$T/tracing_on
echo sonde_timer_fn >$T/set_ftrace_filter
echo perf_swevent_hrtimer >>$T/set_ftrace_filter
echo function_graph >$T/current_tracer
echo 8192 >$T/buffer_size_kb

# One case: TOOL (sonde|perf), MODE (ip|fp).
run_case() {
	local tool=$1 mode=$2 g=
	[ "$mode" = fp ] && g=-g
	echo >$T/trace
	echo 1 >$T/tracing_on
	# Both sample every CPU (per-CPU timers) while the workload runs.
	"$wl" "$depth" "$secs" &
	if [ "$tool" = sonde ]; then
		sonde record -q $g -F 1000 -a -d "$secs" -o "$out/b.data" >/dev/null
	else
		perf record -q $g -e cpu-clock -c 1000000 -a -o "$out/b.perf" -- \
			sleep "$secs" >/dev/null 2>&1
	fi
	wait
	echo 0 >$T/tracing_on
	# " 0)   1.234 us    |  sonde_timer_fn [sonde]();"
	{ grep -E '(sonde_timer_fn|perf_swevent_hrtimer)' $T/trace || true; } |
		sed -n 's/.*[ )] *\([0-9.]*\) us *|.*/\1/p' | sort -n >"$out/d"
	awk -v t="$tool" -v m="$mode" '
		function q(p,   i) { i = int(NR * p) + 1; if (i > NR) i = NR; return v[i] }
		{ v[NR] = $1 * 1000 }
		END { printf "case %s %s %d %d %d %d\n", t, m, q(0.5), q(0.9), q(0.99), NR }' "$out/d"
}

for r in $(seq "$rounds"); do
	for mode in ip fp; do
		run_case sonde $mode
		run_case perf $mode
		run_case perf $mode
		run_case sonde $mode
	done
done
echo nop >$T/current_tracer
echo >$T/set_ftrace_filter
