#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end checks of the field cases (../shared/cases/programs, built by
# tests/e2e/run into tests/build/cases) and of short-lived processes:
# problems people reported against other profilers, each a test here.
# Run inside a guest by tests/e2e/guest.sh; prints TAP lines without
# numbers, like it.
#
# Usage: tests/e2e/cases.sh OUTDIR
set -uo pipefail
out=$1/cases
cases=tests/build/cases
wl=tests/build/workloads
mkdir -p "$out"

. "$(dirname "$0")/lib.sh"
# Samples of a report's "Samples" column for the row ending in $2.
report_row() {
	awk -v name="$2" '!/^#/ && NF >= 4 && $NF == name { print $3; exit }' "$1"
}
# "comm<TAB>function of the first user frame in FILE<TAB>path" per
# sample of a recording, from sonde script.
first_user_frames() {
	sonde script -i "$1" 2>/dev/null | awk -v OFS='\t' '
		/ cpu-clock: $/ { comm = $1; seen = 0; next }
		/^\t/ && !seen {
			addr = $1
			if (length(addr) == 16 && addr ~ /^ffff/) next
			seen = 1
			sym = $2; sub(/\+0x[0-9a-f]+$/, "", sym)
			path = $NF; gsub(/[()]/, "", path)
			print comm, sym, path
		}'
}

if [ ! -d "$cases" ]; then
	echo "ok - field cases # SKIP $cases not built (no ../shared/cases)"
	exit 0
fi

# 1. thread_names: threads renamed with pthread_setname_np show under
# their names in --sort comm, --comm and script.
sonde record -g -q -o "$out/names.data" -- "$cases/thread_names/prog" \
	2>"$out/names.err"
sonde report -i "$out/names.data" --sort comm >"$out/names.comm" 2>&1
a=$(report_row "$out/names.comm" worker-A)
b=$(report_row "$out/names.comm" worker-B)
total=$(sed -n 's/^# samples: \([0-9]*\).*/\1/p' "$out/names.comm")
echo "# thread names: worker-A ${a:-0}, worker-B ${b:-0} of ${total:-0}"
check "thread names: worker-A and worker-B each hold a third or more" \
	test "${a:-0}" -ge $((total / 3)) -a "${b:-0}" -ge $((total / 3))
sonde report -i "$out/names.data" --comm worker-A >"$out/names.A" 2>&1
check "thread names: --comm worker-A shows work_a, not work_b" \
	eval 'grep -q " work_a " "$out/names.A" && ! grep -q " work_b " "$out/names.A"'
sonde script -i "$out/names.data" >"$out/names.script" 2>/dev/null
check "thread names: script names the threads" \
	grep -q '^worker-B ' "$out/names.script"

# record -t: one thread of a running process (the demo's second
# thread), and only it.  The demo runs until killed: on a loaded host
# finding the thread took most of a 4 s run, and the thread was gone.
"$wl/demo" 60 >/dev/null &
prog=$!
tid=
for i in $(seq 100); do
	for t in /proc/$prog/task/*; do
		[ -d "$t" ] && [ "${t##*/}" != "$prog" ] && tid=${t##*/}
	done
	[ -n "$tid" ] && break
	sleep 0.05
done
sonde record -q -t "${tid:-0}" -d 1 -o "$out/tid.data" 2>"$out/tid.err"
rc=$?
kill $prog
wait $prog
sonde script -i "$out/tid.data" 2>/dev/null |
	awk '/ cpu-clock: $/ { print $2 }' | sort | uniq -c >"$out/tid.threads"
echo "# -t ${tid:-none} of $prog (exit $rc): $(tr '\n' ' ' <"$out/tid.threads")"
check "-t TID: only that thread's samples" \
	test $rc -eq 0 -a "$(wc -l <"$out/tid.threads")" -eq 1 -a \
	"$(awk '{ print $2 }' "$out/tid.threads")" = "$prog/${tid:-x}"

