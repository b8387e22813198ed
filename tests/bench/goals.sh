#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Issue 14's goals, each against what make bench measured: one row per
# goal from the results the parts of the run left behind, so that
# BENCHMARKS.md opens with whether each is met.
#
#   tests/build/bench/guest/results.tsv   handler, p99, slope, bytes,
#                                         reader (summarize.sh)
#   tests/build/bench/guest/ramp.tsv      losses at rising rates
#   tests/build/bench/postproc/postproc.txt  report and folded (postproc.sh)
#   tests/build/bench-symbolize/results.md   symbolization (symbolize.sh)
#
# A part that did not run gives no row.  Ratios are perf's over sonde's
# (above 1, sonde is cheaper), their median over rounds with min and max;
# a goal is met when the median reaches it ("< 2": when every round's
# value is below 2).
#
# Usage: tests/bench/goals.sh [BUILD]   (BUILD default tests/build)
# Writes BUILD/bench/goals.tsv (goal target median min max rounds met)
# and BUILD/bench/goals.json, and prints the Markdown table.
set -euo pipefail

here=$(dirname "$0")
build=${1:-tests/build}
guest=$build/bench/guest
postproc=$build/bench/postproc/postproc.txt
symbolize=$build/bench-symbolize/results.md
out=$build/bench
mkdir -p "$out"

