# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the guest benchmarks: the order of the two tools in a round,
# A B / B A as the benchmark rules ask.
#
# abba ROUND CMD [ARGS...]: CMD ROUND sonde ARGS..., then CMD ROUND perf
# ARGS..., in odd rounds; perf first in even ones.
abba() {
	local r=$1 cmd=$2
	shift 2
	if [ $((r % 2)) = 1 ]; then
		"$cmd" "$r" sonde "$@"
		"$cmd" "$r" perf "$@"
	else
		"$cmd" "$r" perf "$@"
		"$cmd" "$r" sonde "$@"
	fi
}
