# SPDX-License-Identifier: GPL-2.0
#
# End-to-end checks of JIT names from perf maps (/tmp/perf-PID.map), in
# the guest: the C JIT workload naming its code, with the map kept or
# removed before it exits; JIT names from jitdumps: the C JIT workload's
# (loads, a move, code at a reused address, lines) and Node.js's; and
# Node.js run with --perf-basic-prof.
# Sourced by tests/e2e/guest.sh (which sets $out and $wl and defines
# check); prints TAP lines without numbers, like it.

jout=$out/jit
mkdir -p "$jout"

# Samples of the folded lines of $1 whose leaf frame matches regex $2.
jit_leaf_count() {
	awk -v re="$2" '{ n = $NF; line = $0; sub(/ [0-9]+$/, "", line)
		k = split(line, f, ";"); total += n
		if (f[k] ~ re) hit += n }
		END { print hit + 0, total + 0 }' "$1"
}

# 1. The C JIT names its code in a perf map: its frames are named from
# it and marked, above jit_caller; with map-rm the file is gone by the
# time record reads it at the process's exit, and the names are still
# there (record held it open since the process was first seen).
for map in map map-rm; do
	f=$jout/jit-$map
	rm -f /tmp/perf-*.map
	sonde record -q -g -o "$f.data" -- "$wl/jit" fp 2 $map \
		>"$f.out" 2>"$f.err"
	rc=$?
	sonde export -i "$f.data" -f folded -o "$f.folded" 2>"$f.xerr"
	sonde report -i "$f.data" >"$f.report" 2>>"$f.xerr"
	read -r named total <<<"$(jit_leaf_count "$f.folded" '^jitted_loop \[fp\]_\[j\]$')"
	through=$(awk '/;main;jit_caller;jitted_loop \[fp\]_\[j\] [0-9]+$/ { n += $NF }
		END { print n + 0 }' "$f.folded")
	# Of main's samples: exec and the loader's page faults over 9p
	# before it are a larger share on a loaded host.
	inmain=$(awk '/;main;/ { n += $NF } END { print n + 0 }' "$f.folded")
	echo "# jit $map: $named of $total samples in the named JIT frame, $through of main's $inmain under jit_caller (exit $rc)"
	check "jit $map: >= 80% of main's samples in jitted_loop, marked _[j], under jit_caller" \
		test $rc -eq 0 -a "$inmain" -ge 50 -a $((100 * through)) -ge $((80 * inmain))
	check "jit $map: report marks jitted_loop [j] in the perf map" \
		grep -q '\[j\] jitted_loop \[fp\]  /tmp/perf-[0-9]*\.map$' "$f.report"
	check "jit $map: no diagnostics" test ! -s "$f.err" -a ! -s "$f.xerr"
done
check "jit map-rm: the workload removed its map" \
	test -z "$(compgen -G "/tmp/perf-*.map")"

# 1b. The recorder is stopped from before the JIT code first runs until
# the process has exited: the records of its JIT samples are read when
# it has no /proc/PID/root any more.  Its map is found all the same,
# through the root record opened when the command exec'd.
# The command waits on a FIFO until record is stopped: a window of time
# can be missed on a loaded host, where one ps can take over a second.
# The FIFO is in the guest's /tmp: the shared directory (9p) has none.
f=$jout/jit-late
gate=/tmp/sonde-jit-late.gate
rm -f /tmp/perf-*.map "$gate"
mkfifo "$gate"
sonde record -q -g -F 199 -m 512 -o "$f.data" -- \
	sh -c "read -r _ <$gate; exec $wl/jit fp 1 map" \
	>"$f.out" 2>"$f.err" &
rec=$!
for _ in $(seq 600); do
	[ "$(ps -o comm= --ppid $rec 2>/dev/null)" = sh ] && break
	kill -0 $rec 2>/dev/null || break
	sleep 0.1
done
kill -STOP $rec
# Opening the FIFO to write blocks until the command opened it to read.
timeout 60 sh -c "echo go >$gate"
for _ in $(seq 600); do
	case $(ps -o stat= --ppid $rec 2>/dev/null) in Z*) break ;; esac
	sleep 0.1
