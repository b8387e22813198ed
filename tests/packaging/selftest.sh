#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sonde test on the host, as TAP: its line format and numbering, the
# selection of checks, and what it finds here.  The host has no module
# loaded (when it has, those assertions are skipped): the module's checks
# must skip with that reason, the perf_event_open fallback, io_uring,
# kernel symbols (as this user may read them) and both unwinders must
# pass, the JIT check must skip naming the fallback, and the exit status
# must be 0.  Then the status of a failed check (1), of a skipped one (a
# stripped binary: 0) and of a bad selection (2), and the explanation of
# zero kallsyms addresses for a user without CAP_SYSLOG.
set -u
cd "$(dirname "$0")/../.."
. tests/packaging/tap.sh
sonde=${SONDE:-user/sonde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

# line N: the result line of check N in $tmp/all.
line() {
	grep -E "^ ?$1: " "$tmp/all"
}
# expect N PATTERN WHAT: check N's line matches the extended regex.
expect() {
	if line "$1" | grep -qE -- "$2"; then
		ok "$3"
	else
		not_ok "$3: '$(line "$1")'"
	fi
}

"$sonde" test --list >"$tmp/list"
n=$(wc -l <"$tmp/list")
if [ "$n" -ge 13 ] && awk '{ if ($1 != NR ":" && $1 != " " NR ":") exit 1 }' "$tmp/list"; then
	ok "--list numbers $n checks from 1"
else
	not_ok "--list does not number its checks from 1"
	diag "$tmp/list"
fi
# num NAME: the number of the check so named.
num() {
	grep -n "\\[$1\\]\$" "$tmp/list" | cut -d: -f1
}

"$sonde" test >"$tmp/all" 2>"$tmp/err"
rc=$?
if [ "$(wc -l <"$tmp/all")" = "$n" ] &&
   ! grep -vqE '^ ?[0-9]+: .+ \.\.\. (ok|skip \(.+\)|FAIL \(.+\))$' "$tmp/all"; then
	ok "one result line per check: ok, skip (REASON) or FAIL (REASON)"
else
	not_ok "result lines"
	diag "$tmp/all"
fi
if grep -q ' \.\.\. FAIL' "$tmp/all"; then want=1; else want=0; fi
[ "$rc" = "$want" ] && ok "exit status $rc: FAIL lines make it 1" ||
	not_ok "exit status $rc, with FAIL lines it would be $want"
[ ! -s "$tmp/err" ] && ok "nothing on stderr (the recorder's messages are kept for -v)" ||
	{ not_ok "stderr is not empty"; diag "$tmp/err"; }

if [ -e /dev/sonde ] || [ -d /sys/module/sonde ]; then
	for c in module version access abi timer sw-events; do
		skip "$c: skips without the module" "the module is loaded here"
	done
else
	expect "$(num module)" 'skip \(not loaded .*perf_event_open' \
		"module: skip, not loaded, record falls back on perf_event_open"
	expect "$(num version)" 'skip \(module not loaded\)' "version: skip"
	expect "$(num access)" 'skip \(no /dev/sonde\)' "access: skip"
	for c in abi timer sw-events; do
		expect "$(num $c)" 'skip \(module not loaded\)' "$c: skip"
	done
	# The fallback converts perf's mapping records: the perf map is read.
	expect "$(num jit-map)" '\.\.\. ok$' "jit-map: ok through the fallback"
	[ "$rc" = 0 ] && ok "exit status 0: sampling works through the fallback" ||
		not_ok "exit status $rc without the module"
fi
expect "$(num hw-cycles)" '\.\.\. (ok|skip \(no hardware PMU)' \
	"hw-cycles: ok, or skip naming the missing PMU"
for c in perf unwind-fp unwind-dwarf; do
	expect "$(num $c)" '\.\.\. ok$' "$c: ok"
done
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ]; then
	expect "$(num io_uring)" '\.\.\. ok$' "io_uring: ok"
