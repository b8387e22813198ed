#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sonde serve with the module, in a guest (scripts/vm-run, sonde.ko
# loaded), as TAP: --source sonde profiles through /dev/sonde; /metrics
# shows sonde_module_up 1 and, once a profile ended, the module's
# counters from its recording (samples by CPU, the handler histogram),
# and passes promtool; with the module removed the server keeps running,
# /metrics says sonde_module_up 0 and a profile is a 503; once the
# module is back, profiles work again.  Run from a writable directory:
#
#   scripts/vm-run --kernel 6.12 -- tests/serve/guest.sh
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/packaging/tap.sh"
sonde=$src/user/sonde
deep=$src/tests/build/workloads/deep
tmp=$(mktemp -d)
spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; kill "$wpid" 2>/dev/null; rm -rf "$tmp"' EXIT

[ -n "${SONDE_KO:-}" ] && [ -e /dev/sonde ] || {
	echo "1..0 # SKIP not in a vm-run guest with sonde.ko loaded"
	exit 0
}
ip link set lo up 2>/dev/null
"$deep" 3 600 & wpid=$!

"$sonde" serve -l 127.0.0.1:0 --source sonde --max-seconds 10 \
	2>"$tmp/log" &
spid=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's|.*listening on http://[^ ]*:\([0-9]*\)/.*|\1|p' "$tmp/log")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] && ok "sonde serve listens" || { not_ok "sonde serve did not start"; diag "$tmp/log"; done_testing; exit 1; }
base=http://127.0.0.1:$port

code() {
	curl -s -o "$tmp/body" -w '%{http_code}' "$@"
}
# metric NAME: the value of sample NAME (labels included) in $tmp/body.
metric() {
	awk -v n="$1" '$1 == n { print $2 }' "$tmp/body"
}

code "$base/metrics" >/dev/null
[ "$(metric sonde_module_up)" = 1 ] && ok "/metrics: sonde_module_up 1" ||
	not_ok "/metrics: sonde_module_up is '$(metric sonde_module_up)'"

c=$(code "$base/debug/pprof/profile?seconds=2")
[ "$c" = 200 ] && ok "a 2 s profile through /dev/sonde: 200" ||
	{ not_ok "a profile through /dev/sonde: $c"; diag "$tmp/body"; }
if command -v go >/dev/null; then
	HOME=$tmp go tool pprof -top "$tmp/body" 2>/dev/null | grep -qw leaf &&
		ok "the profile has the workload's leaf()" ||
		not_ok "the profile lacks leaf()"
fi

code "$base/metrics" >/dev/null
cp "$tmp/body" "$tmp/metrics"
[ "$(metric sonde_module_sessions_total)" = 1 ] &&
	ok "/metrics: the recording's module counters are in (1 session)" ||
	not_ok "/metrics: sonde_module_sessions_total is '$(metric sonde_module_sessions_total)'"
samples=$(awk '$1 ~ /^sonde_module_samples_total\{/ { s += $2 } END { print s + 0 }' "$tmp/body")
[ "$samples" -gt 100 ] && ok "/metrics: $samples module samples over the CPUs" ||
	not_ok "/metrics: only $samples module samples"
hcount=$(metric sonde_module_handler_duration_seconds_count)
[ "${hcount:-0}" -gt 0 ] && ok "/metrics: handler histogram count $hcount" ||
	not_ok "/metrics: handler histogram count '$hcount'"
if command -v promtool >/dev/null; then
	check "promtool check metrics, with the module's counters" \
		sh -c "promtool check metrics <'$tmp/metrics'"
fi

if rmmod sonde 2>"$tmp/rmmod"; then
	ok "rmmod sonde while the server runs"
	code "$base/metrics" >/dev/null
	[ "$(metric sonde_module_up)" = 0 ] && ok "/metrics: sonde_module_up 0" ||
		not_ok "/metrics: sonde_module_up is '$(metric sonde_module_up)'"
	grep -q sonde_module_samples_total "$tmp/body" &&
		not_ok "/metrics: module counters while it is gone" ||
		ok "/metrics: no module counters while it is gone"
	c=$(code "$base/debug/pprof/profile?seconds=1")
	[ "$c" = 503 ] && ok "a profile without the module: 503" ||
		not_ok "a profile without the module: $c"
	insmod "$SONDE_KO"
	c=$(code "$base/debug/pprof/profile?seconds=1")
	[ "$c" = 200 ] && ok "the module back: a profile is 200 again" ||
		{ not_ok "the module back: $c"; diag "$tmp/body"; }
else
	not_ok "rmmod sonde while the server runs"
	diag "$tmp/rmmod"
fi
kill -TERM "$spid"
wait "$spid"
rc=$?
spid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || not_ok "SIGTERM: exit $rc"
done_testing