# 2. exec_nonpie: progA execs progB, both non-PIE at the same addresses:
# each image keeps its own samples (about half each).
(cd "$cases/exec_nonpie" && sonde record -g -q -o "$OLDPWD/$out/exec.data" \
	-- ./progA 1.0 2>"$OLDPWD/$out/exec.err")
sonde report -i "$out/exec.data" >"$out/exec.report" 2>&1
a=$(awk '!/^#/ && $5 == "a_work" { print $3 }' "$out/exec.report")
b=$(awk '!/^#/ && $5 == "b_work" { print $3 }' "$out/exec.report")
echo "# exec: a_work ${a:-0}, b_work ${b:-0} samples"
check "exec of a non-PIE image over another: a_work and b_work 30..70% each" \
	test $((${a:-0} + ${b:-0})) -gt 100 -a \
	$((100 * ${a:-0} / (${a:-0} + ${b:-0} + 1))) -ge 30 -a \
	$((100 * ${a:-0} / (${a:-0} + ${b:-0} + 1))) -le 70
sonde report -i "$out/exec.data" --sort comm >"$out/exec.comm" 2>&1
check "exec: progA and progB named apart" \
	test "$(report_row "$out/exec.comm" progA)" -ge $((${a:-0} / 2)) \
	-a "$(report_row "$out/exec.comm" progB)" -ge $((${b:-0} / 2))

# 3. Short-lived processes: 200 children of 5 ms each under
# -a -- COMMAND.  The samples whose first user frame lies in the spawn
# executable must name one of its functions (child_burn mostly; the C
# runtime's on the way in and out): at least 95% must, and the children
# are named.
sonde record -a -g -q -o "$out/spawn.data" -- "$wl/spawn" 200 5 \
	2>"$out/spawn.err"
rc=$?
first_user_frames "$out/spawn.data" >"$out/spawn.frames"
in_exe=$(awk -F'\t' '$3 ~ /\/spawn$/' "$out/spawn.frames" | wc -l)
named=$(awk -F'\t' '$3 ~ /\/spawn$/ && $2 != "[unknown]" && $2 != "spawn"' \
	"$out/spawn.frames" | wc -l)
unnamed=$(awk -F'\t' '$1 ~ /^:[0-9]+$/' "$out/spawn.frames" | wc -l)
burn=$(awk -F'\t' '$2 == "child_burn"' "$out/spawn.frames" | wc -l)
echo "# short-lived: exit $rc, $in_exe samples in the executable, $named resolved, $burn in child_burn, $unnamed in unnamed processes"
check "-a -- COMMAND: records and exits 0" test $rc -eq 0
check "short-lived: >= 95% of samples in the executable resolve ($named of $in_exe)" \
	test "$in_exe" -ge 50 -a $((100 * named)) -ge $((95 * in_exe))
check "short-lived: no more than 5% of samples in unnamed processes ($unnamed)" \
	test $((20 * unnamed)) -le "$in_exe"
check "short-lived: child_burn holds most of them ($burn)" \
	test $((2 * burn)) -ge "$in_exe"

# A process that re-execs itself (a PIE: the new image lands elsewhere):
# the samples of each image resolve in that image.
sonde record -q -g -o "$out/reexec.data" -- "$wl/spawn" --reexec 1000 \
	2>"$out/reexec.err"
sonde export -i "$out/reexec.data" -f folded -o "$out/reexec.folded" 2>/dev/null
counts=$(awk '{ n = $NF
	if ($0 ~ /;before_exec;/) pre += n
	if ($0 ~ /;after_exec;/) post += n
	if ($0 ~ /\[unknown\]/) unk += n
} END { print pre + 0, post + 0, unk + 0 }' "$out/reexec.folded")
set -- $counts
pre=$1 post=$2 unk=$3
echo "# re-exec: before_exec $pre, after_exec $post, [unknown] $unk"
check "re-exec of itself: each image's samples resolve (30..70% each, few unknown)" \
	test $((pre + post)) -gt 100 -a \
	$((100 * pre / (pre + post + 1))) -ge 30 -a \
	$((100 * pre / (pre + post + 1))) -le 70 -a \
	$((20 * unk)) -le $((pre + post))

