# SPDX-License-Identifier: GPL-2.0
#
# End-to-end checks of JIT names from perf maps (/tmp/perf-PID.map), in
# the guest: the C JIT workload naming its code, with the map kept or
# removed before it exits, and Node.js run with --perf-basic-prof.
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
	echo "# jit $map: $named of $total samples in the named JIT frame, $through under jit_caller (exit $rc)"
	check "jit $map: >= 80% of samples in jitted_loop, marked _[j], under jit_caller" \
		test $rc -eq 0 -a "$total" -ge 50 -a $((100 * through)) -ge $((80 * total))
	check "jit $map: report marks jitted_loop [j] in the perf map" \
		grep -q '\[j\] jitted_loop \[fp\]  /tmp/perf-[0-9]*\.map$' "$f.report"
	check "jit $map: no diagnostics" test ! -s "$f.err" -a ! -s "$f.xerr"
done
check "jit map-rm: the workload removed its map" \
	test -z "$(compgen -G "/tmp/perf-*.map")"

# 2. Node.js with --perf-basic-prof and a hot JavaScript function: its
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
else
	echo "ok - node --perf-basic-prof # SKIP no node"
fi
