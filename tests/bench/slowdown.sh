#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark "slowdown", run inside one guest by scripts/bench, a guest
# booted with QEMU -icount shift=0,sleep=off and one CPU: guest time counts
# guest instructions, so the time a fixed amount of work takes is the
# instructions its CPU executed meanwhile, its own and everything that
# interrupted it or ran in its place: the sampling callbacks, the
# recorder's reading and writing, their wakeups.
#
# What: tests/workloads/deep in its fixed-work form (deep DEPTH -n
# BLOCKS, BLOCKS chosen so that it takes about SECONDS alone) run alone,
# then with each tool recording all CPUs (-a) at each rate, cpu-clock
# with a fixed period (sonde -c, perf -e cpu-clock -c: 1e9 / HZ ns),
# the same ring size (-m 64; 1024 in dwarf mode) and call-chain mode:
#
#   fp       frame pointers, 30 frames (sonde --call-graph fp,0)
#   dwarf    --call-graph dwarf,8192, 5 frames
#
# The recorder runs the workload as its command (perf and sonde start it
# once sampling is on), a second after it starts, so that the recorder's
# start (/proc, kallsyms, perf's synthesized events) is over.  The
# workload runs without address-space randomization (setarch -R), as in
# handler.sh.  Recordings go to the guest's /tmp (a tmpfs).
#
# Each round runs the workload alone, then every (mode, rate) once per
# tool, sonde first in odd rounds and perf first in even ones.  Prints
#
#   slow ROUND TOOL MODE HZ NS SAMPLES LOST
#
# NS the workload's time (instructions), SAMPLES the recording's samples
# of the workload's comm ("deep"), LOST the samples it lost (all CPUs); TOOL "none" and HZ 0 for the workload
# alone, at the mode's depth (before and after the round's cases).
# summarize.sh turns them into instructions per sample (NS less the
# round's mean NS alone, over SAMPLES) and the slowdown in percent.
#
# Usage: tests/bench/slowdown.sh OUTDIR [ROUNDS] [SECONDS] [RATES] [MODES]
set -euo pipefail
# shellcheck source=tests/bench/abba.sh
. "$(dirname "$0")/abba.sh"
out=$1
rounds=${2:-5}
secs=${3:-2}
rates=${4:-99 999 4999 19999}
modes=${5:-fp dwarf}
tmp=${TMPDIR:-/tmp}
wl=tests/build/workloads/deep
mkdir -p "$out"

ns_of() {	# deep's output: "deep: B blocks in NS ns"
	sed -n 's/^deep: [0-9]* blocks in \([0-9]*\) ns$/\1/p'
}

depth_of() {
	[ "$1" = dwarf ] && echo 5 || echo 30
}

cg_opts() {
	case "$1,$2" in
	sonde,fp) echo "--call-graph fp,0" ;;
	perf,fp) echo "--call-graph fp" ;;
	*,dwarf) echo "--call-graph dwarf,8192" ;;
	esac
}

# The workload's samples in a recording: those of its comm.
samples_of() {
	if [ "$1" = sonde ]; then
		sonde report -i "$2" --sort comm 2>/dev/null |
			awk '$NF == "deep" { n = $3 } END { print n + 0 }'
	else
		perf script -i "$2" -F comm 2>/dev/null | grep -c '^ *deep' || true
	fi
}

# Samples the recorder lost (sonde's LOST records, perf's LOST and
# LOST_SAMPLES events).
lost_of() {
	if [ "$1" = sonde ]; then
		sonde report -i "$2" 2>/dev/null |
			sed -n 's/^# lost: \([0-9]*\).*/\1/p' | head -n 1
	else
		perf report --stats -i "$2" 2>/dev/null | awk '
			($1 == "LOST" || $1 == "LOST_SAMPLES") && $2 == "events:" { n += $3 }
			END { print n + 0 }'
	fi
}

# About SECONDS of work, from a short calibration run.
per_block=$(setarch -R "$wl" 30 -n 200 | ns_of)
blocks=$(awk -v s="$secs" -v b="$per_block" 'BEGIN { n = int(s * 1e9 / (b / 200)); print n < 1 ? 1 : n }')
echo "# deep: $blocks blocks, about $secs s of guest time alone"

run_alone() {
	local mode ns
	for mode in $modes; do
		ns=$(setarch -R "$wl" "$(depth_of "$mode")" -n "$blocks" | ns_of)
		echo "slow $1 none $mode 0 $ns 0 0"
	done
}

run_case() {
	local round=$1 tool=$2 mode=$3 hz=$4 depth g f pages=64 period run
	depth=$(depth_of "$mode")
	g=$(cg_opts "$tool" "$mode")
	[ "$mode" = dwarf ] && pages=1024
	period=$((1000000000 / hz))
	run="sleep 1; setarch -R $wl $depth -n $blocks >$tmp/ns"
	rm -f "$tmp/ns"
	if [ "$tool" = sonde ]; then
		f=$tmp/s.data
		# shellcheck disable=SC2086
		sonde record -q $g -c "$period" -m $pages -a -o "$f" \
			-- sh -c "$run" >/dev/null 2>&1 || true
	else
		f=$tmp/s.perf
		# shellcheck disable=SC2086
		perf record -q $g -e cpu-clock -c "$period" -m $pages -a -o "$f" \
			-- sh -c "$run" >/dev/null 2>&1 || true
	fi
	echo "slow $round $tool $mode $hz $(ns_of <"$tmp/ns") $(samples_of "$tool" "$f") $(lost_of "$tool" "$f")"
	rm -f "$tmp/s.data" "$tmp/s.perf" "$tmp/s.perf.old"
}

for r in $(seq 1 "$rounds"); do
	run_alone "$r"
	for mode in $modes; do
		for hz in $rates; do
			abba "$r" run_case "$mode" "$hz"
		done
	done
	run_alone "$r"
done
