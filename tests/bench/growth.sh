#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark "growth", on the host: how sonde's post-processing grows with
# the samples, the processes and the distinct stacks of a recording.
# Synthetic recordings (tests/bench/genrec mix: processes of 4 threads,
# stacks 10 to 40 frames deep over up to 400 functions of the host's
# libc, which report really symbolizes) are varied one dimension at a
# time from a base of 1 process, 1,000 stacks and 100,000 samples:
#
#   samples   10,000 / 100,000 / 1,000,000
#   procs     1 / 20 / 200 processes (genrec mix: at most 200), 100,000
#             samples
#   stacks    1,000 / 10,000 / 100,000 distinct stacks, 100,000 samples
#   binaries  1 / 10 / 100 libraries mapped by one process, 100,000
#             samples on 1,000 stacks with frames in all of them
#             (tests/bench/genrec libs): the host's first shared
#             libraries by name under /usr/lib/x86_64-linux-gnu, under
#             16 MiB each (which ones depends on the host's packages)
#
# and each is read by `sonde report` and by `sonde export -f folded`,
# ROUNDS times in turn.  Prints one line per run:
#
#   growth DIMENSION VALUE COMMAND CPU_US MAXRSS_KB
#
# CPU time is user + system (tests/bench/cputime).  summarize.sh is not
# involved: scripts/bench --growth makes the table (medians, and each
# row's CPU time over the dimension's first row's).
#
# Usage: tests/bench/growth.sh OUTDIR [ROUNDS]
set -euo pipefail
out=$1
rounds=${2:-3}
bin=tests/build/bench-host
mkdir -p "$out"

# DIMENSION VALUE PROCS STACKS SAMPLES
cases="samples 10000 1 1000 10000
samples 100000 1 1000 100000
samples 1000000 1 1000 1000000
procs 1 1 1000 100000
procs 20 20 1000 100000
procs 200 200 1000 100000
stacks 1000 1 1000 100000
stacks 10000 1 10000 100000
stacks 100000 1 100000 100000
binaries 1 1 0 100000
binaries 10 10 0 100000
binaries 100 100 0 100000"

# The binaries rows' libraries; procs is their number there.
LIBS=$(find /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -name 'lib*.so.*' \
	-size -16M | LC_ALL=C sort | tr '\n' ':')
export LIBS

# The recording of a row.
rec_of() {
	if [ "$1" = binaries ]; then
		echo "$out/libs-$2-$5.data"
	else
		echo "$out/mix-$3-$4-$5.data"
	fi
}

while read -r dim val procs stacks samples; do
	f=$(rec_of "$dim" "$val" "$procs" "$stacks" "$samples")
	[ -f "$f" ] && continue
	if [ "$dim" = binaries ]; then
		$bin/genrec libs "$procs" "$samples" "$f"
	else
		$bin/genrec mix "$procs" 4 "$stacks" "$samples" "$f" >/dev/null
	fi
done <<<"$cases"

for _ in $(seq 1 "$rounds"); do
	while read -r dim val procs stacks samples; do
		f=$(rec_of "$dim" "$val" "$procs" "$stacks" "$samples")
		for cmd in report folded; do
			if [ $cmd = report ]; then
				set -- user/sonde report -i "$f"
			else
				set -- user/sonde export -f folded -i "$f"
			fi
			$bin/cputime -o /dev/null "$@" | awk -v d="$dim" -v v="$val" -v c=$cmd \
				'$4 != 0 { print "growth: " c " of " d " " v " exited " $4 >"/dev/stderr"; exit 1 }
				{ printf "growth %s %s %s %d %d\n", d, v, c, $1 + $2, $3 }'
		done
	done <<<"$cases"
done