done
late_state=$(ps -o stat= --ppid $rec 2>/dev/null)
rm -f "$gate"
kill -CONT $rec
wait $rec
rc=$?
sonde export -i "$f.data" -f folded -o "$f.folded" 2>"$f.xerr"
# Rings of 2 MiB at 199 Hz hold what comes while record is stopped.
read -r under named <<<"$(awk '/;jit_caller;/ { under += $NF }
	/;jit_caller;(\[stack scan\];)?jitted_loop \[fp\]_\[j\]/ { named += $NF }
	END { print under + 0, named + 0 }' "$f.folded")"
echo "# jit late: $named of $under samples under jit_caller in the named JIT frame; the command was '$late_state' when record went on (exit $rc)"
check "jit late: the command had exited while record was stopped" \
	test "${late_state:0:1}" = Z
check "jit late: >= half of the samples under jit_caller in jitted_loop, named by the map" \
	test $rc -eq 0 -a "$under" -ge 20 -a $((100 * named)) -ge $((50 * under))

# 2. The C JIT keeps a jitdump (./jit-PID.dump, mapped as a marker): its
# code is named by sample time, so jit_alpha shows at page A and, after
# its CODE_MOVE, at page B, and jit_beta, loaded at A later, only at A;
# each phase is a third of the run.  The lines (jit_alpha.js:12,
# jit_beta.js:22) are checked on the host (tests/e2e/run), with
# go tool pprof on this recording.
# Absolute: record runs in $jout.
f=$(realpath "$jout")/jit-dump
jit_bin=$(realpath "$wl/jit")
(cd "$jout" && rm -f jit-*.dump &&
	sonde record -q -g -o "$f.data" -- "$jit_bin" fp 3 dump \
		>"$f.out" 2>"$f.err")
rc=$?
sonde export -i "$f.data" -f folded -o "$f.folded" 2>"$f.xerr"
sonde script -i "$f.data" >"$f.script" 2>>"$f.xerr"
sonde report -i "$f.data" >"$f.report" 2>>"$f.xerr"
read -r alpha total <<<"$(jit_leaf_count "$f.folded" '^jit_alpha_\[j\]$')"
read -r beta total <<<"$(jit_leaf_count "$f.folded" '^jit_beta_\[j\]$')"
alpha=${alpha:-0} beta=${beta:-0} total=${total:-0}
[ "$total" -ge 50 ] || total=1000000	# no run: the shares below fail too
# The pages (address / 4096) each name was seen at, in script's frames.
pages() {
	awk -v name="$1" '$2 ~ "^" name "\\+0x" && $3 ~ /jit-[0-9]+\.dump\)$/ {
		print substr($1, 1, length($1) - 3) }' "$f.script" | sort -u
}
alpha_pages=$(pages jit_alpha | tr '\n' ' ')
beta_pages=$(pages jit_beta | tr '\n' ' ')
echo "# jit dump: jit_alpha $alpha, jit_beta $beta of $total samples; pages: jit_alpha $alpha_pages, jit_beta $beta_pages (exit $rc)"
check "jit dump: recorded (exit $rc), >= 50 samples" test $rc -eq 0 -a "$total" -lt 1000000
check "jit dump: jit_alpha (two thirds of the run) >= 40% of samples, marked _[j]" \
	test $((100 * alpha)) -ge $((40 * total))
check "jit dump: jit_beta (the last third) >= 15% and < 50% of samples" \
	test $((100 * beta)) -ge $((15 * total)) -a $((100 * beta)) -lt $((50 * total))
check "jit dump: jit_alpha at two pages (CODE_MOVE), jit_beta at one of them (reused)" \
	test "$(echo $alpha_pages | wc -w)" -eq 2 -a "$(echo $beta_pages | wc -w)" -eq 1 -a \
		-n "$beta_pages" -a "${alpha_pages/$beta_pages/}" != "$alpha_pages"
check "jit dump: report marks jit_alpha [j] in the jitdump" \
	grep -q '\[j\] jit_alpha  /.*/jit-[0-9]*\.dump$' "$f.report"
check "jit dump: no diagnostics" test ! -s "$f.err" -a ! -s "$f.xerr"

