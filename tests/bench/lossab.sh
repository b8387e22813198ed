#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Losses of two sonde recorders, A and B, in one guest boot: each records
# the deep workload (30 frames, running all along) with -a at HZ per CPU
# for SECONDS, in every mode of MODES (fp: --call-graph fp,0; dwarf:
# --call-graph dwarf,8192), ROUNDS times, A B in odd rounds and B A in
# even ones.  A recorder is a sonde binary and, after a colon, more
# arguments for its record ("user/sonde:-m 128"); the module is the
# one loaded.  Run it in the -icount guest, as scripts/bench runs
# reader.sh, to compare a change to the recorder against the commit
# before it (build the old one in a git worktree).
#
# With PROCS=N in the environment, N copies of the workload run (a host
# with many busy processes: the recorder's first drain sees them all);
# with PRELOAD, they run with it as LD_PRELOAD (many mapped files: a
# snapshot opens each for its build-id, over 9p in the guest).
#
# Prints "lossab ROUND A|B MODE SAMPLES LOST RING_FULL NESTED" per run
# (the last two: LOST by the module's reason) and, last,
# "lossab-total A|B MODE RUNS RUNS_THAT_LOST LOST".  With KEEPDIR, a run
# that lost keeps its recording there as lossab-ROUND-A|B-MODE.data (its
# own samples, -a, show where the recorder was).
#
# Usage: tests/bench/lossab.sh A B [ROUNDS] [HZ] [SECONDS] [MODES] [KEEPDIR]
set -euo pipefail
rec_a=$1
rec_b=$2
rounds=${3:-8}
hz=${4:-20000}
secs=${5:-0.5}
modes=${6:-fp dwarf}
keep=${7:-}
wl=tests/build/workloads/deep
tmp=${TMPDIR:-/tmp}
# The workload runs in the background, where a missing one would go
# unnoticed and every figure would be of an idle CPU.
[ -x "$wl" ] || { echo "$0: $wl is not built (make -C tests/workloads)" >&2; exit 1; }
for rec in "$rec_a" "$rec_b"; do
	[ -x "${rec%%:*}" ] || { echo "$0: ${rec%%:*} is not an executable" >&2; exit 1; }
done

# PROCS copies, all running before each record starts: the first drain
# asks for a snapshot of each.
wl_pids=
for _ in $(seq "${PROCS:-1}"); do
	LD_PRELOAD=${PRELOAD:-} "$wl" 30 3600 &
	wl_pids="$wl_pids $!"
done
# shellcheck disable=SC2086
trap 'kill $wl_pids 2>/dev/null' EXIT
sleep 0.2

# ROUND A|B MODE
one() {
	local r=$1 which=$2 mode=$3 rec bin args g line
	[ "$which" = A ] && rec=$rec_a || rec=$rec_b
	bin=${rec%%:*}
	args=
	[ "$bin" = "$rec" ] || args=${rec#*:}
	[ "$mode" = dwarf ] && g="--call-graph dwarf,8192" || g="--call-graph fp,0"
	rm -f "$tmp/lossab.data"
	# shellcheck disable=SC2086
	"$bin" record $g $args -c $((1000000000 / hz)) -a -d "$secs" \
		-o "$tmp/lossab.data" >/dev/null 2>"$tmp/lossab.txt" || true
	# "sonde: N samples, M lost (...), ..." or "..., 0 lost, ..."
	line=$(sed -n 's/^sonde: \([0-9]*\) samples, \([0-9]*\) lost.*/\1 \2/p' "$tmp/lossab.txt")
	if [ -z "$line" ]; then
		echo "$0: $which's record failed: $(head -n1 "$tmp/lossab.txt")" >&2
		exit 1
	fi
	# "... M lost (R ring full, N nested...)" when M > 0: the reasons
	why=$(sed -n 's/^sonde: .* lost (\([0-9]*\) ring full, \([0-9]*\) nested.*/\1 \2/p' "$tmp/lossab.txt")
	echo "lossab $r $which $mode $line ${why:-0 0}"
	if [ -n "$keep" ] && [ "${line#* }" != 0 ]; then
		mkdir -p "$keep"
		cp "$tmp/lossab.data" "$keep/lossab-$r-$which-$mode.data"
	fi
}

for r in $(seq "$rounds"); do
	for mode in $modes; do
		if [ $((r % 2)) = 1 ]; then
			one "$r" A "$mode"
			one "$r" B "$mode"
		else
			one "$r" B "$mode"
			one "$r" A "$mode"
		fi
	done
done | tee "$tmp/lossab.out"
awk '{ k = $3 " " $4; runs[k]++; if ($6 > 0) { lossy[k]++; lost[k] += $6 } }
     END { for (k in runs) printf "lossab-total %s %d %d %d\n", k, runs[k], lossy[k], lost[k] }' \
	"$tmp/lossab.out" | sort
rm -f "$tmp/lossab.data" "$tmp/lossab.txt" "$tmp/lossab.out"
