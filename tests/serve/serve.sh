#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sonde serve on the host, as TAP: servers on free loopback ports, asked
# with curl.  The host has no module: recordings go through record's
# perf_event_open fallback, so this needs root (CPU-wide software
# events) and skips without it.  Checked: Go's net/http/pprof shape of
# /debug/pprof/profile (headers, a body protoc and go tool pprof read,
# the workload's hot function first, the seconds rule, the limit, one
# profile at a time), /flamegraph, /metrics (promtool check metrics when
# promtool is there), /, /stacks's refusals (400 for a bad pid, 503
# without the module), /counters and /counters.json (parsed, against
# /metrics; the history's spacing), the pages in headless chromium
# (tests/serve/pages.sh, one check here), 404 and 405, a client that leaves mid-profile,
# idle connections, the per-address limit, memory over 1000 requests,
# the token, POST /profile/start and stop, a body too large, and a clean
# stop at SIGTERM.
# SONDE=tests/user/build/san/sonde runs it on the ASan/UBSan build: a leak
# or memory error makes the server exit 99 at its stop, which fails.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/packaging/tap.sh
sonde=$PWD/${SONDE:-user/sonde}
proto=${PPROF_PROTO:-/usr/share/gocode/src/github.com/google/pprof/proto/profile.proto}
deep=tests/build/workloads/deep
tmp=$(mktemp -d)
head -c 100 /dev/zero >"$tmp/short"
pids=
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! "$sonde" record --source perf -a -q -d 0.2 -o "$tmp/probe.data" \
	>"$tmp/probe.log" 2>&1; then
	echo "1..0 # SKIP sonde record --source perf -a fails here: $(head -n 1 "$tmp/probe.log")"
	exit 0
fi
[ -x "$deep" ] || make -s -C tests/workloads >/dev/null || exit 1

# start NAME ARGS...: sonde serve ARGS on a free loopback port, its log
# in $tmp/NAME.log and its private directory under $tmp/NAME.tmp; sets
# $port and $spid.
start() {
	local name=$1 _
	shift
	mkdir -p "$tmp/$name.tmp"
	TMPDIR=$tmp/$name.tmp "$sonde" serve "$@" 2>"$tmp/$name.log" &
	spid=$!
	pids="$pids $spid"
	port=
	for _ in $(seq 50); do
		port=$(sed -n 's|.*listening on http://[^ ]*:\([0-9]*\)/.*|\1|p' \
			"$tmp/$name.log")
		[ -n "$port" ] && return 0
		sleep 0.1
	done
	echo "# sonde serve $* did not start:"
	diag "$tmp/$name.log"
	return 1
}

