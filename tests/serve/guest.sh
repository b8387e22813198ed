#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sonde serve with the module, in a guest (scripts/vm-run, sonde.ko
# loaded), as TAP: --source sonde profiles through /dev/sonde; /metrics
# shows sonde_module_up 1 and, once a profile ended, the module's
# counters from its recording (samples by CPU, the handler histogram),
# and passes promtool; with the module removed the server keeps running,
# /metrics says sonde_module_up 0 and a profile is a 503; once the
# module is back, profiles work again.  GET /stacks on a running
# workload whose name is HTML: the page, its text and its JSON show the
# workload's leaf() with the name escaped, the workload keeps running;
# 409 while a profile of the server holds the device, 503 with
# Retry-After while another program does, 404 for a pid that names
# nothing or a thread; /metrics's sonde_module_device says who holds the
# device (this server, free, another program), /counters.json the
# module's state and recordings.  Run from a writable directory:
#
#   scripts/vm-run --kernel 6.12 -- tests/serve/guest.sh
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/packaging/tap.sh"
sonde=$src/user/sonde
deep=$src/tests/build/workloads/deep
tmp=$(mktemp -d)
spid=
npid=
tpid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; kill $wpid $npid $tpid 2>/dev/null; rm -rf "$tmp"' EXIT

[ -n "${SONDE_KO:-}" ] && [ -e /dev/sonde ] || {
	echo "1..0 # SKIP not in a vm-run guest with sonde.ko loaded"
	exit 0
}
ip link set lo up 2>/dev/null
"$deep" 3 600 & wpid=$!

# --max-seconds: far above what a step here takes under emulation.
"$sonde" serve -l 127.0.0.1:0 --source sonde --max-seconds 120 \
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

# /stacks: a workload named with HTML's special characters.
mkdir "$tmp/bin"
name='d<i>&"x'
cp "$deep" "$tmp/bin/$name"
"$tmp/bin/$name" 2 600 & npid=$!
sleep 0.5
cputime() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
t0=$(date +%s.%N)
c=$(code -D "$tmp/headers" "$base/stacks?pid=$npid")
echo "# GET /stacks of a 1-thread process took $(echo "$(date +%s.%N) - $t0" | bc) s (emulated)"
cp "$tmp/body" "$tmp/stacks.html"
[ -n "${SERVE_OUT:-}" ] && cp "$tmp/stacks.html" "$SERVE_OUT/"
[ "$c" = 200 ] && ok "/stacks?pid=PID: 200" ||
	{ not_ok "/stacks?pid=PID: $c"; diag "$tmp/body"; }
grep -qi '^Content-Type: text/html' "$tmp/headers" &&
	ok "/stacks: an HTML page" || not_ok "/stacks: $(grep -i ^Content-Type "$tmp/headers")"
grep -qi "^Content-Security-Policy: default-src 'none'" "$tmp/headers" &&
	ok "/stacks: a CSP that allows no script" || not_ok "/stacks: no CSP"
grep -qw leaf "$tmp/body" && ok "/stacks: the workload's leaf() is on the page" ||
	{ not_ok "/stacks: no leaf() on the page"; diag "$tmp/body"; }
grep -qF 'd&lt;i&gt;&amp;&quot;x' "$tmp/body" &&
	ok "/stacks: the process name, escaped" ||
	not_ok "/stacks: no escaped name"
grep -qF "$name" "$tmp/body" && not_ok "/stacks: the name as raw HTML" ||
	ok "/stacks: the name never as raw HTML"
