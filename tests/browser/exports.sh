#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The JSON exports checked as their consumers read them, as TAP
# (scripts/check's prove runs it): installs speedscope's npm package and
# Ajv as package-lock.json pins them (npm ci, from npm's cache when it
# can), then exports tests/regress/split-6.12.sonde (whole, a time slice,
# and filtered down to no sample) and validates each speedscope file
# against the JSON schema speedscope ships (validate-speedscope.js), each
# Trace Event Format file by the rules of its document
# (validate-chrome.js).  Skips when node or npm is missing or the npm
# registry cannot be reached.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
sonde=${SONDE:-$PWD/user/sonde}
dir=tests/browser
rec=tests/regress/split-6.12.sonde

echo "TAP version 13"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "1..0 # SKIP node or npm not installed"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/symfs"
if ! (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund) \
	>"$tmp/npm.log" 2>&1; then
	if grep -qE 'ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH|network' \
		"$tmp/npm.log"; then
		echo "1..0 # SKIP npm registry unreachable: $(grep -m1 -E 'ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONN|ENETUNREACH|network' "$tmp/npm.log")"
		exit 0
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
formats=(speedscope chrome)
echo "1..$((2 * ${#cases[@]} * ${#formats[@]}))"
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
