#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark "breakdown", run inside the guest of tests/bench/handler.sh
# (QEMU -icount shift=0,sleep=off, one CPU: one nanosecond of guest time
# is one guest instruction): where sonde's timer callback spends its
# instructions.  function_graph traces sonde_timer_fn and its callees
# three calls deep (set_graph_function, max_graph_depth 3) while sonde
# records the deep workload, -c PERIOD -a -m 64, in MODE (ip: no chain,
# fp30: --call-graph fp,0 with 30 frames, dwarf: --call-graph dwarf,8192
# at 5 frames, -m 1024 as in handler.sh).  Only callbacks that interrupted the workload count.
#
# Prints, per mode, one line per traced function, caller and depth:
#
#   part MODE DEPTH CALLER FUNCTION CALLS_PER_CALLBACK MEAN_INSNS
#
# and "part MODE 0 - callbacks N 0".  A function's duration includes the
# tracer's own hooks for what it calls (and part of its own): the host
# (scripts/bench) sets them against the untraced duration of handler.sh.
# Functions the tracer cannot see (notrace, such as
# ktime_get_mono_fast_ns, and inlined ones) count in their caller.
#
# The workload's part of each mode's trace is kept as OUTDIR/trace-MODE.
#
# Usage: tests/bench/breakdown.sh OUTDIR [SECONDS] [PERIOD_NS] [MODES]
set -euo pipefail
out=$1
secs=${2:-0.3}
period=${3:-250000}
modes=${4:-ip fp30 dwarf}
wl=tests/build/workloads/deep
# The workload runs in the background, where a missing one would go
# unnoticed and every figure would be of an idle CPU.
[ -x "$wl" ] || { echo "$0: $wl is not built (make -C tests/workloads)" >&2; exit 1; }
T=/sys/kernel/tracing
tmp=${TMPDIR:-/tmp}

mountpoint -q $T || mount -t tracefs nodev $T
echo 0 >$T/tracing_on
echo local >$T/trace_clock
echo sonde_timer_fn >$T/set_graph_function
echo 3 >$T/max_graph_depth
echo function_graph >$T/current_tracer
echo 1 >$T/options/funcgraph-proc
echo 1 >$T/options/funcgraph-tail
echo 16384 >$T/buffer_size_kb

for mode in $modes; do
	case $mode in
	ip) depth=30 g='' pages=64 ;;
	fp30) depth=30 g="--call-graph fp,0" pages=64 ;;
	dwarf) depth=5 g="--call-graph dwarf,8192" pages=1024 ;;
	esac
	setarch -R "$wl" "$depth" 3600 &
	wl_pid=$!
	sleep 0.2
	echo >$T/trace
	echo 1 >$T/tracing_on
	sonde record -q $g -c "$period" -m "$pages" -a -d "$secs" -o "$tmp/b.data" >/dev/null
	echo 0 >$T/tracing_on
	kill $wl_pid
	wait $wl_pid 2>/dev/null || true
	# " 0)   deep-554    |   1.234 us    |    sonde_ring_commit [sonde]();"
	# " 0)   deep-554    |   5.678 us    |  } /* sonde_sample [sonde] */"
	# Depth from the indentation after the last "|" (two spaces a level).
	grep -F "deep-$wl_pid" $T/trace >"$tmp/trace" || true
	cp "$tmp/trace" "$out/trace-$mode"
	awk -v m="$mode" '
		{
			n = split($0, col, "|")
			if (n < 3)
				next
			body = col[n]
			match(body, /^ */)
			d = int(RLENGTH / 2)
			dur = col[n - 1]
			gsub(/[^0-9.]/, "", dur)
			fn = body
			if (fn ~ /\) [{] *$/) {	# an opening line: its closing one has the time
				sub(/^ */, "", fn)
				sub(/[ (].*/, "", fn)
				stack[d] = fn
				next
			}
			if (fn ~ /^ *}/) {
				if (!sub(/.*\/\* /, "", fn))
					next
				sub(/ .*/, "", fn)
			} else if (fn ~ /\);/) {
				sub(/^ */, "", fn)
				sub(/[ (].*/, "", fn)
			} else {
				next
			}
			if (dur == "")
				next
			k = d SUBSEP (d > 1 ? stack[d - 1] : "-") SUBSEP fn
			sum[k] += dur * 1000
			cnt[k]++
			if (d == 1 && fn == "sonde_timer_fn")
				cb++
		}
		END {
			printf "part %s 0 - callbacks %d 0\n", m, cb
			for (k in sum) {
				split(k, p, SUBSEP)
				printf "part %s %d %s %s %.3f %.0f\n", m, p[1], p[2], p[3], cb ? cnt[k] / cb : 0, sum[k] / cnt[k]
			}
		}' "$tmp/trace" | sort -k3,3n -k7,7nr
	rm -f "$tmp/b.data" "$tmp/trace"
done
echo nop >$T/current_tracer
echo >$T/set_graph_function
echo 0 >$T/options/funcgraph-tail
