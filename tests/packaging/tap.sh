# SPDX-License-Identifier: GPL-2.0
#
# TAP helpers of the packaging tests (sourced, POSIX sh): numbered test
# lines, the plan printed last by done_testing, whose exit status says
# whether any test failed.
tap_n=0
tap_fails=0
ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}
not_ok() {
	tap_n=$((tap_n + 1))
	tap_fails=$((tap_fails + 1))
	echo "not ok $tap_n - $*"
}
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}
# diag FILE: FILE's lines (the first 20) as TAP comments.
diag() {
	head -n 20 "$1" | sed 's/^/# /'
}
# check WHAT COMMAND...: ok when COMMAND succeeds; its output is shown
# as comments when it fails.
check() {
	tap_what=$1
	shift
	tap_log=$(mktemp)
	if "$@" >"$tap_log" 2>&1; then
		ok "$tap_what"
	else
		not_ok "$tap_what"
		diag "$tap_log"
	fi
	rm -f "$tap_log"
}
done_testing() {
	echo "1..$tap_n"
	[ "$tap_fails" = 0 ]
}