# code URL [CURL ARGS...]: the status code of URL; body in $tmp/body,
# headers in $tmp/headers.
code() {
	local url=$1
	shift
	curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@" "$url"
}
# header NAME: the value of header NAME in $tmp/headers.
header() {
	sed -n "s/^$1: \(.*\)\r$/\1/Ip" "$tmp/headers"
}
# is WHAT WANT GOT: ok when equal.
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1: wanted '$2', got '$3'"
		[ -s "$tmp/body" ] && diag "$tmp/body"
	fi
}
# children PID: the sonde processes PID has started.
children() {
	pgrep -P "$1" 2>/dev/null | tr '\n' ' '
}
# no_children PID SECS: wait up to SECS for PID to have no child left.
no_children() {
	local _

	for _ in $(seq $(($2 * 10))); do
		[ -z "$(children "$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

start main -l 127.0.0.1:0 --max-seconds 5 || { done_testing; exit 1; }
base=http://127.0.0.1:$port
main_pid=$spid

is "GET / is a page" 200 "$(code "$base/")"
is "GET /: text/html" "text/html; charset=utf-8" "$(header Content-Type)"
cp "$tmp/body" "$tmp/index.html"
for link in /debug/pprof/profile /flamegraph /metrics; do
	grep -q "href=\"$link" "$tmp/body" && ok "GET / links $link" ||
		not_ok "GET / links $link"
done

# A 2 s profile of a workload burning a CPU in leaf(), the function
# every one of its samples is in: first in the profile.
"$deep" 3 300 & wpid=$!
pids="$pids $wpid"
sleep 0.3
t0=$(date +%s.%N)
is "GET /debug/pprof/profile?seconds=2&pid=PID: 200" 200 \
	"$(code "$base/debug/pprof/profile?seconds=2&pid=$wpid")"
t1=$(date +%s.%N)
cp "$tmp/body" "$tmp/profile.pb.gz"
is "profile: Content-Type" application/octet-stream "$(header Content-Type)"
is "profile: Content-Disposition" 'attachment; filename="profile"' \
	"$(header Content-Disposition)"
took=$(echo "$t1 - $t0" | bc)
[ "$(echo "$took >= 2 && $took < 15" | bc)" = 1 ] &&
	ok "profile: took 2 s or more, not far more ($took s)" ||
	not_ok "profile: took $took s for seconds=2"
if ! command -v protoc >/dev/null || [ ! -r "$proto" ]; then
	skip "protoc --decode reads the profile" "no protoc or $proto"
elif gzip -dc "$tmp/profile.pb.gz" >"$tmp/profile.pb" &&
     protoc --decode perftools.profiles.Profile -I "$(dirname "$proto")" \
	"$proto" <"$tmp/profile.pb" >"$tmp/decoded" 2>"$tmp/protoc.err" &&
     grep -q '^sample {' "$tmp/decoded"; then
	ok "protoc --decode reads the profile, samples in it"
else
	not_ok "protoc --decode reads the profile"
	diag "$tmp/protoc.err"
fi
if command -v go >/dev/null; then
	HOME=$tmp go tool pprof -top "$tmp/profile.pb.gz" >"$tmp/top" 2>&1
	first=$(awk '/flat%/ { getline; print $NF; exit }' "$tmp/top")
	is "go tool pprof -top: the workload's hot function first" \
		leaf "$first"
else
	skip "go tool pprof -top" "go is not installed (golang-go)"
fi

# Every task (-a, no pid): the workload is in it.
is "GET /debug/pprof/profile?seconds=1 (every task): 200" 200 \
	"$(code "$base/debug/pprof/profile?seconds=1")"
HOME=$tmp go tool pprof -top "$tmp/body" 2>/dev/null | grep -qw leaf &&
	ok "every task's profile has the workload's hot function" ||
	not_ok "every task's profile lacks leaf"

is "/flamegraph?seconds=1&pid=PID: 200" 200 \
	"$(code "$base/flamegraph?seconds=1&pid=$wpid")"
is "/flamegraph: image/svg+xml" image/svg+xml "$(header Content-Type)"
grep -q '<svg' "$tmp/body" && grep -qaw leaf "$tmp/body" &&
	ok "/flamegraph: an SVG with the hot function" ||
	not_ok "/flamegraph: no SVG with leaf"
grep -qi '^Content-Disposition' "$tmp/headers" &&
	not_ok "/flamegraph is shown, not downloaded" ||
	ok "/flamegraph is shown, not downloaded"

# Go's seconds rule, against --max-seconds 5: what is not a positive
# integer means 30 s, above the limit.
for s in abc 0 -3 2.5 ""; do
	is "seconds='$s' means 30 s: 400 beyond --max-seconds 5" 400 \
		"$(code "$base/debug/pprof/profile?seconds=$s")"
	grep -q "30 s exceeds the server's limit of 5 s" "$tmp/body" ||
		not_ok "seconds='$s': the message names 30 s: $(cat "$tmp/body")"
done
is "no seconds means 30 s: 400" 400 "$(code "$base/debug/pprof/profile")"
is "seconds=6 above the limit: 400" 400 \
	"$(code "$base/debug/pprof/profile?seconds=6")"
grep -q "6 s exceeds" "$tmp/body" && ok "seconds=6: the message says why" ||
	not_ok "seconds=6: $(cat "$tmp/body")"
is "pid=abc: 400" 400 "$(code "$base/debug/pprof/profile?seconds=1&pid=abc")"
is "event=bogus: 400 with record's message" 400 \
	"$(code "$base/debug/pprof/profile?seconds=1&event=bogus")"
grep -q "unknown event 'bogus'" "$tmp/body" &&
	ok "event=bogus: record's reason" || not_ok "event=bogus: $(cat "$tmp/body")"
is "weight=idle: 400" 400 \
	"$(code "$base/debug/pprof/profile?seconds=1&weight=idle")"
grep -q "weight needs cpu, off or wall" "$tmp/body" &&
	ok "weight=idle: says the three views" || not_ok "weight=idle: $(cat "$tmp/body")"
# Waits need the module; this server samples through perf_event_open.
is "weight=off through perf_event_open: 400 with record's message" 400 \
	"$(code "$base/debug/pprof/profile?seconds=1&weight=off")"
grep -q "off-cpu needs off-CPU samples from the module" "$tmp/body" &&
	ok "weight=off: record's reason" || not_ok "weight=off: $(cat "$tmp/body")"
is "weight=cpu: 200" 200 \
	"$(code "$base/debug/pprof/profile?seconds=1&weight=cpu&format=folded&pid=$wpid")"

# One profile at a time.
curl -s -o "$tmp/first" -w '%{http_code}' \
	"$base/debug/pprof/profile?seconds=3&pid=$wpid" >"$tmp/first.code" &
cpid=$!
sleep 1
is "a second profile meanwhile: 409" 409 \
	"$(code "$base/debug/pprof/profile?seconds=1")"
grep -q "already running" "$tmp/body" && ok "409: says one is running" ||
	not_ok "409: $(cat "$tmp/body")"
is "a flame graph meanwhile: 409" 409 "$(code "$base/flamegraph?seconds=1")"
wait $cpid
is "the first profile still completes" 200 "$(cat "$tmp/first.code")"

# /stacks: its parameters are checked before the module is needed.
is "/stacks without pid: 400" 400 "$(code "$base/stacks")"
grep -q "pid needs a process id" "$tmp/body" && ok "/stacks 400: says pid is needed" ||
	not_ok "/stacks 400: $(cat "$tmp/body")"
for q in pid=abc pid=0 pid=-1 "pid=1%202" pid=99999999999; do
	is "/stacks?$q: 400" 400 "$(code "$base/stacks?$q")"
done
is "/stacks?pid=1&format=svg: 400" 400 "$(code "$base/stacks?pid=1&format=svg")"
is "POST /stacks: 405" 405 "$(code "$base/stacks?pid=$wpid" -X POST)"
if [ -e /dev/sonde ]; then
	skip "/stacks without the module: 503" "/dev/sonde exists here"
else
	is "/stacks?pid=PID without the module: 503" 503 \
		"$(code "$base/stacks?pid=$wpid")"
	grep -q "not loaded" "$tmp/body" && ok "/stacks 503: says the module is not loaded" ||
		not_ok "/stacks 503: $(cat "$tmp/body")"
fi

is "unknown path: 404" 404 "$(code "$base/debug/pprof/heap")"
is "POST /metrics: 405" 405 "$(code "$base/metrics" -X POST)"
is "405 says Allow: GET, HEAD" "GET, HEAD" "$(header Allow)"
is "GET /profile/start: 405" 405 "$(code "$base/profile/start")"
is "405 says Allow: POST" POST "$(header Allow)"
is "PUT /debug/pprof/profile: 405" 405 \
	"$(code "$base/debug/pprof/profile" -X PUT)"
# No route takes a body: past 64 KiB the connection is closed.
head -c 200000 /dev/zero >"$tmp/big"
is "a 200 kB body: the connection is closed" 000 \
	"$(code "$base/profile/stop?id=1" -X POST --data-binary @"$tmp/big")"
is "a 100-byte body is read and dropped" 404 \
	"$(code "$base/profile/stop?id=1" -X POST --data-binary @"$tmp/short")"

# A client that leaves mid-profile stops its recording.
curl -s -o /dev/null "$base/debug/pprof/profile?seconds=5" &
cpid=$!
sleep 1
kids=$(children "$main_pid")
[ -n "$kids" ] && ok "a profile runs a child ($kids)" ||
	not_ok "no child while a profile runs"
kill $cpid
wait $cpid 2>/dev/null
# record gets SIGTERM, and SIGKILL 2 s later if still there.
no_children "$main_pid" 4 && ok "the client left: its child is gone" ||
	not_ok "the client left, children remain: $(children "$main_pid")"
left=$(find "$tmp/main.tmp" -type f | wc -l)
is "the client left: no file left in the private directory" 0 "$left"
is "the next profile is not refused" 200 \
	"$(code "$base/debug/pprof/profile?seconds=1&pid=$wpid")"

# Metrics.
is "GET /metrics: 200" 200 "$(code "$base/metrics")"
is "/metrics: exposition 0.0.4" "text/plain; version=0.0.4; charset=utf-8" \
	"$(header Content-Type)"
cp "$tmp/body" "$tmp/metrics"
if command -v promtool >/dev/null; then
	check "promtool check metrics accepts /metrics" \
		sh -c "promtool check metrics <'$tmp/metrics'"
else
	skip "promtool check metrics" "promtool is not installed (prometheus)"
fi
if [ -e /dev/sonde ]; then
	skip "sonde_module_up 0 without the module" "/dev/sonde exists here"
else
	grep -qx 'sonde_module_up 0' "$tmp/metrics" &&
		ok "/metrics: sonde_module_up 0 without the module" ||
		not_ok "/metrics: no sonde_module_up 0"
fi
grep -q '^sonde_serve_requests_total{path="/debug/pprof/profile",code="409"} 1$' \
	"$tmp/metrics" &&
	grep -q '^sonde_serve_requests_total{path="/flamegraph",code="409"} 1$' \
	"$tmp/metrics" && ok "/metrics counts the 409s by path and code" ||
	not_ok "/metrics: not one 409 on each path"
grep -q '^sonde_serve_profiles_total{outcome="aborted"} 1$' "$tmp/metrics" &&
	ok "/metrics counts the profile whose client left" ||
	not_ok "/metrics: no aborted profile"
grep -q '^sonde_serve_requests_total{path="other",code="404"} 1$' \
	"$tmp/metrics" && ok "/metrics: unknown paths are 'other'" ||
	not_ok "/metrics: no path=other"

# /counters: a page its script fills from /counters.json.
is "GET /counters: 200" 200 "$(code "$base/counters")"
is "/counters: text/html" "text/html; charset=utf-8" "$(header Content-Type)"
grep -q "fetch('/counters.json'" "$tmp/body" && grep -q 'id="samples"' "$tmp/body" &&
	ok "/counters: its script fetches /counters.json into the table" ||
	not_ok "/counters: no script or no table"
grep -q 'href="/counters"' "$tmp/index.html" && ok "GET / links /counters" ||
	not_ok "GET / does not link /counters"
is "GET /counters.json: 200" 200 "$(code "$base/counters.json")"
is "/counters.json: application/json" application/json "$(header Content-Type)"
# The profiles so far: 4 sent (pid, every task, flame graph, the one
# that completed during the 409s, the one after the client left).
check "/counters.json: JSON with the counters of /metrics and a history" \
	python3 - "$tmp/body" "$tmp/metrics" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
metrics = open(sys.argv[2]).read()
ok = int(re.search(r'^sonde_serve_profiles_total\{outcome="ok"\} (\d+)$', metrics, re.M).group(1))
assert d["server"]["profiles"]["ok"] == ok, (d["server"]["profiles"], ok)
assert d["server"]["profiles"]["aborted"] == 1, d["server"]["profiles"]
assert d["server"]["busy"] is None, d["server"]["busy"]
# /metrics's count, then /counters, / was read again, this one not yet.
sent = sum(int(v) for v in re.findall(r'^sonde_serve_requests_total\{[^}]*\} (\d+)$', metrics, re.M))
assert sent + 1 <= d["server"]["requests"] <= sent + 4, (d["server"]["requests"], sent)
assert d["interval_seconds"] == 5, d["interval_seconds"]
assert d["module"]["up"] is False and d["module"]["device"] == "absent", d["module"]
assert set(d["module"]["lost"]) == {"ring_full", "nested", "other"}, d["module"]["lost"]
h = d["history"]
assert 1 <= len(h) <= 72, len(h)
assert all(b["time"] - a["time"] > 4 for a, b in zip(h, h[1:])), [p["time"] for p in h]
assert h[-1]["time"] <= d["time"], (h[-1]["time"], d["time"])
assert all(b["requests"] >= a["requests"] for a, b in zip(h, h[1:])), h
print(len(h), "points")
PY
is "HEAD /counters.json: 200" 200 "$(code "$base/counters.json" -I)"
is "POST /counters: 405" 405 "$(code "$base/counters" -X POST)"
grep -q '^sonde_module_device{state="absent"} 1$' "$tmp/metrics" &&
	ok "/metrics: sonde_module_device says absent" ||
	not_ok "/metrics: no sonde_module_device{state=\"absent\"} 1"

# 200 idle connections do not stop a client.
python3 - "$port" 200 >"$tmp/idle.log" 2>&1 <<'PY' &
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
         for _ in range(int(sys.argv[2]))]
print("open", len(socks), flush=True)
time.sleep(4)
PY
ipid=$!
for _ in $(seq 30); do
	grep -q open "$tmp/idle.log" && break
	sleep 0.1
done
grep -q "open 200" "$tmp/idle.log" && ok "200 idle connections are open" ||
	not_ok "200 idle connections: $(cat "$tmp/idle.log")"
is "GET /metrics with 200 idle connections open" 200 \
	"$(code "$base/metrics" --max-time 3)"
wait $ipid

# Memory: 1000 requests, each on its own connection.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$main_pid/status"; }
# urls N: a curl config asking N times for /metrics, bodies dropped.
urls() {
	local _

	for _ in $(seq "$1"); do
		printf 'url = "%s/metrics"\noutput = "/dev/null"\n' "$base"
	done
}
urls 50 >"$tmp/urls50"
urls 1000 >"$tmp/urls"
curl -s -H 'Connection: close' -K "$tmp/urls50"
rss0=$(rss)
curl -s -H 'Connection: close' -K "$tmp/urls" -w '%{http_code}\n' \
	>"$tmp/codes"
rss1=$(rss)
is "1000 requests: all 200" 1000 "$(grep -cx 200 "$tmp/codes")"
if ldd "$sonde" 2>/dev/null | grep -q libasan; then
	skip "1000 requests: RSS within 2 MiB" \
		"an ASan build: its quarantine keeps freed memory ($rss0 -> $rss1 KiB)"
elif [ $((rss1 - rss0)) -lt 2048 ]; then
	ok "1000 requests: RSS $rss0 -> $rss1 KiB, within 2 MiB"
else
	not_ok "1000 requests: RSS grew from $rss0 to $rss1 KiB"
fi

# POST /profile/start and /profile/stop.
is "POST /profile/start: 200" 200 \
	"$(code "$base/profile/start?pid=$wpid" -X POST)"
id=$(cat "$tmp/body")
[[ $id =~ ^[0-9]+$ ]] && ok "start answers an id ($id)" ||
	not_ok "start answered '$id'"
is "a second start: 409" 409 "$(code "$base/profile/start" -X POST)"
is "a GET profile meanwhile: 409" 409 \
	"$(code "$base/debug/pprof/profile?seconds=1")"
is "stop of another id: 404" 404 \
	"$(code "$base/profile/stop?id=$((id + 100))" -X POST)"
sleep 1
is "stop?id=ID&format=folded: 200" 200 \
	"$(code "$base/profile/stop?id=$id&format=folded" -X POST)"
grep -qaw leaf "$tmp/body" && ok "the stopped profile, folded, has leaf" ||
	not_ok "the stopped profile lacks leaf"
is "stop again: 404" 404 "$(code "$base/profile/stop?id=$id" -X POST)"
is "stop?id=ID&format=bogus: 400" 400 \
	"$(code "$base/profile/stop?id=$id&format=bogus" -X POST)"

# Loopback only, unless there is a token.
"$sonde" serve -l 0.0.0.0:0 >"$tmp/open.log" 2>&1
is "--listen 0.0.0.0 without --token-file: exit 2" 2 "$?"
grep -q -- --token-file "$tmp/open.log" && ok "... saying --token-file is needed" ||
	not_ok "... $(cat "$tmp/open.log")"
echo short >"$tmp/short-token"
"$sonde" serve --token-file "$tmp/short-token" >"$tmp/short.log" 2>&1
is "a token under 16 characters: exit 2" 2 "$?"
"$sonde" serve -l 127.0.0.1:99999 >"$tmp/bad.log" 2>&1
is "--listen with a bad port: exit 2" 2 "$?"

token=0123456789abcdef0123456789abcdef
printf '%s\n' "$token" >"$tmp/token"
start token -l 127.0.0.1:0 --token-file "$tmp/token" --max-seconds 2 \
	--max-per-ip 4 || { done_testing; exit 1; }
tbase=http://127.0.0.1:$port
tpid=$spid
is "token: no Authorization: 401" 401 "$(code "$tbase/metrics")"
is "401 says WWW-Authenticate: Bearer" 'Bearer realm="sonde"' \
	"$(header WWW-Authenticate)"
is "token: a wrong token: 401" 401 \
	"$(code "$tbase/metrics" -H "Authorization: Bearer ${token%?}x")"
is "token: a prefix of the token: 401" 401 \
	"$(code "$tbase/metrics" -H "Authorization: Bearer ${token:0:8}")"
is "token: the token: 200" 200 \
	"$(code "$tbase/metrics" -H "Authorization: Bearer $token")"
is "token: unknown path without token: 401, not 404" 401 \
	"$(code "$tbase/nowhere")"

# --max-per-ip 4: a fifth connection from the same address is refused.
python3 - "$port" 4 >"$tmp/idle4.log" 2>&1 <<'PY' &
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
         for _ in range(int(sys.argv[2]))]
