# SPDX-License-Identifier: GPL-2.0
#
# The awk functions the benchmark table writers share (scripts/bench,
# tests/bench/goals.sh), prefixed to their programs: sortn(a, k) sorts
# a[1..k] in place, numerically; med(a, k) is the median of the sorted
# a[1..k].
function sortn(a, k,   i, j, t) {
	for (i = 1; i <= k; i++)
		for (j = i + 1; j <= k; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
}
function med(a, k) { return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
