#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark "handler", run inside one guest by scripts/bench, a guest
# booted with QEMU -icount shift=0,sleep=off (SONDE_VM_ICOUNT), one CPU:
# guest time then counts guest instructions (the TSC runs at 1 GHz, one
# tick per instruction), so a handler's duration is its instruction count,
# the same from run to run whatever else the host does.
#
# What: the time of one timer callback, sonde's (sonde_timer_fn) against
# perf's cpu-clock callback (perf_swevent_hrtimer), between the
# timer:hrtimer_expire_entry and timer:hrtimer_expire_exit tracepoints
# (trace_clock x86-tsc), counting only the callbacks that interrupted the
# workload (tests/workloads/deep: an xorshift leaf under a recursion of
# DEPTH frame-pointer frames).  Both tools: cpu-clock every PERIOD ns
# (sonde -c, perf -e cpu-clock -c), -a, 64 ring pages per CPU (-m 64;
# 1024 in dwarf mode, where 64 pages hold 32 samples and the emulated
# recorders could not keep up: samples were lost, and a lost sample's
# callback, which copies nothing, made the median), the same call-chain
# mode:
#
#   ip       no call chain                      (depth 30)
#   fp5      frame pointers, no stack bytes     (depth 5)
#   fp30     the same                           (depth 30)
#   fp120    the same                           (depth 120)
#   dwarf    --call-graph dwarf,8192            (depth 5: a shallow stack)
#   dwarf64  --call-graph dwarf,65528           (depth 5; each tool's
#            largest: scripts/bench runs it alone at a 2 ms period, since
#            perf's 64 KiB samples at 4 kHz are 256 MB/s, more than an
#            emulated recorder drains, and a lost sample copies nothing)
#
# sonde's fp is --call-graph fp,0 (its default fp copies 512 bytes of
# stack as well, to repair frameless leaves), perf's --call-graph fp.
# The workload runs without address-space randomization (setarch -R):
# both tools copy the stack from the sampled SP up to the end of the
# stack mapping, at most 8 KiB, and with randomization that distance,
# so the dwarf-mode cost of each run, changed from run to run (measured:
# from about 2.7 KiB to the full 8 KiB).
#
# Each round runs every mode once per tool, sonde first in odd rounds and
# perf first in even ones (A B, B A, ...).  Prints one line per case:
#
#   case ROUND TOOL MODE DEPTH P50 P90 P99 N
#
# (instructions, N callbacks).  The first round's recordings are kept as
# OUTDIR/rec-TOOL-MODE.{data,perf} for the bytes per sample, which the
# host counts (scripts/bench).
#
# Recordings are written to the guest's /tmp (a tmpfs): writing perf's
# dwarf-mode data through 9p would take most of the run.
#
# FIRST numbers the first round (default 1), to add rounds to an earlier
# run's.
#
# Usage: tests/bench/handler.sh OUTDIR [ROUNDS] [SECONDS] [PERIOD_NS] [MODES]
#                               [FIRST]
set -euo pipefail
# shellcheck source=tests/bench/abba.sh
. "$(dirname "$0")/abba.sh"
out=$1
rounds=${2:-6}
secs=${3:-0.3}
period=${4:-250000}
modes=${5:-ip fp5 fp30 fp120 dwarf}
first=${6:-1}
tmp=${TMPDIR:-/tmp}
wl=tests/build/workloads/deep
# The workload runs in the background, where a missing one would go
# unnoticed and every figure would be of an idle CPU.
[ -x "$wl" ] || { echo "$0: $wl is not built (make -C tests/workloads)" >&2; exit 1; }
T=/sys/kernel/tracing
mkdir -p "$out"

mountpoint -q $T || mount -t tracefs nodev $T
echo 0 >$T/tracing_on
echo nop >$T/current_tracer
echo x86-tsc >$T/trace_clock
echo 16384 >$T/buffer_size_kb
echo 1 >$T/events/timer/hrtimer_expire_entry/enable
echo 1 >$T/events/timer/hrtimer_expire_exit/enable

depth_of() {
	case "$1" in
	fp5 | dwarf*) echo 5 ;;
	fp120) echo 120 ;;
	*) echo 30 ;;
	esac
}

cg_opts() {
	case "$1,$2" in
	*,ip) ;;
	sonde,fp*) echo "--call-graph fp,0" ;;
	perf,fp*) echo "--call-graph fp" ;;
	*,dwarf) echo "--call-graph dwarf,8192" ;;
	*,dwarf64) echo "--call-graph dwarf,65528" ;;
	esac
}

# Durations of the callbacks of FUNC that interrupted task PID, one per
# line, from the trace: an entry, then the exit of the same hrtimer.
durations() {
	awk -v fn="$1" -v task="-$2" '
		/hrtimer_expire_entry:/ {
			split($0, a, "hrtimer=")
			split(a[2], b, " ")
			if (index($0, "function=" fn) && index($1, task) == length($1) - length(task) + 1)
				start[b[1]] = ts()
			next
		}
		/hrtimer_expire_exit:/ {
			split($0, a, "hrtimer=")
			split(a[2], b, " ")
			if (b[1] in start) {
				print ts() - start[b[1]]
				delete start[b[1]]
			}
		}
		# "<comm>-<pid> [000] d.h1. 123456789: hrtimer_expire_entry: ..."
		function ts(   i) {
			for (i = 2; i <= NF; i++)
				if ($i ~ /^[0-9]+:$/)
					return substr($i, 1, length($i) - 1) + 0
			return 0
		}' $T/trace
}

run_case() {
	local round=$1 tool=$2 mode=$3 depth g fn f pages=64
	depth=$(depth_of "$mode")
	g=$(cg_opts "$tool" "$mode")
	case $mode in dwarf*) pages=1024 ;; esac
	setarch -R "$wl" "$depth" 3600 &
	wl_pid=$!
	sleep 0.2
	echo >$T/trace
	echo 1 >$T/tracing_on
	if [ "$tool" = sonde ]; then
		fn=sonde_timer_fn
		f=$tmp/b.data
		sonde record -q $g -c "$period" -m $pages -a -d "$secs" -o "$f" >/dev/null
	else
		fn=perf_swevent_hrtimer
		f=$tmp/b.perf
		perf record -q $g -e cpu-clock -c "$period" -m $pages -a -o "$f" -- \
			sleep "$secs" >/dev/null 2>&1
	fi
	echo 0 >$T/tracing_on
	kill $wl_pid
	wait $wl_pid 2>/dev/null || true
	durations $fn $wl_pid | sort -n >"$tmp/d"
	awk -v r="$round" -v t="$tool" -v m="$mode" -v dp="$depth" '
		function q(p,   i) { i = int(NR * p) + 1; if (i > NR) i = NR; return v[i] }
		{ v[NR] = $1 }
		END { printf "case %d %s %s %d %d %d %d %d\n", r, t, m, dp, q(0.5), q(0.9), q(0.99), NR }' "$tmp/d"
	if [ "$round" = 1 ]; then
		mv "$f" "$out/rec-$tool-$mode.${f##*.}"
	fi
	rm -f "$tmp/b.data" "$tmp/b.perf" "$tmp/b.perf.old"
}

for r in $(seq "$first" $((first + rounds - 1))); do
	for mode in $modes; do
		abba "$r" run_case "$mode"
	done
done
echo 0 >$T/events/timer/hrtimer_expire_entry/enable
echo 0 >$T/events/timer/hrtimer_expire_exit/enable
echo local >$T/trace_clock