t0=$(cputime "$npid")
c=$(code "$base/stacks?pid=$npid&format=json")
[ "$c" = 200 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pid"] == int(sys.argv[2]), d["pid"]
fr = [f["function"] for g in d["groups"] for f in g["frames"]]
assert "leaf" in fr, fr
' "$tmp/body" "$npid" 2>"$tmp/json.err" &&
	ok "/stacks?format=json: JSON with the pid and leaf() in a group" ||
	{ not_ok "/stacks?format=json: $c"; diag "$tmp/json.err"; }
c=$(code "$base/stacks?pid=$npid&format=text")
[ "$c" = 200 ] && grep -qw leaf "$tmp/body" &&
	ok "/stacks?format=text: text with leaf()" ||
	not_ok "/stacks?format=text: $c"
sleep 0.5
t1=$(cputime "$npid")
if kill -0 "$npid" && [ "$(awk '{ print $3 }' "/proc/$npid/stat")" = R ] &&
   [ "$t1" -gt "$t0" ]; then
	ok "the workload keeps running after the snapshots (CPU ticks $t0 -> $t1)"
else
	not_ok "the workload after the snapshots: ticks $t0 -> $t1, state $(awk '{ print $3 }' "/proc/$npid/stat" 2>&1)"
fi
true & gone=$!
wait $gone
c=$(code "$base/stacks?pid=$gone")
[ "$c" = 404 ] && grep -q "no process $gone" "$tmp/body" &&
	ok "/stacks of a pid that names nothing: 404 saying so" ||
	not_ok "/stacks of an exited pid: $c $(cat "$tmp/body")"
"$src/tests/build/workloads/waiters" "$tmp/ready" & tpid=$!
for _ in $(seq 50); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
tid=$(ls "/proc/$tpid/task" | grep -vx "$tpid" | head -n 1)
c=$(code "$base/stacks?pid=$tid")
[ "$c" = 404 ] && grep -q "thread of process $tpid" "$tmp/body" &&
	ok "/stacks of a thread id: 404 naming its process" ||
	not_ok "/stacks of a thread id: $c $(cat "$tmp/body")"
c=$(code "$base/stacks?pid=$tpid&format=text")
[ "$c" = 200 ] && grep -q pipe_reader "$tmp/body" &&
	grep -q lock_ab_worker "$tmp/body" &&
	ok "/stacks of waiters: its threads' functions (pipe_reader, lock_ab_worker)" ||
	{ not_ok "/stacks of waiters: $c"; diag "$tmp/body"; }
kill "$tpid"
# The device is exclusive: a profile of this server holds it...
c=$(code -X POST "$base/profile/start?pid=$npid")
id=$(cat "$tmp/body")
[ "$c" = 200 ] && ok "POST /profile/start: 200, id $id" ||
	{ not_ok "POST /profile/start: $c $id"; diag "$tmp/log"; }
code "$base/metrics" >/dev/null
[ "$(metric 'sonde_module_device{state="this_server"}')" = 1 ] &&
	ok "/metrics while a profile records: the device is this server's" ||
	not_ok "/metrics while a profile records: $(grep '^sonde_module_device{' "$tmp/body" | tr '\n' ' ')"
c=$(code -D "$tmp/headers" "$base/stacks?pid=$npid")
[ "$c" = 409 ] && grep -q "a profile is already running\\|a profile is running" "$tmp/body" &&
	ok "/stacks while a profile records: 409 saying so" ||
	{ not_ok "/stacks while a profile records: $c $(head -c 300 "$tmp/body")"; tail -n 15 "$tmp/log" | sed 's/^/# /'; }
c=$(code -X POST "$base/profile/stop?id=$id&format=folded")
[ "$c" = 200 ] && grep -qw leaf "$tmp/body" &&
	ok "POST /profile/stop after the 409: the profile, with leaf()" ||
	{ not_ok "POST /profile/stop: $c"; tail -n 15 "$tmp/log" | sed 's/^/# /'; }
# ... and so does another program.
code "$base/metrics" >/dev/null
[ "$(metric 'sonde_module_device{state="free"}')" = 1 ] &&
	ok "/metrics once it stopped: the device is free" ||
	not_ok "/metrics once it stopped: $(grep '^sonde_module_device{' "$tmp/body" | tr '\n' ' ')"
exec 3<>/dev/sonde
code "$base/metrics" >/dev/null
[ "$(metric 'sonde_module_device{state="other"}')" = 1 ] &&
	ok "/metrics while another program holds it: other" ||
	not_ok "/metrics while another program holds it: $(grep '^sonde_module_device{' "$tmp/body" | tr '\n' ' ')"
c=$(code -D "$tmp/headers" "$base/stacks?pid=$npid")
exec 3>&-
[ "$c" = 503 ] && grep -q "another program holds" "$tmp/body" &&
	grep -qi '^Retry-After: 5' "$tmp/headers" &&
	ok "/stacks while another program holds the device: 503, Retry-After" ||
	not_ok "/stacks while another program holds the device: $c $(cat "$tmp/body")"
c=$(code "$base/stacks?pid=$npid&format=text")
[ "$c" = 200 ] && ok "/stacks once it is free again: 200" ||
	not_ok "/stacks once it is free again: $c $(cat "$tmp/body")"
kill "$npid"
code "$base/counters.json" >/dev/null
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["module"]["up"] is True and d["module"]["device"] == "free", d["module"]
assert d["module"]["sessions"] >= 2 and d["module"]["samples"] > 100, d["module"]
assert d["server"]["profiles"]["ok"] >= 2, d["server"]
' "$tmp/body" 2>"$tmp/json.err" &&
	ok "/counters.json: the module loaded and free, its recordings counted" ||
	{ not_ok "/counters.json with the module"; diag "$tmp/json.err"; }

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
	c=$(code "$base/stacks?pid=$$")
	[ "$c" = 503 ] && ok "/stacks without the module: 503" ||
		not_ok "/stacks without the module: $c"
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