print("open", len(socks), flush=True)
time.sleep(2)
PY
ipid=$!
for _ in $(seq 30); do
	grep -q open "$tmp/idle4.log" && break
	sleep 0.1
done
is "--max-per-ip 4, 4 connections open: a fifth is refused" 000 \
	"$(code "$tbase/metrics" --max-time 2 -H "Authorization: Bearer $token")"
wait $ipid
sleep 0.3
is "--max-per-ip 4: served again once they closed" 200 \
	"$(code "$tbase/metrics" -H "Authorization: Bearer $token")"

# A start never stopped ends at --max-seconds 2 and is discarded.
is "token server: POST /profile/start" 200 \
	"$(code "$tbase/profile/start" -X POST -H "Authorization: Bearer $token")"
sleep 2
# record ends after 2 s, the reaper looks every second.
no_children "$tpid" 10 && ok "an unstopped start ended at the limit: no child" ||
	not_ok "an unstopped start left children: $(children "$tpid")"
sleep 1.2
code "$tbase/metrics" -H "Authorization: Bearer $token" >/dev/null
grep -q '^sonde_serve_profiles_total{outcome="expired"} 1$' "$tmp/body" &&
	ok "... counted as expired" || not_ok "... not counted as expired"
is "... and a new profile may start" 200 \
	"$(code "$tbase/profile/start" -X POST -H "Authorization: Bearer $token")"

