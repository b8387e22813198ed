#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks "reader" and "ramp", run inside one guest by scripts/bench
# (QEMU -icount shift=0,sleep=off, one CPU: guest time counts guest
# instructions), the deep workload (30 frames) running all along.
#
# reader: the recorder's own CPU time (user + system, which the kernel
# keeps to the nanosecond in total; the split between the two is by
# ticks) and its context switches (voluntary: its wakeups), from wait4()
# through tests/bench/cputime, of `sonde record --call-graph fp,0` against
# `perf record --call-graph fp -e cpu-clock`, both -a -c PERIOD -m 64,
# each sampling for SECONDS by its own means once it is set up (sonde -d,
# perf -- sleep; perf's set-up in the guest takes longer than a few
# seconds, so a SIGINT after a fixed time stopped it before its first
# sample), writing to the guest's /tmp.  Rounds alternate which tool goes
# first.  Prints "reader ROUND TOOL USER_US SYS_US NVCSW NIVCSW" and keeps
# the recordings as OUTDIR/reader-ROUND-TOOL.{data,perf}; the host counts
# their samples (scripts/bench).
#
# readerrun: the same recorders, sampling for RUN_SECONDS, each measured
# only once it runs: `perf stat -e task-clock -p` on the recorder for
# half of what is left of RUN_SECONDS 4 s after it began to sample
# (sonde: its start, its set-up takes well under a second; perf: the
# exec of its workload, which ends its set-up: that took more than 8 s
# of guest time, reading files over 9p, during which the guest's clock
# runs ahead).  Start and finish are left out (sonde's kallsyms and
# /proc reading; perf's synthesized events and its build-id pass, which
# reads every sample again), and with them the spread they put on the
# runs above.  The window's edges are read from /proc/uptime while perf
# stat counts, and perf records with -k CLOCK_MONOTONIC, sonde's clock,
# so the host counts the samples each tool took inside the window (and
# drops a run whose first sample came after the window began).  Prints
# "readerrun ROUND TOOL TASK_CLOCK_NS WINDOW_SECONDS PERIOD_NS START_S
# END_S" and keeps the recordings as OUTDIR/readerrun-ROUND-TOOL.*.
#
# ramp: the same workload at rising rates per CPU, in each of RAMP_MODES
# (fp: the call-graph mode above; dwarf: --call-graph dwarf,8192 for
# both), each tool with its default ring size (no -m), for RAMP_SECONDS
# each (sonde takes at most 20 kHz per CPU, perf's cpu-clock 100 kHz: a
# rate a tool refuses prints "ramp ROUND TOOL HZ MODE refused"):
# "ramp ROUND TOOL HZ MODE", recordings kept as
# OUTDIR/ramp-ROUND-TOOL-MODE-HZ.* (sonde's summary line, which says
# whether its overhead limit throttled, as .txt); the host reads their
# sample, loss and throttle counts.
#
# Usage: tests/bench/reader.sh OUTDIR [ROUNDS] [SECONDS] [PERIOD_NS]
#                              [RAMP_ROUNDS] [RAMP_SECONDS] [RATES]
#                              [RUN_SECONDS] [RAMP_MODES]
set -euo pipefail
# shellcheck source=tests/bench/abba.sh
. "$(dirname "$0")/abba.sh"
out=$1
rounds=${2:-6}
secs=${3:-2}
period=${4:-250000}
ramp_rounds=${5:-2}
ramp_secs=${6:-0.5}
rates=${7:-2000 5000 10000 20000 50000 100000}
run_secs=${8:-20}
ramp_modes=${9:-fp dwarf}
wl=tests/build/workloads/deep
cputime=tests/build/bench-host/cputime
tmp=${TMPDIR:-/tmp}
# The workload runs in the background, where a missing one would go
# unnoticed and every figure would be of an idle CPU.
[ -x "$wl" ] || { echo "$0: $wl is not built (make -C tests/workloads)" >&2; exit 1; }
mkdir -p "$out"

"$wl" 30 3600 &
wl_pid=$!
trap 'kill $wl_pid 2>/dev/null' EXIT
sleep 0.2
echo "perf_event_max_sample_rate_before $(cat /proc/sys/kernel/perf_event_max_sample_rate)"

