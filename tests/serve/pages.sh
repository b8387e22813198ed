#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sonde serve's pages in headless chromium, as TAP: a server on a free
# loopback port of the host, a workload burning a CPU in leaf(), and
# tests/browser/serve-pages.js loading /, /counters, /flamegraph and
# /stacks?pid= from it (no console error, the content shown, a
# screenshot of each in tests/build/browser/serve-*.png).  On a host
# without the module, /stacks must be the 503 that says so; with
# /dev/sonde, the page with leaf() in it.
#
# Skips, saying why, without root (the flame graph records through
# perf_event_open CPU-wide, as tests/serve/serve.sh does), without node,
# without Debian's chromium, or without playwright-core installed in
# tests/browser/node_modules (tests/browser/chromium.sh's npm ci, which
# make check runs first, installs it).  tests/serve/serve.sh runs this
# file as one of its checks.  SONDE_CHROMIUM names another chromium.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/packaging/tap.sh
sonde=$PWD/${SONDE:-user/sonde}
deep=tests/build/workloads/deep
shots=$PWD/tests/build/browser
chromium=${SONDE_CHROMIUM:-/usr/bin/chromium}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_all "not root: the flame graph needs CPU-wide perf events"
command -v node >/dev/null || skip_all "node is not installed"
[ -x "$chromium" ] || skip_all "no chromium at $chromium (Debian's chromium package)"
[ -d tests/browser/node_modules/playwright-core ] ||
	skip_all "no playwright-core in tests/browser/node_modules (npm ci there; tests/browser/chromium.sh does)"
[ -x "$deep" ] || make -s -C tests/workloads >/dev/null || exit 1

tmp=$(mktemp -d)
spid=
wpid=
trap 'kill $spid $wpid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
"$deep" 3 120 & wpid=$!
TMPDIR=$tmp "$sonde" serve -l 127.0.0.1:0 --max-seconds 5 2>"$tmp/log" &
spid=$!
port=
for _ in $(seq 50); do
	port=$(sed -n 's|.*listening on http://[^ ]*:\([0-9]*\)/.*|\1|p' "$tmp/log")
	[ -n "$port" ] && break
	sleep 0.1
done
if [ -z "$port" ]; then
	not_ok "sonde serve did not start"
	diag "$tmp/log"
	done_testing
	exit 1
fi
if [ -e /dev/sonde ]; then
	want=(200 leaf)
else
	want=(503 "the sonde module is not loaded")
fi
mkdir -p "$shots"
rc=0
SONDE_CHROMIUM=$chromium node tests/browser/serve-pages.js \
	"http://127.0.0.1:$port" "$shots" "$wpid" leaf "${want[@]}" \
	>"$tmp/js" 2>&1 || rc=$?
if [ $rc = 3 ]; then
	skip_all "$(sed -n 's/^# chromium cannot start: /chromium cannot start: /p' "$tmp/js" | head -n 1)"
fi
# Number the script's lines; a crash without a "not ok" still fails.
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	"#"*) echo "$line" ;;
	*) echo "# $line" ;;
	esac
done <"$tmp/js"
[ $rc = 0 ] || [ "$tap_fails" != 0 ] || not_ok "serve-pages.js exited $rc"
[ "$tap_n" -ge 8 ] || not_ok "serve-pages.js made $tap_n checks of 8"
kill "$spid"
wait "$spid"
rc=$?
spid=
[ $rc = 0 ] && ok "the server stops cleanly after the browser's visits" ||
	not_ok "the server exited $rc at SIGTERM"
done_testing