# "goal<TAB>target<TAB>median<TAB>min<TAB>max<TAB>rounds" rows, unjudged.
rows() {
	if [ -s "$guest/results.tsv" ]; then
		awk -F'\t' '
			function pick(metric, goal) { if (metric in med) printf "%s\t%s\t%s\t%s\t%s\t%s\n", goal, tgt[metric], med[metric], lo[metric], hi[metric], n[metric] }
			NR > 1 { med[$1] = $3; lo[$1] = $4; hi[$1] = $5; n[$1] = $6; tgt[$1] = $2 }
			NR > 1 && $1 ~ /^sonde p99\/p50 / {
				# One row for every mode: the worst of them.
				if (!p99n || $3 > p99med) p99med = $3
				if (!p99n || $4 < p99lo) p99lo = $4
				if (!p99n || $5 > p99hi) p99hi = $5
				if (!p99n || $6 < p99r) p99r = $6
				p99n++
			}
			END {
				pick("handler p50 perf/sonde fp30", "handler, 30 fp frames: perf / sonde")
				pick("fp per-frame slope perf/sonde", "handler, per fp frame: perf / sonde")
				pick("handler p50 perf/sonde ip", "handler, no call chain: perf / sonde")
				if (p99n)
					printf "%s\t< 2\t%s\t%s\t%s\t%s\n", "sonde handler p99 / its p50, worst of " p99n " modes", p99med, p99lo, p99hi, p99r
				pick("bytes per sample perf/sonde dwarf", "dwarf 8 KiB sample size: perf / sonde")
				pick("bytes per sample perf/sonde dwarf64", "dwarf 64 KiB sample size: perf / sonde")
				pick("reader CPU per sample perf/sonde", "recorder CPU per sample, short run: perf / sonde")
				pick("reader CPU per sample once running perf/sonde", "recorder CPU per sample, once running: perf / sonde")
			}' "$guest/results.tsv"
	fi
	if [ -s "$guest/ramp.tsv" ]; then
		# Per mode: the lowest rate at which perf lost or was throttled in
		# any round, and what sonde lost at twice that rate.
		awk -F'\t' '
			{ modes[$3] = 1 }
			$2 == "perf" && ($6 > 0 || $7 > 0) { if (!(($3) in plose) || $4 < plose[$3]) plose[$3] = $4 }
			$2 == "sonde" { sr[$3, $4]++; if ($5 == "refused") sref[$3, $4] = 1; else slost[$3, $4] += $6 }
			END {
				for (m in modes) {
					goal = "no loss at twice the rate perf loses at, " m
					if (!(m in plose)) {
						printf "%s\t0 lost\tperf lost nothing\t-\t-\t-\n", goal
						continue
					}
					hz = 2 * plose[m]
					if (!((m, hz) in sr) || (m, hz) in sref) {
						# What sonde lost at the highest rate it ran.
						top = 0; refmin = 0
						for (k in sr) {
							split(k, p, SUBSEP)
							if (p[1] != m) continue
							if (!(k in sref) && p[2] + 0 > top) top = p[2] + 0
							if ((k in sref) && (!refmin || p[2] + 0 < refmin)) refmin = p[2] + 0
						}
						why = refmin && refmin <= hz ? sprintf("sonde refuses %d Hz and more", refmin) : sprintf("%d Hz not run", hz)
						printf "%s\t0 lost\tperf loses from %d Hz; %s; at %d Hz sonde lost %d in all\t-\t-\t%s\n", goal, plose[m],
							why, top, slost[m, top], sr[m, top]
						continue
					}
					printf "%s\t0 lost\t%d lost at %d Hz in all (perf loses from %d)\t-\t-\t%d\n", goal, slost[m, hz], hz, plose[m], sr[m, hz]
				}
			}' "$guest/ramp.tsv" | sort
	fi
	if [ -s "$postproc" ]; then
		awk "$(cat "$here/median.awk")"'
			$1 == "postproc" { cpu[$2, $3, $4, $5] = $6; if ($6 > 0 && $5 > nr) nr = $5; seen[$2, $3] = 1 }
			END {
				split("fp dwarf", modes, " ")
				split("report collapse", cmds, " ")
				name["report"] = "report: perf report --stdio --inline / sonde report -g"
				name["collapse"] = "folded: perf script report stackcollapse / sonde export -f folded"
				for (i = 1; i <= 2; i++)
					for (j = 1; j <= 2; j++) {
						m = modes[i]; c = cmds[j]
						if (!((m, c) in seen)) continue
						k = 0
						for (r = 1; r <= nr; r++)
							if ((m, c, "perf", r) in cpu && (m, c, "sonde", r) in cpu && cpu[m, c, "sonde", r] > 0)
								a[++k] = cpu[m, c, "perf", r] / cpu[m, c, "sonde", r]
						if (!k) continue
						sortn(a, k)
						printf "%s, %s\t>= %d\t%.2f\t%.2f\t%.2f\t%d\n", name[c], m, m == "dwarf" ? 30 : 20,
							med(a, k), a[1], a[k], k
						delete a
					}
			}' "$postproc"
	fi
	if [ -s "$symbolize" ]; then
		# The table's rows: | binary | tool | queries | against | median |
		# min | max |; its rounds are in times.txt ("BINARY TOOL ROUND ...").
		awk -F' [|] ' '
			FILENAME ~ /times.txt$/ { split($0, f, " "); if (f[2] == "addr2line") n[f[1]]++; next }
			$2 == "addr2line" && $4 == "sonde-unique" {
				sub(/^[|] /, "", $1); sub(/ [|]$/, "", $7)
				printf "symbolization, %s: addr2line -f -i / sonde\t>= 50\t%s\t%s\t%s\t%s\n", $1, $5, $6, $7, ($1 in n) ? n[$1] : "-"
			}' "$(dirname "$symbolize")/times.txt" "$symbolize"
	fi
}

rows | awk -F'\t' -v OFS='\t' '
	{
		met = "-"
		if ($2 ~ /^>= / && $3 ~ /^[0-9.]+$/)
			met = $3 + 0 >= substr($2, 4) + 0 ? "yes" : "no"
		else if ($2 ~ /^< / && $5 ~ /^[0-9.]+$/)
			met = $5 + 0 < substr($2, 3) + 0 ? "yes" : "no"
		else if ($2 == "0 lost" && $3 ~ /^[0-9]+ lost at/)
			met = $3 + 0 == 0 ? "yes" : "no"
		else if ($2 == "0 lost")
			met = "not shown"
		print $1, $2, $3, $4, $5, $6, met
	}' >"$out/goals.tsv"

awk -F'\t' '
	function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	{
		printf "%s{\"goal\": %s, \"target\": %s, \"median\": %s, \"min\": %s, \"max\": %s, \"rounds\": %s, \"met\": %s}",
			n++ ? ",\n  " : "[\n  ", q($1), q($2), q($3), q($4), q($5), q($6), q($7)
	}
	END { print (n ? "\n]" : "[]") }' "$out/goals.tsv" >"$out/goals.json"

echo "| goal | target | median | min | max | rounds | met |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$out/goals.tsv"