# --source sonde without the module: 503 until it is back.
if [ -e /dev/sonde ]; then
	skip "--source sonde without the module: 503" "/dev/sonde exists here"
else
	start nomod -l 127.0.0.1:0 --source sonde || { done_testing; exit 1; }
	is "--source sonde without the module: 503" 503 \
		"$(code "http://127.0.0.1:$port/debug/pprof/profile?seconds=1")"
	grep -q "not loaded" "$tmp/body" && ok "503 says the module is not loaded" ||
		not_ok "503: $(cat "$tmp/body")"
	is "... while /metrics still answers" 200 \
		"$(code "http://127.0.0.1:$port/metrics")"
	kill $spid
	wait $spid
fi

# The main server's history grows one point every 5 s from its start; on a
# quick run it may have only a few yet: wait (30 s at most) for four, then
# check the count against the server's own uptime, the gaps, and that it
# counted the profiles it sent.
for i in $(seq 30); do
	code "$base/counters.json" >/dev/null
	python3 -c 'import json,sys; sys.exit(len(json.load(open(sys.argv[1]))["history"]) < 4)' \
		"$tmp/body" 2>/dev/null && break
	sleep 1
done
check "/counters.json: the history grew, a point every 5 s" \
	python3 - "$tmp/body" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
h = d["history"]
up = d["time"] - d["start_time"]
assert len(h) >= 4, (len(h), up)
# A point at the start, then one 5 to 6 s after the last.
assert up / 6.5 <= len(h) <= up / 5 + 1, (len(h), up)
gaps = [b["time"] - a["time"] for a, b in zip(h, h[1:])]
assert all(4.5 < g < 6.5 for g in gaps), gaps
assert h[-1]["profiles"] > h[0]["profiles"], (h[0], h[-1])
PY

