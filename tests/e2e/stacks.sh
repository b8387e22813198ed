#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end checks of sonde stacks in a guest (issue 16's test): the
# waiters workload has two spinning threads, three in nanosleep, two
# deadlocked on two mutexes taken in opposite order, one blocked in
# read() on a pipe.  sonde stacks -p names each one's user function and
# kernel wait, groups the sleepers, reports the deadlock, and stops
# nothing: the spinners' CPU time keeps growing and nothing traces the
# process.  Prints TAP lines without numbers.
#
# Usage: tests/e2e/stacks.sh OUTDIR
set -uo pipefail
out=$1/stacks
wl=tests/build/workloads
mkdir -p "$out"

. "$(dirname "$0")/lib.sh"

# utime + stime of thread NAME of process PID, in clock ticks.
cpu_ticks() {
	local t
	for t in /proc/"$1"/task/*; do
		if [ "$(cat "$t/comm")" = "$2" ]; then
			awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat"
			return
		fi
	done
	echo 0
}

ready=$(mktemp -u /tmp/sonde-waiters.XXXXXX)
"$wl/waiters" "$ready" &
pid=$!
for _ in $(seq 300); do
	[ -e "$ready" ] && break
	sleep 0.1
done
before0=$(cpu_ticks "$pid" spinner-0)
before1=$(cpu_ticks "$pid" spinner-1)
sonde stacks -p "$pid" >"$out/stacks.txt" 2>"$out/stacks.err"
rc=$?
sonde stacks -p "$pid" --json >"$out/stacks.json" 2>>"$out/stacks.err"
rcj=$?
sleep 0.5
after0=$(cpu_ticks "$pid" spinner-0)
after1=$(cpu_ticks "$pid" spinner-1)
tracer=$(awk '/^TracerPid:/ { print $2 }' /proc/"$pid"/status)
kill -9 "$pid"
wait "$pid" 2>/dev/null
rm -f "$ready"
head -n 3 "$out/stacks.txt" | sed 's/^/# /'

check "stacks: exit 0, nothing on stderr (exit $rc, $(head -c 200 "$out/stacks.err"))" \
	test $rc -eq 0 -a ! -s "$out/stacks.err"
check "stacks: the header counts 9 threads" \
	grep -q "^# sonde stacks: process $pid, 9 threads$" "$out/stacks.txt"
# The text of the group that holds thread NAME: from its "N threads:"
# line to the next one.
group_of() {
	awk -v name="$1" '
		/^[0-9]+ threads?:$/ { if (found) exit; text = ""; }
		{ text = text $0 "\n" }
		$1 == name { found = 1 }
		END { if (found) printf "%s", text }' "$out/stacks.txt"
}
g=$(group_of sleeper-0)
check "stacks: the three sleepers are one group, in clock_nanosleep, under sleep_worker and do_nanosleep" \
	test "$(echo "$g" | head -n 1)" = "3 threads:" -a \
	"$(echo "$g" | grep -c 'sleeper-[0-2] .* sleeping for .* in clock_nanosleep')" -eq 3 -a \
	-n "$(echo "$g" | grep '\[\.\] sleep_worker ')" -a \
	-n "$(echo "$g" | grep '\[k\] do_nanosleep ')"
g=$(group_of locker-ab)
check "stacks: locker-ab waits in futex_wait under lock_ab_worker, held by locker-ba" \
	test -n "$(echo "$g" | grep 'locker-ab .* in futex on futex 0x[0-9a-f]* held by ')" -a \
	-n "$(echo "$g" | grep '\[\.\] lock_ab_worker ')" -a \
	-n "$(echo "$g" | grep '\[k\] futex_wait')"
g=$(group_of locker-ba)
check "stacks: locker-ba waits in futex_wait under lock_ba_worker" \
	test -n "$(echo "$g" | grep '\[\.\] lock_ba_worker ')" -a \
	-n "$(echo "$g" | grep '\[k\] futex_wait')"
check "stacks: the deadlock between locker-ab and locker-ba is reported" \
	grep -Eq '^# likely deadlock: locker-(ab|ba) [0-9]+ waits for locker-(ba|ab) [0-9]+ .*, locker-(ba|ab) [0-9]+ waits for locker-(ab|ba) ' \
	"$out/stacks.txt"
g=$(group_of reader)
check "stacks: the reader waits in pipe_read under pipe_reader, in read" \
	test -n "$(echo "$g" | grep 'reader .* in read$')" -a \
	-n "$(echo "$g" | grep '\[\.\] pipe_reader ')" -a \
	-n "$(echo "$g" | grep '\[k\] pipe_read ')"
check "stacks: both spinners are named in spin_worker" \
	test -n "$(group_of spinner-0 | grep '\[\.\] spin_worker ')" -a \
	-n "$(group_of spinner-1 | grep '\[\.\] spin_worker ')"
check "stacks: nothing stopped the spinners (CPU ticks $before0 -> $after0, $before1 -> $after1) or traced the process (TracerPid $tracer)" \
	test "$after0" -gt "$before0" -a "$after1" -gt "$before1" -a "$tracer" = 0
check "stacks --json: valid JSON with 9 threads and one deadlock of two (exit $rcj)" \
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
n = sum(len(g["threads"]) for g in d["groups"])
sys.exit(0 if n == 9 and len(d["deadlocks"]) == 1 and len(d["deadlocks"][0]) == 2 else 1)
' "$out/stacks.json"
sonde stacks -p 999999999 >/dev/null 2>"$out/nopid.err"
rc=$?
check "stacks: a pid that does not exist: exit 1, one line ($(cat "$out/nopid.err"))" \
	test $rc -eq 1 -a "$(wc -l <"$out/nopid.err")" -eq 1
