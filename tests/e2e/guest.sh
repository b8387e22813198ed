#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end checks inside a guest (run by tests/e2e/run through
# scripts/vm-run): record real workloads with sonde.ko and check what
# report, script and export make of them.  Prints TAP test lines without
# numbers or plan; the host side adds those.
#
# Usage: tests/e2e/guest.sh OUTDIR
set -uo pipefail
out=$1
wl=tests/build/workloads
mkdir -p "$out"

. "$(dirname "$0")/lib.sh"
# "pid cpu" of every sample of a recording, from sonde script's headers.
script_pids_cpus() {
	sonde script -i "$1" 2>/dev/null | awk '/ cpu-clock: $/ {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, a, "/"); pid = a[1] }
			if ($i ~ /^\[[0-9]+\]$/) cpu = substr($i, 2, length($i) - 2) + 0
		}
		print pid, cpu }'
}
# The "# samples: N" of a report.
report_samples() {
	sed -n 's/^# samples: \([0-9]*\).*/\1/p' "$1" | head -n1
}
# Wait up to $2 seconds for a file matching glob $1 to exist.
wait_for() {
	local i
	for i in $(seq $(($2 * 10))); do
		compgen -G "$1" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# Wait up to $2 seconds for a file matching glob $1 to hold data, or
# until process $3 (if given) is gone.  A recording's FILE.tmp-PID gets
# its first bytes from the drain loop, after START: then sampling runs.
wait_data() {
	local i f
	for i in $(seq $(($2 * 10))); do
		for f in $(compgen -G "$1"); do
			[ -s "$f" ] && return 0
		done
		[ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}
# Start the split workload in the background as $wl/split -r READY -u
# SECS (it burns until SIGUSR1, then SECS more) and wait until it is
# burning: on a loaded host its exec alone can take seconds.  Sets $!.
# Usage: start_burning READY SECS OUT
start_burning() {
	rm -f "$1"
	"$wl/split" -r "$1" -u "$2" >"$3" 2>&1 &
	wait_for "$1" 60 || echo "# split $! did not start burning within 60 s"
}
# The samples of a folded file whose stack contains frame $2.
folded_count() {
	awk -v f=";$2" 'index($0, f ";") || substr($0, length($0) - length($NF) - length(f), length(f)) == f {
		n += $NF } END { print n + 0 }' "$1"
}
folded_total() {
	awk '{ n += $NF } END { print n + 0 }' "$1"
}
# The first and last sample times of a recording, and the seconds between.
sample_span() {
	sonde script -i "$1" 2>/dev/null | awk '/ cpu-clock: $/ {
		t = $(NF - 2); sub(/:$/, "", t); t += 0
		if (!n++ || t < a) a = t
		if (t > b) b = t }
		END { printf "%.3f %.3f %.3f\n", a, b, b - a }'
}

# 1. A 75/25 split is reported as such.  A loaded host misses timer
# periods (as few as a quarter were sampled): 5 s keep the share's
# sampling error near a point.
sonde record -q -g -F 999 -o "$out/split.data" -- "$wl/split" 5 \
	>"$out/split.out" 2>"$out/split.err"
rc=$?
check "record a command (exit $rc)" test $rc -eq 0 -a -s "$out/split.data"
self=$(awk '{ printf "%.1f", 100 * $1 }' "$out/split.out")
sonde export -i "$out/split.data" -f folded -o "$out/split.folded"
three=$(folded_count "$out/split.folded" three_quarters)
one=$(folded_count "$out/split.folded" one_quarter)
total=$(folded_total "$out/split.folded")
pct=$(awk -v a="$three" -v b="$one" 'BEGIN { if (a + b) printf "%.1f", 100 * a / (a + b); else print 0 }')
echo "# split: three_quarters $three, one_quarter $one, of $total samples: $pct% (the workload measured $self%)"
check "75/25 split measured as $pct% (70..80)" \
	awk -v p="$pct" 'BEGIN { exit !(p >= 70 && p <= 80) }'
check "sampled share $pct% within 3 points of the workload's own $self%" \
	awk -v p="$pct" -v s="$self" 'BEGIN { d = p - s; exit !(s > 0 && d <= 3 && d >= -3) }'
