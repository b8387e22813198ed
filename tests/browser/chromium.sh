#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The exports opened by their consumers in a real browser, as TAP
# (scripts/check's prove runs it after exports.sh): Debian's chromium
# (scripts/setup installs it; never a downloaded browser), driven
# headless by playwright-core from npm as package-lock.json pins it.
# tests/regress/split-6.12.sonde is exported as speedscope, pprof,
# folded, chrome and perf-script, and speedscope's own app imports each
# and must recognise its format (speedscope-import.js; a screenshot of
# its flame graph is kept in tests/build/browser/), and a speedscope
# export without samples must get speedscope's "it's empty" alert and
# nothing worse; the SVG export must
# load without error and its search and zoom must work, and it must
# still draw its frames with JavaScript off (svg-interact.js).
#
# Skips, saying why, when node or npm is missing, the npm registry
# cannot be reached, chromium is not installed or cannot start; with
# SONDE_REQUIRE_BROWSER=1 (for a machine scripts/setup prepared, which
# installs chromium and node) each of these fails instead.
# SONDE_CHROMIUM names another chromium binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
sonde=${SONDE:-$PWD/user/sonde}
dir=tests/browser
rec=tests/regress/split-6.12.sonde
shots=$PWD/tests/build/browser
chromium=${SONDE_CHROMIUM:-/usr/bin/chromium}
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

echo "TAP version 13"
skip() {
	if [ "${SONDE_REQUIRE_BROWSER:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - browser tier: $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	skip "node or npm not installed"
fi
if [ ! -x "$chromium" ]; then
	skip "no chromium at $chromium (scripts/setup installs Debian's)"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# npm ci unless node_modules already holds what the lockfile says (as
# exports.sh, run just before, leaves it).
if [ ! "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] ||
   [ ! -d "$dir/node_modules/playwright-core" ]; then
	if ! (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund) \
		>"$tmp/npm.log" 2>&1; then
		net='ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH|network'
		if grep -qE "$net" "$tmp/npm.log"; then
			skip "npm registry unreachable: $(grep -m1 -E "$net" "$tmp/npm.log")"
		fi
		echo "1..1"
		echo "not ok 1 - npm ci in $dir"
		sed 's/^/# /' "$tmp/npm.log"
		exit 1
	fi
fi

# Lines "ok - ..." / "not ok - ..." and "# ..." go to $tmp/out, numbered
# at the end (the plan comes last).
out=$tmp/out
: >"$out"
mkdir "$tmp/symfs"
export_one() { # FORMAT FILE [OPTION...]
	if "$sonde" export -f "$1" -i "$rec" --symfs "$tmp/symfs" -o "$2" \
		"${@:3}" 2>"$tmp/err"; then
		echo "ok - sonde export -f $1${3:+ ${*:3}}" >>"$out"
	else
		echo "not ok - sonde export -f $1${3:+ ${*:3}}" >>"$out"
		sed 's/^/# /' "$tmp/err" >>"$out"
	fi
}
imports=()
for f in speedscope pprof folded chrome perf-script; do
	export_one "$f" "$tmp/$f"
	imports+=("$f=$tmp/$f")
done
# No sample left by the filter: speedscope must say so, not fail.
export_one speedscope "$tmp/speedscope-empty" --pid 999999
imports+=("speedscope-empty=$tmp/speedscope-empty")
export_one svg "$tmp/split.svg"

# run_js SCRIPT WANT ARGS...: node SCRIPT ARGS, which prints WANT
# results; any missing (a crash) fails.  A browser that cannot start
# (exit 3) in the first skips the whole file.
first_js=1
run_js() {
	local js=$1 want=$2 rc=0 got
	shift 2
	SONDE_CHROMIUM=$chromium node "$dir/$js" "$@" >"$tmp/js" 2>&1 || rc=$?
	if [ $rc = 3 ] && [ $first_js = 1 ]; then
		skip "$(sed -n 's/^# chromium cannot start: /chromium cannot start: /p' "$tmp/js" | head -n1)"
	fi
	first_js=0
	cat "$tmp/js" >>"$out"
	got=$(grep -cE '^(not )?ok - ' "$tmp/js" || true)
	if [ "$got" != "$want" ] || { [ $rc != 0 ] && ! grep -q '^not ok - ' "$tmp/js"; }; then
		echo "not ok - $js: $got results of $want, exit status $rc" >>"$out"
	fi
}
mkdir -p "$shots"
run_js speedscope-import.js 6 "$shots" "${imports[@]}"
# clock_gettime: the vDSO and kernel frames of the split workload's
# clock reads (named even with an empty --symfs).
run_js svg-interact.js 7 "$tmp/split.svg" clock_gettime

awk '
/^(not )?ok - / { n++; sub(/^ok - /, "ok " n " - "); sub(/^not ok - /, "not ok " n " - ");
	if ($1 == "not") bad = 1; print; next }
/^#/ { print; next }
{ print "# " $0 }
END { print "1.." n; exit bad }' "$out"
