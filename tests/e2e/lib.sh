# SPDX-License-Identifier: GPL-2.0
#
# TAP helpers of the end-to-end scripts (sourced): test lines without
# numbers or plan; tests/e2e/run adds those.
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
# check WHAT COMMAND...: ok when COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
