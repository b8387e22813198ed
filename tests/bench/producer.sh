#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark "producer", run inside the guest of tests/bench/handler.sh
# (QEMU -icount shift=0,sleep=off, one CPU: one nanosecond of guest time
# is one guest instruction): what putting one record into the ring costs
# each tool's sampling callback, apart from capturing what goes in it.
#
#   sonde  sonde_ring_reserve() and sonde_ring_commit(): the capture
#          writes the record in place between the two, so their cost is
#          the same for a small record and an 8 KiB one
#   perf   perf_output_begin_forward() and perf_output_end(), around
#          perf_output_sample(), which copies the prepared sample (and
#          the user stack) into the ring
#
# function_graph traces only those functions (set_ftrace_filter), and
# sonde_handler_hist_bucket(), whose body is a few instructions: its
# traced duration is the tracer's own cost per traced call, which is
# taken out of the others'.  Each tool records the deep workload, -c
# PERIOD -a, in MODE (ip: no chain, -m 64; dwarf: --call-graph
# dwarf,8192 at 5 frames, -m 1024, as in handler.sh).  Only calls made
# while the workload was interrupted count.  Each round runs every mode
# once per tool, sonde first in odd rounds and perf first in even ones.
#
# Prints one line per round, tool, mode and function:
#
#   producer ROUND TOOL MODE FUNCTION CALLS MEAN_TRACED_INSNS
#
# summarize.sh takes the tracer's cost out and sets the tools side by
# side.
#
# Usage: tests/bench/producer.sh [ROUNDS] [SECONDS] [PERIOD_NS] [MODES]
set -euo pipefail
# shellcheck source=tests/bench/abba.sh
. "$(dirname "$0")/abba.sh"
rounds=${1:-5}
secs=${2:-0.3}
period=${3:-250000}
modes=${4:-ip dwarf}
wl=tests/build/workloads/deep
# The workload runs in the background, where a missing one would go
# unnoticed and every figure would be of an idle CPU.
[ -x "$wl" ] || { echo "$0: $wl is not built (make -C tests/workloads)" >&2; exit 1; }
T=/sys/kernel/tracing
tmp=${TMPDIR:-/tmp}

mountpoint -q $T || mount -t tracefs nodev $T
echo 0 >$T/tracing_on
echo local >$T/trace_clock
echo function_graph >$T/current_tracer
echo 1 >$T/options/funcgraph-proc
echo 16384 >$T/buffer_size_kb

run_case() {
	local round=$1 tool=$2 mode=$3 depth g pages fns
	case $mode in
	ip) depth=30 g='' pages=64 ;;
	dwarf) depth=5 g="--call-graph dwarf,8192" pages=1024 ;;
	esac
	if [ $tool = sonde ]; then
		fns="sonde_ring_reserve sonde_ring_commit sonde_handler_hist_bucket"
	else
		fns="perf_output_begin_forward perf_output_end"
	fi
	echo "$fns" >$T/set_ftrace_filter
	setarch -R "$wl" "$depth" 3600 &
	wl_pid=$!
	sleep 0.2
	echo >$T/trace
	echo 1 >$T/tracing_on
	if [ $tool = sonde ]; then
		# shellcheck disable=SC2086
		sonde record -q $g -c "$period" -m "$pages" -a -d "$secs" \
			-o "$tmp/p.data" >/dev/null
	else
		# shellcheck disable=SC2086
		perf record -q $g -e cpu-clock -c "$period" -m "$pages" -a \
			-o "$tmp/p.perf" -- sleep "$secs" >/dev/null 2>&1
	fi
	echo 0 >$T/tracing_on
	kill $wl_pid
	wait $wl_pid 2>/dev/null || true
	# " 0)   deep-554    |   0.749 us    |  sonde_ring_commit [sonde]();"
	grep -F "deep-$wl_pid" $T/trace | awk -v r="$round" -v t=$tool -v m=$mode '
		{
			n = split($0, col, "|")
			if (n < 3 || col[n] !~ /\);/)
				next
			fn = col[n]
			sub(/^ */, "", fn)
			sub(/[ (].*/, "", fn)
			dur = col[n - 1]
			gsub(/[^0-9.]/, "", dur)
			if (dur == "")
				next
			sum[fn] += dur * 1000
			cnt[fn]++
		}
		END {
			for (fn in sum)
				printf "producer %d %s %s %s %d %.0f\n", r, t, m, fn, cnt[fn], sum[fn] / cnt[fn]
		}'
	rm -f "$tmp/p.data" "$tmp/p.perf" "$tmp/p.perf.old"
}

for r in $(seq 1 "$rounds"); do
	for mode in $modes; do
		abba "$r" run_case "$mode"
	done
done
echo >$T/set_ftrace_filter
echo nop >$T/current_tracer
echo 0 >$T/options/funcgraph-proc