# Of the samples under the workload's main(): before it, exec and the
# dynamic loader take a fixed cost that is a larger share of fewer samples
# on a loaded host (and those frames are checked in 5).
inmain=$(folded_count "$out/split.folded" main)
check "the split functions hold most samples of main ($((three + one)) of $inmain; $total in all)" \
	test $((10 * (three + one))) -ge $((8 * inmain)) -a "$inmain" -ge 500

# 2. report, script and export agree on the number of samples.
sonde report -i "$out/split.data" --children >"$out/split.report" 2>"$out/report.err"
rep=$(sed -n 's/^# samples: \([0-9]*\).*/\1/p' "$out/split.report" | head -n1)
sonde script -i "$out/split.data" >"$out/split.script" 2>/dev/null
scr=$(grep -c -E '^[^[:space:]].* cpu-clock:' "$out/split.script")
echo "# samples: report $rep, script $scr, folded $total"
check "report, script and export agree ($rep/$scr/$total)" \
	test -n "$rep" -a "$rep" = "$scr" -a "$scr" = "$total"
check "report shows the module's statistics" \
	grep -q '^# sampling handler: mean [0-9]* ns, max [0-9]* ns$' "$out/split.report"
check "report names three_quarters" grep -q 'three_quarters' "$out/split.report"
# split.c's spin_for() is inlined into both (always_inline): with -g's
# DWARF it is a frame of its own above them, and only without inline
# frames do they keep the self time.  Its thread-CPU-time clock is a
# system call, whose share of the samples grows on a loaded host: the
# checks count the samples through spin_for, wherever their leaf.
inl=$(awk '/;three_quarters;spin_for_\[i\](;| [0-9]+$)/ { n += $NF } END { print n + 0 }' \
	"$out/split.folded")
echo "# split: $inl of $three samples in three_quarters are in the inlined spin_for"
check "inline frames: spin_for_[i] above three_quarters ($inl of $three)" \
	test $((10 * inl)) -ge $((9 * three)) -a "$three" -gt 0
# Without inline frames (and with the kernel's left out), the samples
# whose user leaf was three_quarters or a function inlined into it
# (spin_for, and cpu_ns in it) are three_quarters' self.
leaf=$(sonde export -i "$out/split.data" -f folded --user-only 2>/dev/null |
	awk '/;three_quarters(;[^;]*_\[i\])* [0-9]+$/ { n += $NF } END { print n + 0 }')
sonde report -i "$out/split.data" --no-inline --user-only \
	>"$out/split-noinline.report" 2>&1
got=$(awk '!/^#/ && $5 == "three_quarters" { print $3 }' "$out/split-noinline.report")
check "report --no-inline: three_quarters has the self time again (${got:-0} of the $leaf whose user leaf was it or inlined in it)" \
	test "${got:-0}" -eq "$leaf" -a $((2 * leaf)) -ge "$three" -a "$three" -gt 0

# 3. Kernel work shows kernel frames; user hot functions have names.
sonde record -q -g -o "$out/demo.data" -- "$wl/demo" 2 2>/dev/null
sonde export -i "$out/demo.data" -f folded -o "$out/demo.folded"
# libc's read() and write() keep no frame pointer, so a frame-pointer
# chain from inside them skips their caller, syscall_copy(): look for the
# copy thread's own function below the kernel frames instead.
check "demo: kernel frames under the copy thread" \
	grep -Eq 'syscall_thread;(syscall_copy;)?[^;]*(read|write)[^;]*;.*_\[k\]' "$out/demo.folded"
check "demo: hot_primes symbolized" grep -q ';hot_primes ' "$out/demo.folded"

# 4. SIGINT in the middle still leaves a complete recording.  Its
# first data means it is sampling (a SIGINT before record blocks it
# would kill it, which is not what this checks).
sonde record -q -a -o "$out/int.data" &
rec=$!
wait_data "$out/int.data.tmp-*" 60 $rec
sleep 1
kill -INT $rec
wait $rec
rc=$?
check "SIGINT: record exits 0 (got $rc)" test $rc -eq 0
sonde report -i "$out/int.data" >"$out/int.report" 2>"$out/int.err"
rc=$?
n=$(sed -n 's/^# samples: \([0-9]*\).*/\1/p' "$out/int.report" | head -n1)
check "SIGINT: the recording reports $n samples (exit $rc)" \
	test $rc -eq 0 -a "${n:-0}" -gt 0