# reader TAG ROUND TOOL SECONDS
reader() {
	local tag=$1 r=$2 tool=$3 s=$4 t
	if [ "$tool" = sonde ]; then
		t=$("$cputime" sonde record -q --call-graph fp,0 \
			-c "$period" -m 64 -a -d "$s" -o "$tmp/r.data")
		mv "$tmp/r.data" "$out/$tag-$r-sonde.data"
	else
		t=$("$cputime" perf record -q --call-graph fp \
			-e cpu-clock -c "$period" -m 64 -a -o "$tmp/r.perf" -- sleep "$s")
		mv "$tmp/r.perf" "$out/$tag-$r-perf.perf"
	fi
	# shellcheck disable=SC2086
	set -- $t
	echo "$tag $r $tool $1 $2 $6 $7"
}

# wait_child_exec PID COMM: until a child of PID runs COMM (perf record
# execs its workload once its set-up is done, and samples from then on),
# or 120 s.
wait_child_exec() {
	local c
	for _ in $(seq 1200); do
		for c in $(pgrep -P "$1"); do
			[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && return 0
		done
		sleep 0.1
	done
	return 1
}

# readerrun ROUND TOOL
readerrun() {
	local r=$1 tool=$2 pid ns settle=4 win edges
	win=$(((run_secs - settle) / 2))
	if [ "$tool" = sonde ]; then
		sonde record -q --call-graph fp,0 -c "$period" -m 64 -a \
			-d "$run_secs" -o "$tmp/r.data" >/dev/null &
	else
		perf record -q --call-graph fp -e cpu-clock -c "$period" -m 64 \
			-k CLOCK_MONOTONIC -a -o "$tmp/r.perf" \
			-- sleep "$run_secs" >/dev/null 2>&1 &
	fi
	pid=$!
	[ "$tool" = perf ] && wait_child_exec "$pid" sleep
	sleep "$settle"
	# The window's edges, read while perf stat counts: /proc/uptime is
	# CLOCK_BOOTTIME, CLOCK_MONOTONIC in a guest that never suspends.
	ns=$(perf stat -x, -e task-clock -p "$pid" -- sh -c \
		"cut -d' ' -f1 /proc/uptime; sleep $win; cut -d' ' -f1 /proc/uptime" \
		2>&1 >"$tmp/edges" |
		awk -F, '$3 == "task-clock" { printf "%d", $1 * 1e6 }')
	edges=$(paste -sd' ' "$tmp/edges")
	wait "$pid" || true
	if [ "$tool" = sonde ]; then
		mv "$tmp/r.data" "$out/readerrun-$r-sonde.data"
	else
		mv "$tmp/r.perf" "$out/readerrun-$r-perf.perf"
	fi
	rm -f "$tmp/r.perf.old" "$tmp/edges"
	echo "readerrun $r $tool ${ns:-0} $win $period $edges"
}

# ramp ROUND TOOL HZ MODE
ramp() {
	local r=$1 tool=$2 hz=$3 mode=$4 p g f
	p=$((1000000000 / hz))
	f=$out/ramp-$r-$tool-$mode-$hz
	if [ "$mode" = dwarf ]; then
		g="--call-graph dwarf,8192"
	elif [ "$tool" = sonde ]; then
		g="--call-graph fp,0"
	else
		g="--call-graph fp"
	fi
	if [ "$tool" = sonde ]; then
		rm -f "$tmp/r.data"
		# shellcheck disable=SC2086
		sonde record $g -c "$p" -a -d "$ramp_secs" -o "$tmp/r.data" \
			>/dev/null 2>"$f.txt" || true
		if [ ! -s "$tmp/r.data" ]; then
			echo "ramp $r $tool $hz $mode refused"
			return
		fi
		mv "$tmp/r.data" "$f.data"
	else
		rm -f "$tmp/r.perf"
		# shellcheck disable=SC2086
		perf record -q $g -e cpu-clock -c "$p" -a \
			-o "$tmp/r.perf" -- sleep "$ramp_secs" >/dev/null 2>&1 || true
		if [ ! -s "$tmp/r.perf" ]; then
			echo "ramp $r $tool $hz $mode refused"
			return
		fi
		mv "$tmp/r.perf" "$f.perf"
	fi
	echo "ramp $r $tool $hz $mode"
}

# ROUND TOOL: the short run, then the long one measured once running.
reader_and_run() {
	reader reader "$1" "$2" "$secs"
	readerrun "$1" "$2"
}

for r in $(seq "$rounds"); do
	abba "$r" reader_and_run
done
for r in $(seq "$ramp_rounds"); do
	for mode in $ramp_modes; do
		for hz in $rates; do
			abba "$r" ramp "$hz" "$mode"
		done
	done
done
# perf lowers its own limit when its handler runs long: say where it is.
echo "perf_event_max_sample_rate_after $(cat /proc/sys/kernel/perf_event_max_sample_rate)"
