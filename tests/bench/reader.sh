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
# ramp: the same workload and call-graph mode at rising rates per CPU,
# each tool with its default ring size (no -m), for RAMP_SECONDS each
# (sonde takes at most 20 kHz per CPU, perf's cpu-clock 100 kHz: a rate
# a tool refuses prints "ramp ROUND TOOL HZ refused"):
# "ramp ROUND TOOL HZ", recordings kept as OUTDIR/ramp-ROUND-TOOL-HZ.*
# (sonde's summary line, which says whether its overhead limit throttled,
# as .txt); the host reads their sample, loss and throttle counts.
#
# Usage: tests/bench/reader.sh OUTDIR [ROUNDS] [SECONDS] [PERIOD_NS]
#                              [RAMP_ROUNDS] [RAMP_SECONDS] [RATES]
set -euo pipefail
out=$1
rounds=${2:-6}
secs=${3:-2}
period=${4:-250000}
ramp_rounds=${5:-2}
ramp_secs=${6:-0.5}
rates=${7:-2000 5000 10000 20000 50000 100000}
wl=tests/build/workloads/deep
cputime=tests/build/bench-host/cputime
tmp=${TMPDIR:-/tmp}
mkdir -p "$out"

"$wl" 30 3600 &
wl_pid=$!
trap 'kill $wl_pid 2>/dev/null' EXIT
sleep 0.2
echo "perf_event_max_sample_rate_before $(cat /proc/sys/kernel/perf_event_max_sample_rate)"

reader() {
	local r=$1 tool=$2 t
	if [ "$tool" = sonde ]; then
		t=$("$cputime" sonde record -q --call-graph fp,0 \
			-c "$period" -m 64 -a -d "$secs" -o "$tmp/r.data")
		mv "$tmp/r.data" "$out/reader-$r-sonde.data"
	else
		t=$("$cputime" perf record -q --call-graph fp \
			-e cpu-clock -c "$period" -m 64 -a -o "$tmp/r.perf" -- sleep "$secs")
		mv "$tmp/r.perf" "$out/reader-$r-perf.perf"
	fi
	set -- $t
	echo "reader $r $tool $1 $2 $6 $7"
}

ramp() {
	local r=$1 tool=$2 hz=$3 p
	p=$((1000000000 / hz))
	if [ "$tool" = sonde ]; then
		rm -f "$tmp/r.data"
		sonde record --call-graph fp,0 \
			-c "$p" -a -d "$ramp_secs" -o "$tmp/r.data" >/dev/null \
			2>"$out/ramp-$r-sonde-$hz.txt" || true
		if [ ! -s "$tmp/r.data" ]; then
			echo "ramp $r $tool $hz refused"
			return
		fi
		mv "$tmp/r.data" "$out/ramp-$r-sonde-$hz.data"
	else
		rm -f "$tmp/r.perf"
		perf record -q --call-graph fp -e cpu-clock -c "$p" -a \
			-o "$tmp/r.perf" -- sleep "$ramp_secs" >/dev/null 2>&1 || true
		if [ ! -s "$tmp/r.perf" ]; then
			echo "ramp $r $tool $hz refused"
			return
		fi
		mv "$tmp/r.perf" "$out/ramp-$r-perf-$hz.perf"
	fi
	echo "ramp $r $tool $hz"
}

for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		reader "$r" sonde
		reader "$r" perf
	else
		reader "$r" perf
		reader "$r" sonde
	fi
done
for r in $(seq "$ramp_rounds"); do
	for hz in $rates; do
		if [ $((r % 2)) = 1 ]; then
			ramp "$r" sonde "$hz"
			ramp "$r" perf "$hz"
		else
			ramp "$r" perf "$hz"
			ramp "$r" sonde "$hz"
		fi
	done
done
# perf lowers its own limit when its handler runs long: say where it is.
echo "perf_event_max_sample_rate_after $(cat /proc/sys/kernel/perf_event_max_sample_rate)"