# 3. Node.js with --perf-basic-prof and a hot JavaScript function: its
# name is among the top frames of the report, marked as JIT, and in
# the folded stacks with _[j].  Under emulation node's start-up (its
# binary read over 9p) takes most of the samples, and V8 runs the loop
# in baseline code calling builtins of the node binary: the function is
# the hottest user frame but holds a few percent of the samples.
if command -v node >/dev/null; then
	cat >"$jout/hot.js" <<-'EOF'
	function hotLoop(n) {
		let s = 0;
		for (let i = 0; i < n; i++)
			s += (i * 7) % 13;
		return s;
	}
	const end = Date.now() + 3000;
	let t = 0;
	while (Date.now() < end)
		t += hotLoop(200000);
	console.log(t > 0 ? "done" : "?");
	EOF
	# In $jout: node also leaves its isolate-*-v8.log in its directory.
	(cd "$jout" && sonde record -q -g -o node.data -- \
		node --perf-basic-prof hot.js >node.out 2>node.err)
	rc=$?
	sonde report -i "$jout/node.data" >"$jout/node.report" 2>"$jout/node.rerr"
	sonde export -i "$jout/node.data" -f folded -o "$jout/node.folded" \
		2>>"$jout/node.rerr"
	awk '!/^#/ && NF' "$jout/node.report" | head -n 10 >"$jout/node.top"
	sed 's/^/# node top: /' "$jout/node.top"
	under=$(awk '/;JS:[^;]*hotLoop [^;]*_\[j\](;| [0-9]+$)/ { n += $NF }
		END { print n + 0 }' "$jout/node.folded")
	total=$(awk '{ n += $NF } END { print n + 0 }' "$jout/node.folded")
	echo "# node: exit $rc, $under of $total samples under a JIT hotLoop frame"
	check "node --perf-basic-prof: recorded (exit $rc)" \
		test $rc -eq 0 -a "$(cat "$jout/node.out")" = done
	check "node: hotLoop, marked [j], among the top 10 frames of the report" \
		grep -q '\[j\] JS:[*~^+]*hotLoop .*  /tmp/perf-[0-9]*\.map$' \
		"$jout/node.top"
	check "node: folded stacks go through hotLoop_[j] ($under samples, >= 100)" \
		test "$under" -ge 100
	check "node: no diagnostics" test ! -s "$jout/node.err" -a ! -s "$jout/node.rerr"
	rm -f /tmp/perf-*.map

	# 4. The same with --perf-prof: V8 keeps a jitdump in its
	# directory, with the marker.
	(cd "$jout" && rm -f jit-*.dump && sonde record -q -g -o nodejd.data -- \
		node --perf-prof hot.js >nodejd.out 2>nodejd.err)
	rc=$?
	sonde report -i "$jout/nodejd.data" >"$jout/nodejd.report" 2>"$jout/nodejd.rerr"
	sonde export -i "$jout/nodejd.data" -f folded -o "$jout/nodejd.folded" \
		2>>"$jout/nodejd.rerr"
	awk '!/^#/ && NF' "$jout/nodejd.report" | head -n 10 >"$jout/nodejd.top"
	sed 's/^/# node jitdump top: /' "$jout/nodejd.top"
	under=$(awk '/;JS:[^;]*hotLoop [^;]*_\[j\](;| [0-9]+$)/ { n += $NF }
		END { print n + 0 }' "$jout/nodejd.folded")
	total=$(awk '{ n += $NF } END { print n + 0 }' "$jout/nodejd.folded")
	echo "# node --perf-prof: exit $rc, $under of $total samples under a JIT hotLoop frame"
	check "node --perf-prof: recorded (exit $rc)" \
		test $rc -eq 0 -a "$(cat "$jout/nodejd.out")" = done
	check "node --perf-prof: hotLoop, marked [j] from the jitdump, among the top 10 frames" \
		grep -q '\[j\] JS:[*~^+]*hotLoop .*  /.*/jit-[0-9]*\.dump$' \
		"$jout/nodejd.top"
	check "node --perf-prof: folded stacks go through hotLoop_[j] ($under samples, >= 100)" \
		test "$under" -ge 100
	check "node --perf-prof: no diagnostics" \
		test ! -s "$jout/nodejd.err" -a ! -s "$jout/nodejd.rerr"
	rm -f "$jout"/jit-*.dump "$jout"/*-v8.log
else
	echo "ok - node --perf-basic-prof # SKIP no node"
	echo "ok - node --perf-prof # SKIP no node"
fi