check "SIGINT: the recording is complete (no warning)" test ! -s "$out/int.err"

# 5. Samples of the command before its exec are symbolized in the image
# that ran them (the pre-exec copy of sonde), not left [unknown].  Only
# the leaf frame (the sampled IP) is exact: a frame-pointer walk through
# code built without frame pointers (ld.so) can yield garbage callers.
unk=$(awk '/cpu-clock:/ { leaf = 1; next }
	leaf && /\[unknown\] \(\[unknown\]\)/ { n++ } { leaf = 0 }
	END { print n + 0 }' "$out/split.script")
check "command: no sampled IP outside every mapping ($unk)" test "$unk" -eq 0

# 6. -a -d 1 ends by itself and sees several processes, idle included.
# The workload burns from before the window opens until after the -C 0
# window of 7 closes.  What record does before START and after STOP
# (exec, snapshots, kallsyms) takes seconds of emulated CPU, and many of
# them on a loaded host: -d is checked on the samples' own clock.
start_burning "$out/all.ready" 0.1 /dev/null
bg=$!
start=$(date +%s)
timeout 120 sonde record -q -a -d 1 -o "$out/all.data" 2>"$out/all.err"
rc=$?
secs=$(($(date +%s) - start))
check "-a -d 1: exits 0 by itself (exit $rc, ${secs}s in all)" \
	test $rc -eq 0 -a ! -s "$out/all.err"
read -r first last span <<<"$(sample_span "$out/all.data")"
check "-a -d 1: samples span ${span}s (0.5 to 3)" \
	awk -v s="$span" 'BEGIN { exit !(s >= 0.5 && s <= 3) }'
script_pids_cpus "$out/all.data" >"$out/all.pids"
npids=$(cut -d' ' -f1 "$out/all.pids" | sort -u | wc -l)
check "-a: samples of $npids pids, idle (pid 0) and the workload among them" \
	test "$npids" -ge 3 -a -n "$(awk '$1 == 0' "$out/all.pids" | head -n1)" \
	-a -n "$(awk -v p=$bg '$1 == p' "$out/all.pids" | head -n1)"
sonde report -i "$out/all.data" --sort comm >"$out/all.report" 2>&1
check "-a: report lists swapper" grep -q ' swapper$' "$out/all.report"

# Sampling on perf counters (-e): page-faults every fault, from the
# page-touching loop of stat-target (2000 new pages, each one fault; a
# ring of 4 MiB holds the burst, which an emulated CPU drains slowly).
sonde record -q -g -m 1024 -e page-faults -c 1 -o "$out/pf.data" -- \
	"$wl/stat-target" 2000 0 2>"$out/pf.err"
rc=$?
sonde report -i "$out/pf.data" >"$out/pf.report" 2>&1
n=$(awk '$NF ~ /stat-target$/ && $5 == "main" { print $3; exit }' "$out/pf.report")
check "-e page-faults -c 1: main has at least 2000 samples (exit $rc, ${n:-no} samples in main)" \
	test $rc -eq 0 -a "${n:-0}" -ge 2000 -a ! -s "$out/pf.err"
check "-e page-faults: report names the event" \
	grep -q '^# event: page-faults' "$out/pf.report"
# A hardware event where there is no PMU: one line, and the way out.
sonde record -q -e cycles -o "$out/cy.data" -- true 2>"$out/cy.err"
rc=$?
check "-e cycles without a PMU: exit 2, one line naming -e cpu-clock ($(head -n 1 "$out/cy.err"))" \
	test $rc -eq 2 -a "$(wc -l <"$out/cy.err")" -eq 1 -a \
	-n "$(grep 'cpu-clock' "$out/cy.err")" -a ! -e "$out/cy.data"
# The timer and a counter in one recording, both at -F 999: script
# tells them apart, and the counter's periods estimate the switches.
# In frequency mode the counter is per CPU and its period adapts to
# every task's switches there, and the last period never overflows:
# the sum over this task's samples is an estimate (172 of 200 seen on
# 6.1), so ask for half of the 200 switches it is known to make.
sonde record -q -g -e cpu-clock,cs -o "$out/mix.data" -- \
	"$wl/stat-target" 200 200 2>/dev/null
sonde script -i "$out/mix.data" >"$out/mix.script" 2>/dev/null
ncs=$(awk '$NF == "cs:" { s += $(NF - 1) } END { print s + 0 }' "$out/mix.script")
ncpu=$(grep -c ' cpu-clock: $' "$out/mix.script")
check "-e cpu-clock,cs: context-switch periods add up to $ncs (>= 100 of 200), $ncpu timer samples" \
	test "$ncs" -ge 100 -a "$ncpu" -ge 1

# Without -q, record ends with one summary line: samples, lost, the
# handler's cost from the module's histogram, where it went.
timeout 120 sonde record -a -d 1 -o "$out/summary.data" 2>"$out/summary.err"
check "record's summary: one line with samples, lost, handler p50 and p99 ($(tail -n 1 "$out/summary.err"))" \
	grep -Eq '^sonde: [0-9]+ samples, [0-9]+ lost.*, handler p50 < [0-9.]+ [nmu]?s, p99 [<>=]+ [0-9.]+ [nmu]?s, written to ' \
	"$out/summary.err"

# --max-overhead: a budget far below what 10 kHz with stack copies costs
# here must lengthen the timer's period; later samples stand for it.
start_burning "$out/budget.ready" 0.1 /dev/null
bg=$!
timeout 120 sonde record -a -F 10000 --call-graph dwarf --max-overhead 0.05 \
	-d 2 -o "$out/budget.data" 2>"$out/budget.err"
kill $bg 2>/dev/null
wait $bg 2>/dev/null
sonde script -i "$out/budget.data" 2>/dev/null |
	awk '$NF == "cpu-clock:" { print $(NF - 1) }' | sort -n | uniq -c \
	>"$out/budget.periods"
thr=$(tail -n 1 "$out/budget.err" | grep -o 'throttled [^(]*')
long=$(awk '$2 > 100000 { n += $1 } END { print n + 0 }' "$out/budget.periods")
check "--max-overhead 0.05: ${thr:-not throttled}, $long samples of periods above 100 us" \
	test -n "$thr" -a "$long" -gt 0

# The drain loop snapshots a process when it is first seen, again (with
# a backoff from 0.1 s, doubling) when its IP leaves the mappings known,
# and at the end; never per sample.  Its syscalls do not grow with the
# samples.
strace -f -e trace=openat -o "$out/snap.strace" \
	sonde record -q -a -d 2 -o "$out/snap.data" 2>/dev/null
max=$(grep -o '"/proc/[0-9]*/maps"' "$out/snap.strace" | sort | uniq -c |
	sort -rn | awk 'NR == 1 { print $1 }')
check "-a: no process snapshotted more than 6 times (at most ${max:-0})" \
	test "${max:-0}" -ge 1 -a "${max:-0}" -le 6
# Start-up and the end (snapshots, kallsyms) cost the same syscalls at
# any rate, and a loaded host takes fewer samples (missed periods; 999 Hz
# kept as few as 14% of its periods): what must stay small is the extra
# syscalls of a recording at 999 Hz over the same recording at 99 Hz, per
# extra sample.
rate_run() {
	strace -f -c -o "$out/$1.strace" \
		sonde record -q -a -d 4 -F "$2" -o "$out/$1.data" 2>/dev/null
	sonde report -i "$out/$1.data" >"$out/$1.report" 2>/dev/null
	# read(2) is left out: /proc/kallsyms alone takes thousands at the end.
	echo "$(report_samples "$out/$1.report") $(awk '$1 ~ /^[0-9.]+$/ &&
		$NF != "read" && $NF != "total" { n += $4 }
		END { print n + 0 }' "$out/$1.strace")"
}
read -r n calls <<<"$(rate_run rate 999)"
read -r n99 calls99 <<<"$(rate_run rate99 99)"
dn=$((${n:-0} - ${n99:-0}))
dc=$((${calls:-0} - ${calls99:-0}))
echo "# -a -d 4 under strace: $calls syscalls other than read for ${n:-0} samples at 999 Hz, $calls99 for ${n99:-0} at 99 Hz"
check "-a: fewer than one syscall per 4 samples (${dc} more for ${dn} more)" \
	test "$dn" -ge 300 -a $((4 * dc)) -lt "$dn"

# 7. -C 0: only CPU 0, while the workload keeps both CPUs busy.
start_burning "$out/cpu0.ready" 0.1 /dev/null
bg2=$!
sonde record -q -a -C 0 -d 1 -o "$out/cpu0.data" 2>"$out/cpu0.err"
rc=$?
script_pids_cpus "$out/cpu0.data" >"$out/cpu0.pids"
n=$(wc -l <"$out/cpu0.pids")
other=$(awk '$2 != 0' "$out/cpu0.pids" | wc -l)
check "-C 0: $n samples, $other of them not on CPU 0 (exit $rc)" \
	test $rc -eq 0 -a "$n" -gt 0 -a "$other" -eq 0
kill -USR1 $bg $bg2
wait $bg $bg2

# 8. -p PID: only that process, and recording ends when it exits.  The
# workload burns until the recording is sampling, then 2 s more: a
# recording of it without its samples is the product's fault, not the
# test's (a workload that ended before START had given 0 samples).
start_burning "$out/pid.ready" 2 "$out/pid.out"
bg=$!
timeout 120 sonde record -q -p $bg -o "$out/pid.data" 2>"$out/pid.err" &
rec=$!
wait_data "$out/pid.data.tmp-*" 60 $rec ||
	echo "# the -p recording has no data after 60 s"
kill -USR1 $bg
wait $bg
echo "# -p workload: exit $?, measured $(cat "$out/pid.out")"
start=$(date +%s)
wait $rec
rc=$?
secs=$(($(date +%s) - start))
script_pids_cpus "$out/pid.data" >"$out/pid.pids"
n=$(wc -l <"$out/pid.pids")
other=$(awk -v p=$bg '$1 != p' "$out/pid.pids" | wc -l)
# It notices within a tick (0.25 s); the end (snapshots, kallsyms, fsync)
# takes seconds more on a loaded host.  Not ending would be timeout's 124.
check "-p: ends when the process exits (exit $rc, ${secs}s after it)" \
	test $rc -eq 0 -a $secs -le 60
check "-p: $n samples, $other of them from other pids" \
	test "$n" -gt 100 -a "$other" -eq 0
sonde export -i "$out/pid.data" >"$out/pid.folded" 2>/dev/null
check "-p: the workload's functions are named" \
	grep -Eq ';three_quarters(;spin_for_\[i\])? ' "$out/pid.folded"

# 9. --no-io-uring: poll() and pwrite() give the same kind of recording.
sonde record -q -g --no-io-uring -o "$out/nouring.data" -- "$wl/split" 4 \
	>/dev/null 2>"$out/nouring.err"
rc=$?
check "--no-io-uring: exit $rc, no diagnostics" \
	test $rc -eq 0 -a ! -s "$out/nouring.err"
sonde report -i "$out/nouring.data" >"$out/nouring.report" 2>"$out/nouring.rerr"
n=$(report_samples "$out/nouring.report")
sonde export -i "$out/nouring.data" >"$out/nouring.folded" 2>/dev/null
three=$(folded_count "$out/nouring.folded" three_quarters)
one=$(folded_count "$out/nouring.folded" one_quarter)
pct=$(awk -v a="$three" -v b="$one" 'BEGIN { if (a + b) printf "%.1f", 100 * a / (a + b); else print 0 }')
check "--no-io-uring: complete, $n samples, split $pct% (70..80)" \
	awk -v n="${n:-0}" -v p="$pct" -v e="$(wc -c <"$out/nouring.rerr")" \
	'BEGIN { exit !(n > 500 && p >= 70 && p <= 80 && e == 0) }'

# 10. SIGTERM to record of a command: complete file, command terminated.
sonde record -q -o "$out/term.data" -- \
	sh -c 'echo $$ >"$0"; exec "$1" 30' "$out/term.pid" "$wl/split" \
	>/dev/null 2>"$out/term.err" &
rec=$!
wait_for "$out/term.pid" 60
sleep 1
kill -TERM $rec
wait $rec
rc=$?
child=$(cat "$out/term.pid" 2>/dev/null)
check "SIGTERM: record exits 0 (got $rc)" test $rc -eq 0 -a ! -s "$out/term.err"
check "SIGTERM: the command ($child) was terminated" \
	test -n "$child" -a ! -d "/proc/${child:-none}"
sonde report -i "$out/term.data" >"$out/term.report" 2>"$out/term.rerr"
rc=$?
n=$(report_samples "$out/term.report")
check "SIGTERM: complete recording, $n samples (exit $rc)" \
	test $rc -eq 0 -a "${n:-0}" -gt 0 -a ! -s "$out/term.rerr"

# 11. An unwritable output (the read-only host root) fails cleanly.
sonde record -q -a -d 1 -o /usr/sonde-e2e.data 2>"$out/rofs.err"
rc=$?
lines=$(wc -l <"$out/rofs.err")
check "unwritable -o: exit $rc, one line of error" \
	test $rc -eq 1 -a "$lines" -eq 1
check "unwritable -o: the line says why" grep -q '^sonde: .*Read-only' "$out/rofs.err"
check "unwritable -o: nothing left behind" \
	test -z "$(compgen -G '/usr/sonde-e2e.data*')"

# 12. A recording cut short still reports, with exactly one warning: cut
# in half (maybe after the last sample), and at a tenth, inside the
# samples, so fewer of them are left.
full=$(report_samples "$out/int.report")
size=$(stat -c %s "$out/int.data")
for part in half:2 tenth:10; do
	name=${part%:*}
	head -c $((size / ${part#*:})) "$out/int.data" >"$out/$name.data"
	sonde report -i "$out/$name.data" >"$out/$name.report" 2>"$out/$name.err"
	rc=$?
	n=$(report_samples "$out/$name.report")
	check "cut to a $name: reports $n of $full samples (exit $rc)" \
		test $rc -eq 0 -a "${n:-0}" -gt 0 -a "${n:-0}" -le "${full:-0}"
	check "cut to a $name: exactly one warning" \
		test "$(wc -l <"$out/$name.err")" -eq 1 -a \
		"$(grep -cE 'warning: .*(truncated|cut short) at byte' "$out/$name.err")" -eq 1
done
check "cut to a tenth: fewer samples left ($n of $full)" \
	test "${n:-0}" -lt "${full:-0}"

# 13. A second record while one runs: a clear "busy" error, no file.
# The first runs until the second is done, however long that takes.
sonde record -q -a -o "$out/busy1.data" 2>"$out/busy1.err" &
rec=$!
wait_data "$out/busy1.data.tmp-*" 60 $rec
sonde record -q -a -d 1 -o "$out/busy2.data" 2>"$out/busy2.err"
rc=$?
kill -INT $rec
wait $rec
rc1=$?
check "busy: the second record fails (exit $rc), the first completes ($rc1)" \
	test $rc -eq 1 -a $rc1 -eq 0 -a -s "$out/busy1.data"
check "busy: one line saying so, no file" \
	test "$(wc -l <"$out/busy2.err")" -eq 1 -a ! -e "$out/busy2.data" \
	-a -z "$(compgen -G "$out/busy2.data.tmp-*")"
grep -q 'is busy' "$out/busy2.err" || sed 's/^/# /' "$out/busy2.err"
check "busy: the error names the cause" grep -q 'busy: another sonde record' "$out/busy2.err"

# 14. -p of a process that exits but is not reaped (a zombie) ends the
# recording too: kill(pid, 0) succeeds on a zombie, a pidfd does not
# (issue 7, "make check on a loaded machine": the product fault found).
rm -f "$out/zombie.pid"
sh -c '"$1" -r "$2" 1 >/dev/null & echo $! >"$3"; exec sleep 90' sh \
	"$wl/split" "$out/zombie.ready" "$out/zombie.pid" &
parent=$!
wait_for "$out/zombie.ready" 60 || echo "# the zombie's workload did not start"
zpid=$(cat "$out/zombie.pid")
start=$(date +%s)
timeout 60 sonde record -q -p "$zpid" -o "$out/zombie.data" 2>"$out/zombie.err"
rc=$?
secs=$(($(date +%s) - start))
state=$(awk '/^State:/ { print $2 }' "/proc/$zpid/status" 2>/dev/null)
check "-p of a process that became a zombie ends (exit $rc after ${secs}s, state $state)" \
	test $rc -eq 0 -a "$state" = Z
kill "$parent" 2>/dev/null
wait "$parent" 2>/dev/null

# 15. A command recorded from inside new pid and mount namespaces: the
# filter and the records use the namespace's pids (issue 7, item 1), so
# every sample is the command's and its functions are named.
if command -v unshare >/dev/null; then
	unshare --pid --fork --mount-proc sonde record -q -g \
		-o "$out/ns.data" -- "$wl/split" 3 >"$out/ns.out" 2>"$out/ns.err"
	rc=$?
	script_pids_cpus "$out/ns.data" >"$out/ns.pids"
	n=$(wc -l <"$out/ns.pids")
	pids=$(awk '{ print $1 }' "$out/ns.pids" | sort -u | tr '\n' ' ')
	comms=$(sonde report -i "$out/ns.data" --sort comm 2>/dev/null |
		awk '!/^#/ && NF { print $NF }' | sort -u | tr '\n' ' ')
	echo "# namespace: exit $rc, $n samples, pids: $pids, comms: $comms"
	check "pid namespace: every sample is the command's ($n samples, pids $pids)" \
		test $rc -eq 0 -a "$n" -gt 100 -a "$(echo $pids | wc -w)" -eq 1
	sonde export -i "$out/ns.data" >"$out/ns.folded" 2>/dev/null
	check "pid namespace: the command's functions are named" \
		grep -Eq ';three_quarters(;spin_for_\[i\])? ' "$out/ns.folded"
else
	echo "ok - pid namespace # SKIP no unshare(1)"
fi

# 16. For the host-side comparison.
sonde report -i "$out/split.data" >"$out/split.report.guest" 2>/dev/null

. "$(dirname "$0")/jit.sh"

# 17. The field cases and short-lived processes.
tests/e2e/cases.sh "$out"
tests/e2e/symbols.sh "$out"
tests/e2e/stacks.sh "$out"
# The off-CPU checks (tests/e2e/offcpu.sh) boot a guest of their own:
# tests/e2e/run.

# 18. sonde test with the module loaded: sampling works (exit 0), and the
# module's checks, the unwinders' and the JIT map's pass.  A guest has no
# hardware PMU under TCG: cycles may skip, never fail.
checks="module version access abi timer sw-events hw-cycles perf kallsyms io_uring unwind-fp unwind-dwarf jit-map"
# shellcheck disable=SC2086
sonde test -v $checks >"$out/selftest.out" 2>"$out/selftest.err"
rc=$?
sed -nE '/^ ?[0-9]+: /s/^/# /p' "$out/selftest.out"
check "sonde test exits 0 with the module loaded (exit $rc)" test $rc -eq 0
for c in module version access abi timer sw-events unwind-fp unwind-dwarf jit-map; do
	n=$(sonde test --list | sed -n "s/^ *\([0-9]*\): .* \[$c\]\$/\1/p")
	check "sonde test: $c ok" \
		grep -qE "^ ?$n: .* \.\.\. ok\$" "$out/selftest.out"
done
n=$(sonde test --list | sed -n 's/^ *\([0-9]*\): .* \[hw-cycles\]$/\1/p')
check "sonde test: hw-cycles ok, or skipped for want of a PMU" \
	grep -qE "^ ?$n: .* \.\.\. (ok|skip \(cycles: this machine has no such counter)" \
	"$out/selftest.out"
exit 0