# 4. fork_noexec: the command's children (fork without exec, and a
# shell's children) are sampled.
(cd "$cases/fork_noexec" && sonde record -g -q -o "$OLDPWD/$out/fork.data" \
	-- ./forker 2>"$OLDPWD/$out/fork.err")
sonde report -i "$out/fork.data" >"$out/fork.report" 2>&1
c=$(awk '!/^#/ && $5 == "child_work" { print $3 }' "$out/fork.report")
p=$(awk '!/^#/ && $5 == "parent_work" { print $3 }' "$out/fork.report")
echo "# fork: child_work ${c:-0}, parent_work ${p:-0}"
check "fork without exec: the children's child_work is sampled (${c:-0} vs ${p:-0})" \
	test "${c:-0}" -ge "${p:-1}"
(cd "$cases/fork_noexec" && sonde record -g -q -o "$OLDPWD/$out/sh.data" \
	-- sh -c './leaf; ./leaf' 2>"$OLDPWD/$out/sh.err")
sonde report -i "$out/sh.data" --sort pid >"$out/sh.pids" 2>&1
n=$(awk '!/^#/ && $NF == "leaf"' "$out/sh.pids" | wc -l)
check "sh -c './leaf; ./leaf': both leaf processes sampled ($n)" test "$n" -eq 2

