#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark B1 "samplecost", run inside one guest by scripts/bench: the
# in-kernel cost of one sample, sonde's hrtimer callback against perf's
# (cpu-clock, perf_swevent_hrtimer), same period, same workload, same
# guest boot, measured the same way: function_graph durations of the two
# callbacks (set_ftrace_filter holds just them).  Cases run in ABBA order.
#
# Modes: ip (no call chains), fp (sonde --call-graph fp,0, perf -g), leaf
# (sonde -g: frame pointers plus 512 bytes of stack for leaf repair,
# against perf -g), dwarf (both --call-graph dwarf, 8 KiB of stack).
#
# Prints one line per case: "case TOOL MODE p50_ns p90_ns p99_ns n
# bytes_per_sample".  Then, for post-processing, both tools' dwarf
# recordings of tests/workloads/unwind.c (qsort, no frame pointers) are
# turned into call chains by their script commands: "unwind TOOL
# cpu_seconds frames ns_per_frame".
#
# Usage: tests/bench/samplecost.sh OUTDIR [DEPTH] [SECONDS] [ROUNDS]
set -euo pipefail
out=$1
depth=${2:-30}
secs=${3:-2}
rounds=${4:-2}
wl=tests/build/workloads/deep
# The workload runs in the background, where a missing one would go
# unnoticed and every figure would be of an idle CPU.
[ -x "$wl" ] || { echo "$0: $wl is not built (make -C tests/workloads)" >&2; exit 1; }
T=/sys/kernel/tracing
mkdir -p "$out"

mountpoint -q $T || mount -t tracefs nodev $T
echo 0 >$T/tracing_on
echo sonde_timer_fn >$T/set_ftrace_filter
echo perf_swevent_hrtimer >>$T/set_ftrace_filter
echo function_graph >$T/current_tracer
# "comm-pid" on each line: only the callbacks that sampled the workload
# count, the same task in the same state for both tools.
echo 1 >$T/options/funcgraph-proc
echo 8192 >$T/buffer_size_kb

# The call-graph options of TOOL for MODE.
cg_opts() {
	case "$1,$2" in
	sonde,ip | perf,ip) ;;
	sonde,fp) echo "--call-graph fp,0" ;;
	sonde,leaf) echo "-g" ;;
	perf,fp | perf,leaf) echo "-g" ;;
	*,dwarf) echo "--call-graph dwarf,8192" ;;
	esac
}

# Mean bytes per SAMPLE record of a recording (mostly the workload's: it
# keeps the CPU busy).
bytes_per_sample() {
	if [ "$1" = sonde ]; then
		sonde report -i "$out/b.data" 2>/dev/null |
			sed -n 's/^# ring data: .*, \([0-9]*\) bytes per record/\1/p'
	else
		# mawk has no strtonum(): hex by hand.
		perf report -D -i "$out/b.perf" 2>/dev/null | awk '
			function hex(s,   i, v) {
				for (i = 1; i <= length(s); i++)
					v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
				return v
			}
			/PERF_RECORD_SAMPLE/ && match($0, /\[0x[0-9a-f]+\]/) {
				n++; b += hex(substr($0, RSTART + 3, RLENGTH - 4))
			}
			END { printf "%d\n", n ? b / n : 0 }'
	fi
}

# One case: TOOL (sonde|perf), MODE (ip|fp|leaf|dwarf).
run_case() {
	local tool=$1 mode=$2 g bytes
	g=$(cg_opts "$tool" "$mode")
	echo >$T/trace
	# The workload runs all along, through either tool's start-up (perf
	# takes seconds to start in a guest), so neither records mostly idle.
	"$wl" "$depth" 3600 &
	wl_pid=$!
	sleep 1
	echo 1 >$T/tracing_on
	# Both sample every CPU (per-CPU timers) while the workload runs.
	if [ "$tool" = sonde ]; then
		sonde record -q $g -F 1000 -a -d "$secs" -o "$out/b.data" >/dev/null
	else
		perf record -q $g -e cpu-clock -c 1000000 -a -o "$out/b.perf" -- \
			sleep "$secs" >/dev/null 2>&1
	fi
	echo 0 >$T/tracing_on
	kill $wl_pid
	wait $wl_pid 2>/dev/null || true
	# " 0)   deep-554    |   1.234 us    |  sonde_timer_fn [sonde]();"
	{ grep -E "deep-$wl_pid .*(sonde_timer_fn|perf_swevent_hrtimer)" $T/trace || true; } |
		sed -n 's/.*[ )] *\([0-9.]*\) us *|.*/\1/p' | sort -n >"$out/d"
	bytes=$(bytes_per_sample "$tool")
	awk -v t="$tool" -v m="$mode" -v b="${bytes:-0}" '
		function q(p,   i) { i = int(NR * p) + 1; if (i > NR) i = NR; return v[i] }
		{ v[NR] = $1 * 1000 }
		END { printf "case %s %s %d %d %d %d %d\n", t, m, q(0.5), q(0.9), q(0.99), NR, b }' "$out/d"
}

for _ in $(seq "$rounds"); do
	for mode in ip fp leaf dwarf; do
		run_case sonde $mode
		run_case perf $mode
		run_case perf $mode
		run_case sonde $mode
	done
done
echo nop >$T/current_tracer
echo >$T/set_ftrace_filter

# Post-processing: the same workload recorded in dwarf mode by each
# tool, then every sample unwound and printed by its script command.
uw=tests/build/workloads/unwind-nofp
sonde record -q --call-graph dwarf,8192 -F 1000 -o "$out/u.data" -- \
	"$uw" qsort "$secs" >/dev/null
perf record -q --call-graph dwarf,8192 -e cpu-clock -c 1000000 \
	-o "$out/u.perf" -- "$uw" qsort "$secs" >/dev/null 2>&1
for _ in $(seq "$rounds"); do
	for tool in sonde perf; do
		if [ $tool = sonde ]; then
			cmd="sonde script -i $out/u.data"
		else
			cmd="perf script -i $out/u.perf"
		fi
		/usr/bin/time -f "%U %S" -o "$out/t" $cmd >"$out/u.txt" 2>/dev/null
		frames=$(grep -c '^[[:space:]]\+[0-9a-f]\+ ' "$out/u.txt")
		awk -v t=$tool -v f="$frames" '{ s = $1 + $2
			printf "unwind %s %.2f %d %.0f\n", t, s, f, f ? s * 1e9 / f : 0 }' "$out/t"
	done
done