else
	expect "$(num io_uring)" 'skip \(kernel.io_uring_disabled' \
		"io_uring: skip naming kernel.io_uring_disabled"
fi
if awk '$1 !~ /^0+$/ { found = 1; exit } END { exit !found }' /proc/kallsyms; then
	expect "$(num kallsyms)" '\.\.\. ok$' "kallsyms: ok"
else
	expect "$(num kallsyms)" 'skip \(every address reads 0' \
		"kallsyms: skip, explained"
fi

# Selection by number and by part of a name.
k=$(num kallsyms)
"$sonde" test "$k" >"$tmp/one"
[ "$(wc -l <"$tmp/one")" = 1 ] && grep -qE "^ ?$k: kernel symbols" "$tmp/one" &&
	ok "test $k: that check alone" || { not_ok "test $k"; diag "$tmp/one"; }
"$sonde" test -v "$k" >"$tmp/v"
grep -qE '^    [0-9]+ text symbols; kernel.kptr_restrict = ' "$tmp/v" &&
	ok "-v: the detail under the line" || { not_ok "-v"; diag "$tmp/v"; }
"$sonde" test unwind >"$tmp/unw"
[ "$(cut -d: -f1 "$tmp/unw" | tr -d ' \n')" = "$(num unwind-fp)$(num unwind-dwarf)" ] &&
	ok "test unwind: the two unwinding checks" ||
	{ not_ok "test unwind"; diag "$tmp/unw"; }
"$sonde" test $((n + 1)) >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ] &&
	ok "test $((n + 1)): exit status 2, one line" ||
	not_ok "test $((n + 1)): exit status $rc"
for args in "0" "no-such-check" "--bogus" "--workload no-such-workload"; do
	# shellcheck disable=SC2086
	"$sonde" test $args >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ] &&
		ok "test $args: exit status 2, one line" ||
		{ not_ok "test $args: exit status $rc"; diag "$tmp/err"; }
done

# A check that fails: nowhere to record.
TMPDIR=$tmp/missing "$sonde" test unwind-fp >"$tmp/out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q '\.\.\. FAIL (mkdtemp' "$tmp/out" &&
	ok "a failed check: FAIL with its reason, exit status 1" ||
	{ not_ok "a failed check: exit status $rc"; diag "$tmp/out"; }
# A check that skips: a stripped binary has no names to look for.
if strip -o "$tmp/sonde" "$sonde" 2>/dev/null; then
	"$tmp/sonde" test unwind-dwarf >"$tmp/out" 2>&1
	rc=$?
	[ "$rc" = 0 ] && grep -q '\.\.\. skip (.*stripped' "$tmp/out" &&
		ok "a stripped sonde: unwinding skipped, exit status 0" ||
		{ not_ok "a stripped sonde: exit status $rc"; diag "$tmp/out"; }
else
	skip "a stripped sonde" "strip failed"
fi

# Without CAP_SYSLOG, kernel addresses read as zero unless
# kptr_restrict is 0 and perf_event_paranoid at most 1
# (kallsyms_show_value()): the skip names the sysctl that hides them.
kptr=$(cat /proc/sys/kernel/kptr_restrict)
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
if [ "$kptr" -ge 1 ]; then
	want="skip \\(every address reads 0: kernel.kptr_restrict = $kptr"
elif [ "$paranoid" -ge 2 ]; then
	want="skip \\(every address reads 0: with kernel.perf_event_paranoid = $paranoid"
else
	want='\.\.\. ok$'
fi
what="kallsyms as uid 65534 (kptr_restrict $kptr, perf_event_paranoid $paranoid)"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	cp "$sonde" "$tmp/sonde-user"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$tmp/sonde-user" test kallsyms >"$tmp/out" 2>&1
	if grep -qE "$want" "$tmp/out"; then
		ok "$what"
	else
		not_ok "$what"
		diag "$tmp/out"
	fi
else
	skip "$what" "needs root and setpriv"
fi
done_testing