# 6. Complete stacks (tests/workloads/unwind.c).  $1: folded file, $2:
# the leaf function; prints "full total": samples in $2, and those whose
# stack holds main -> a -> b above it.
chains() {
	awk -v leaf="$2" '{
		n = $NF; sub(/ [0-9]+$/, "")
		if ($0 !~ ";" leaf "$") next
		total += n
		if ($0 ~ /;main;a;b;/) full += n
	} END { print full + 0, total + 0 }' "$1"
}
# A stack complete in $3% of the leaf's samples or more ("ge"), or below.
chain_check() {
	local what=$1 file=$2 leaf=$3 cmp=$4 pct=$5 full total counts
	counts=$(chains "$file" "$leaf" 2>/dev/null)
	full=${counts% *}
	total=${counts#* }
	[ -n "$counts" ] || { full=0; total=0; }
	echo "# $what: $full of $total $leaf samples have main -> a -> b"
	if [ "$cmp" = ge ]; then
		check "$what: >= $pct% complete ($full of $total)" \
			test "$total" -ge 50 -a $((100 * full)) -ge $((pct * total))
	else
		check "$what: < $pct% complete ($full of $total): the check can fail" \
			test "$total" -ge 50 -a $((100 * full)) -lt $((pct * total))
	fi
}
for mode in dwarf fp; do
	sonde record -q --call-graph $mode -o "$out/qsort-$mode.data" \
		-- "$wl/unwind-nofp" qsort 2 2>"$out/qsort-$mode.err"
	sonde export -i "$out/qsort-$mode.data" -f folded \
		-o "$out/qsort-$mode.folded" 2>/dev/null
done
chain_check "dwarf, no frame pointers, qsort comparator" \
	"$out/qsort-dwarf.folded" cmp ge 95
chain_check "fp, no frame pointers, qsort comparator" \
	"$out/qsort-fp.folded" cmp lt 50
for mode in fp fp,0 dwarf; do
	sonde record -q --call-graph $mode -o "$out/leaf-$mode.data" \
		-- "$wl/unwind-fp" leaf 2 2>"$out/leaf-$mode.err"
	sonde export -i "$out/leaf-$mode.data" -f folded \
		-o "$out/leaf-$mode.folded" 2>/dev/null
done
chain_check "leaf repair (-g), frameless leaf" "$out/leaf-fp.folded" leaf ge 95
chain_check "dwarf, frameless leaf" "$out/leaf-dwarf.folded" leaf ge 95
chain_check "plain frame pointers (fp,0), frameless leaf" \
	"$out/leaf-fp,0.folded" leaf lt 50

# 7. JIT code in anonymous executable memory, with and without a frame
# pointer: the stack goes through it to its C caller (fp and dwarf
# modes); without one, through a stack scan, marked "[stack scan]".
for jit in fp nofp; do
	for mode in fp dwarf; do
		f=$out/jit-$jit-$mode
		sonde record -q --call-graph $mode -o "$f.data" \
			-- "$wl/jit" $jit 2 2>"$f.err"
		sonde export -i "$f.data" -f folded -o "$f.folded" 2>/dev/null
		# Kernel frames above the JIT frame (an interrupt, more
		# of them on a loaded host) do not change its stack.
		counts=$(awk '/^jit;/ {
			n = $NF; total += n; s = $0
			sub(/ [0-9]+$/, "", s)
			while (s ~ /;[^;]*_\[k\]$/)
				sub(/;[^;]*_\[k\]$/, "", s)
			if (s ~ /;main;jit_caller;(\[stack scan\];)?[^;]+$/)
				through += n
		} END { print through + 0, total + 0 }' "$f.folded")
		through=${counts% *}
		total=${counts#* }
		echo "# jit $jit, $mode: $through of $total samples under main -> jit_caller -> JIT code"
		check "jit $jit, $mode: >= 80% of samples pass through the JIT frame to jit_caller" \
			test "$total" -ge 50 -a $((100 * through)) -ge $((80 * total))
	done
done

# 8. A command in new pid and mount namespaces, followed from outside:
# its samples are kept and its functions named.
if command -v unshare >/dev/null; then
	sonde record -q -g -o "$out/unshare.data" -- \
		unshare --pid --mount --fork "$wl/split" 2 >/dev/null \
		2>"$out/unshare.err"
	sonde report -i "$out/unshare.data" --no-inline \
		>"$out/unshare.report" 2>&1
	tq=$(awk '!/^#/ && $5 == "three_quarters" { print $3 }' "$out/unshare.report")
	oq=$(awk '!/^#/ && $5 == "one_quarter" { print $3 }' "$out/unshare.report")
	total=$(sed -n 's/^# samples: \([0-9]*\).*/\1/p' "$out/unshare.report")
	tq=${tq:-0} oq=${oq:-0}
	echo "# unshare: three_quarters $tq, one_quarter $oq of ${total:-0} samples"
	# The split itself, not its share of the run: on a loaded host the
	# start (unshare, exec over 9p) took over half of the samples.
	check "new pid and mount namespaces: sampled and symbolized (the 75/25 split)" \
		test $((tq + oq)) -ge 100 -a $((100 * tq)) -ge $((60 * (tq + oq))) \
			-a $((100 * tq)) -le $((90 * (tq + oq)))
else
	echo "ok - new pid and mount namespaces # SKIP no unshare(1)"
fi

# 5. deep_recursion: a stack cut at the depth limit is marked as such.
(cd "$cases/deep_recursion" && sonde record -g -q -o "$OLDPWD/$out/deep.data" \
	-- ./prog 300 2>/dev/null)
sonde report -i "$out/deep.data" >"$out/deep.report" 2>&1
sonde export -i "$out/deep.data" -f folded -o "$out/deep.folded" 2>/dev/null
t=$(sed -n 's/^# truncated: \([0-9]*\).*/\1/p' "$out/deep.report")
echo "# deep recursion: ${t:-0} truncated stacks"
check "deep recursion: the report counts truncated stacks" test "${t:-0}" -gt 50
check "deep recursion: folded stacks start at [truncated]" \
	grep -q '^prog;\[truncated\];recurse' "$out/deep.folded"
(cd "$cases/deep_recursion" && sonde record -g -q -o "$OLDPWD/$out/shallow.data" \
	-- ./prog 50 2>/dev/null)
sonde export -i "$out/shallow.data" -f folded -o "$out/shallow.folded" \
	2>/dev/null
check "shallow recursion: no stack through recurse marked truncated" \
	eval '! grep "recurse" "$out/shallow.folded" | grep -q "\[truncated\]"'
exit 0