# The pages in headless chromium: tests/serve/pages.sh, with its own
# server; one check here, its skip reason or its failures said.
SONDE=${SONDE:-user/sonde} tests/serve/pages.sh >"$tmp/pages.tap" 2>&1
rc=$?
why=$(sed -n 's/^1\.\.0 # SKIP //p' "$tmp/pages.tap")
if [ -n "$why" ]; then
	skip "the pages in headless chromium (tests/serve/pages.sh)" "$why"
elif [ $rc = 0 ]; then
	ok "the pages in headless chromium (tests/serve/pages.sh: $(grep -c '^ok' "$tmp/pages.tap") checks)"
else
	not_ok "the pages in headless chromium (tests/serve/pages.sh)"
	grep -A3 '^not ok' "$tmp/pages.tap" | sed 's/^/# /'
fi

# SIGTERM: a clean stop, the running start's child and files too.
kill -TERM "$tpid"
wait "$tpid"
is "SIGTERM: the token server exits 0" 0 "$?"
[ -z "$(ls -A "$tmp/token.tmp")" ] && ok "SIGTERM: its directory is gone" ||
	not_ok "SIGTERM: left $(ls -A "$tmp/token.tmp")"
kill -INT "$main_pid"
wait "$main_pid"
is "SIGINT: the main server exits 0" 0 "$?"
[ -z "$(ls -A "$tmp/main.tmp")" ] && ok "SIGINT: its directory is gone" ||
	not_ok "SIGINT: left $(ls -A "$tmp/main.tmp")"
kill "$wpid" 2>/dev/null
done_testing
