#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The JSON and perf-script exports checked as their consumers read
# them, as TAP (scripts/check's prove runs it): installs speedscope's
# npm package and Ajv as package-lock.json pins them (npm ci, from npm's
# cache when it can), then exports tests/regress/split-6.12.sonde (whole, a time slice,
# and filtered down to no sample) and validates each speedscope file
# against the JSON schema speedscope ships (validate-speedscope.js), each
# Trace Event Format file by the rules of its document
# (validate-chrome.js), each perf-script text by the rules of the Firefox
# Profiler's importer (validate-perf-script.js; the app is not
# installable here).  Skips when node or npm is missing or the npm
# registry cannot be reached; with SONDE_REQUIRE_BROWSER=1 (for a
# machine scripts/setup prepared) a skip fails instead.  Last, that
# chromium.sh does the same: it skips without chromium, and fails so
# under SONDE_REQUIRE_BROWSER=1, and that this file's own skip fails
# so too.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
sonde=${SONDE:-$PWD/user/sonde}
dir=tests/browser
rec=tests/regress/split-6.12.sonde

echo "TAP version 13"
skip() {
	if [ "${SONDE_REQUIRE_BROWSER:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - JSON validators: $* (SONDE_REQUIRE_BROWSER=1)"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	skip "node or npm not installed"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/symfs"
if ! (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund) \
	>"$tmp/npm.log" 2>&1; then
	if grep -qE 'ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH|network' \
		"$tmp/npm.log"; then
		skip "npm registry unreachable: $(grep -m1 -E 'ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONN|ENETUNREACH|network' "$tmp/npm.log")"
	fi
	echo "1..1"
	echo "not ok 1 - npm ci in $dir"
	sed 's/^/# /' "$tmp/npm.log"
	exit 1
fi

cases=(
	"whole:"
	"no-sample:--pid 999999"
	"time-slice:--time 0.5,1"
)
formats=(speedscope chrome perf-script)
echo "1..$((2 * ${#cases[@]} * ${#formats[@]} + 3))"
n=0
for f in "${formats[@]}"; do
	for c in "${cases[@]}"; do
		name=$f-${c%%:*}
		args=${c#*:}
		out=$tmp/$name.json
		n=$((n + 1))
		# shellcheck disable=SC2086
		if "$sonde" export -f "$f" -i "$rec" --symfs "$tmp/symfs" \
			$args -o "$out" 2>"$tmp/err"; then
			echo "ok $n - $name: sonde export -f $f${args:+ $args}"
		else
			echo "not ok $n - $name: sonde export -f $f${args:+ $args}"
			sed 's/^/# /' "$tmp/err"
		fi
		n=$((n + 1))
		if node "$dir/validate-$f.js" "$out" >"$tmp/v" 2>&1; then
			echo "ok $n - $name: valid"
		else
			echo "not ok $n - $name: not valid"
		fi
		sed 's/^/# /' "$tmp/v"
	done
done

# chromium.sh where there is no chromium: a skip, which
# SONDE_REQUIRE_BROWSER=1 makes a failure.
for req in 0 1; do
	n=$((n + 1))
	rc=0
	SONDE_CHROMIUM=$tmp/no-chromium SONDE_REQUIRE_BROWSER=$req \
		"$dir/chromium.sh" >"$tmp/c" 2>&1 || rc=$?
	if [ $req = 0 ]; then
		want="exit 0, 1..0 # SKIP" want_rc=0
		want_line='^1\.\.0 # SKIP no chromium at'
	else
		want="exit 1, not ok" want_rc=1
		want_line='^not ok 1 - browser tier: no chromium at'
	fi
	if [ $rc = $want_rc ] && grep -q "$want_line" "$tmp/c"; then
		echo "ok $n - chromium.sh without chromium, SONDE_REQUIRE_BROWSER=$req: $want"
	else
		echo "not ok $n - chromium.sh without chromium, SONDE_REQUIRE_BROWSER=$req: $want, got exit $rc"
		sed 's/^/# /' "$tmp/c"
	fi
done

# This file where node is not installed (a PATH with only dirname):
# SONDE_REQUIRE_BROWSER=1 makes its skip a failure too.
n=$((n + 1))
mkdir "$tmp/bin"
ln -s "$(command -v dirname)" "$tmp/bin/dirname"
rc=0
PATH=$tmp/bin SONDE_REQUIRE_BROWSER=1 "$BASH" "$dir/exports.sh" >"$tmp/c" 2>&1 ||
	rc=$?
if [ $rc = 1 ] && grep -q '^not ok 1 - JSON validators: node or npm not installed' "$tmp/c"; then
	echo "ok $n - exports.sh without node, SONDE_REQUIRE_BROWSER=1: exit 1, not ok"
else
	echo "not ok $n - exports.sh without node, SONDE_REQUIRE_BROWSER=1: exit 1, not ok, got exit $rc"
	sed 's/^/# /' "$tmp/c"
fi
