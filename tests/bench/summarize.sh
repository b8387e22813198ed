#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host side of the guest benchmarks (scripts/bench): turns what
# tests/bench/handler.sh, breakdown.sh, reader.sh and slowdown.sh printed
# in one guest boot (OUTDIR/guest.txt) and the recordings they kept into
#
#   OUTDIR/handler.tsv   every case: round tool mode depth p50 p90 p99 n
#   OUTDIR/bytes.tsv     bytes per sample of each tool and mode
#   OUTDIR/reader.tsv    every reader run: round tool cpu_us nvcsw samples
#   OUTDIR/readerrun.tsv every readerrun: round tool task_clock_ns
#                        window_s period_ns samples (in the window; "-"
#                        for runs that printed no window edges)
#   OUTDIR/ramp.tsv      every ramp run: round tool mode hz samples lost
#                        throttled
#   OUTDIR/slowdown.tsv  every slowdown run: round tool mode hz ns samples
#   OUTDIR/producer.tsv  every producer.sh line: round tool mode function
#                        mean traced instructions
#   OUTDIR/results.tsv   metric goal median min max rounds: the ratios
#   OUTDIR/results.json  the same, one object per metric
#   OUTDIR/breakdown.tsv where sonde's callback spends its instructions
#   OUTDIR/summary.md    the tables for BENCHMARKS.md
#
# The breakdown: function_graph adds its hooks' cost to every traced call,
# part of it inside the callee's duration (H, taken as the traced duration
# of sonde_handler_hist_bucket, a dozen instructions of its own), part in
# the caller's only (X, solved for so that the parts add up to the
# untraced median of sonde's callback in the same mode, handler.tsv).  A
# function's own instructions are its traced duration less H less what
# its traced callees took (each plus X); its share is that times its
# calls per callback over the untraced median.  Calls the tracer hooks
# but does not record (below max_graph_depth, e.g. copy_from_user_nofault
# in sonde_user_chain) still cost hook time inside their caller, and the
# untraced median leaves out the rare long callbacks that the means here
# include (the ORC walk of a sample taken in the kernel): shares are
# approximate, sonde_timer_fn's own includes the tracepoint pair that
# handler.sh measures between, and "rest" shows what does not add up.
#
# Ratios are per round (both tools in the same round of the same boot),
# then the median, min and max over rounds.  Bytes per sample: sonde's
# ring bytes per record (sonde report, "ring data"), perf's mean
# PERF_RECORD_SAMPLE size (perf report -D), of the first round's
# recordings.  Samples of a reader run: sonde report's "samples", perf
# report --stats' SAMPLE events.
#
# Usage: tests/bench/summarize.sh OUTDIR
set -euo pipefail
out=$1
g=$out/guest.txt

awk '$1 == "case" { print $2, $3, $4, $5, $6, $7, $8, $9 }' OFS='\t' "$g" >"$out/handler.tsv"
awk '$1 == "producer" { print $2, $3, $4, $5, $7 }' OFS='\t' "$g" >"$out/producer.tsv"

sonde_field() {	# FILE PATTERN: the number after PATTERN in sonde report's header
	sonde report -i "$1" 2>/dev/null | sed -n "s/^# $2 \([0-9]*\).*/\1/p" | head -n1
}

perf_stat() {	# FILE EVENT: how many EVENT records perf report --stats counts
	perf report --stats -i "$1" 2>/dev/null |
		awk -v e="$2" '$1 == e && $2 == "events:" { print $3; exit }'
}

perf_sample_bytes() {
	# mawk has no strtonum(): hex by hand.
	perf report -D -i "$1" 2>/dev/null | awk '
		function hex(s,   i, v) {
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		/PERF_RECORD_SAMPLE/ && match($0, /\[0x[0-9a-f]+\]/) {
			n++; b += hex(substr($0, RSTART + 3, RLENGTH - 4))
		}
		END { printf "%d\n", n ? b / n : 0 }'
}

: >"$out/bytes.tsv"
for mode in ip fp5 fp30 fp120 dwarf dwarf64; do
	s=$out/rec-sonde-$mode.data
	p=$out/rec-perf-$mode.perf
	[ -f "$s" ] && [ -f "$p" ] || continue
	b=$(sonde report -i "$s" 2>/dev/null |
		sed -n 's/^# ring data: .*, \([0-9]*\) bytes per record/\1/p')
	printf '%s\t%s\t%s\n' "$mode" "${b:-0}" "$(perf_sample_bytes "$p")" >>"$out/bytes.tsv"
done

awk '$1 == "reader" { print $2, $3, $4 + $5, $6 }' "$g" | while read -r r tool cpu vcsw; do
	if [ "$tool" = sonde ]; then
		n=$(sonde_field "$out/reader-$r-sonde.data" "samples:")
	else
		n=$(perf_stat "$out/reader-$r-perf.perf" SAMPLE)
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$tool" "$cpu" "$vcsw" "${n:-0}"
done >"$out/reader.tsv"
# The samples a readerrun recording took between START_S and END_S (its
# sixth and seventh fields; runs before them printed none: "-", and the
# window is taken to hold WINDOW / PERIOD samples); 0, so no ratio for
# the round, when its first sample came after START_S: the window then
# holds some of the tool's set-up.
samples_between() {	# FILE START_S END_S
	case $1 in
	*.data)	sonde script -i "$1" 2>/dev/null |
			awk '/^[^\t]/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { print $i + 0; break } }' ;;
	*)	perf script -F time -i "$1" 2>/dev/null | awk '{ print $1 + 0 }' ;;
	esac | awk -v a="$2" -v b="$3" '
		NR == 1 { first = $1 }
		$1 >= a && $1 < b { n++ }
		END { print (NR && first <= a) ? n + 0 : 0 }'
}

awk '$1 == "readerrun" { print $2, $3, $4, $5, $6, (NF >= 8 ? $7 " " $8 : "- -") }' "$g" |
	while read -r r tool ns win period t0 t1; do
	n=-
	if [ "$t0" != - ]; then
		f=$out/readerrun-$r-sonde.data
		[ "$tool" = sonde ] || f=$out/readerrun-$r-perf.perf
		n=0	# no recording: no ratio for the round
		[ -f "$f" ] && n=$(samples_between "$f" "$t0" "$t1")
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$tool" "$ns" "$win" "$period" "$n"
done >"$out/readerrun.tsv"

# "ramp R TOOL HZ MODE [refused]"; runs before the dwarf ramp printed no
# MODE ("ramp R TOOL HZ [refused]", files ramp-R-TOOL-HZ.*): fp.
awk '$1 == "ramp" && $NF != "refused" { print $2, $3, $4, (NF == 5 ? $5 : "-") }' "$g" |
	while read -r r tool hz mode; do
	if [ "$mode" = - ]; then
		f=$out/ramp-$r-$tool-$hz
		mode=fp
	else
		f=$out/ramp-$r-$tool-$mode-$hz
	fi
	if [ "$tool" = sonde ]; then
		n=$(sonde_field "$f.data" "samples:")
		lost=$(sonde_field "$f.data" "lost:")
		thr=$(grep -c ', throttled ' "$f.txt" || true)
	else
		n=$(perf_stat "$f.perf" SAMPLE)
		lost=$(( $(perf_stat "$f.perf" LOST || true) + $(perf_stat "$f.perf" LOST_SAMPLES || true) + 0 ))
		thr=$(perf_stat "$f.perf" THROTTLE)
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$tool" "$mode" "$hz" "${n:-0}" "${lost:-0}" "${thr:-0}"
done >"$out/ramp.tsv"
awk '$1 == "ramp" && $NF == "refused" { printf "%s\t%s\t%s\t%s\trefused\t-\t-\n", $2, $3, (NF == 6 ? $5 : "fp"), $4 }' "$g" >>"$out/ramp.tsv"

# The ratios: per round, then median, min, max.
awk -F'\t' -v out="$out" '
	function sortn(a, k,   i, j, t) {
		for (i = 1; i <= k; i++)
			for (j = i + 1; j <= k; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	}
	function row(metric, goal, list,   a, k) {
		k = split(list, a, " ")
		if (!k)
			return
		sortn(a, k)
		printf "%s\t%s\t%.2f\t%.2f\t%.2f\t%d\n", metric, goal,
			k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2, a[1], a[k], k >>out "/results.tsv"
	}
	# least-squares slope of p50 over the depths of fp5, fp30, fp120
	function slope(t, r,   m, x, y, sx, sy, sxx, sxy, n, i) {
		split("fp5 fp30 fp120", m, " ")
		for (i = 1; i <= 3; i++) {
			if (!((FN_H, r, t, m[i]) in p50))
				return -1
			x = dep[m[i]]; y = p50[FN_H, r, t, m[i]]
			sx += x; sy += y; sxx += x * x; sxy += x * y; n++
		}
		return (n * sxy - sx * sy) / (n * sxx - sx * sx)
	}
	FILENAME ~ /handler.tsv$/ {
		FN_H = 1
		p50[1, $1, $2, $3] = $5; p99[1, $1, $2, $3] = $7; dep[$3] = $4
		if (!seen[$1]++) rounds[++nr] = $1
		next
	}
	FILENAME ~ /bytes.tsv$/ { bs[$1] = $2; bp[$1] = $3; next }
	FILENAME ~ /producer.tsv$/ {
		pr[$1, $2, $3, $4] = $5
		if (!pseen[$1]++) prounds[++npr] = $1
		next
	}
	FILENAME ~ /readerrun.tsv$/ {
		# us per 1,000 samples: those counted in the window, else
		# window / period of them
		n = $6 != "-" ? $6 : $4 * 1e9 / $5
		if ($3 > 0 && n > 0) run[$1, $2] = $3 / 1000 / n * 1000
		if (!runseen[$1]++) runr[++nrun] = $1
		next
	}
	FILENAME ~ /reader.tsv$/ {
		if ($5 > 0) { cpu[$1, $2] = $3 * 1000 / $5; wk[$1, $2] = $4 * 1000 / $5 }
		if (!rseen[$1]++) rr[++nrr] = $1
		next
	}
	END {
		printf "metric\tgoal\tmedian\tmin\tmax\trounds\n" >out "/results.tsv"
		nm = split("ip fp5 fp30 fp120 dwarf dwarf64", modes, " ")
		for (m = 1; m <= nm; m++) {
			l = ""; q = ""; pq = ""
			for (i = 1; i <= nr; i++) {
				r = rounds[i]
				if (((1, r, "sonde", modes[m]) in p50) && ((1, r, "perf", modes[m]) in p50) && p50[1, r, "sonde", modes[m]] > 0) {
					l = l " " p50[1, r, "perf", modes[m]] / p50[1, r, "sonde", modes[m]]
					q = q " " p99[1, r, "sonde", modes[m]] / p50[1, r, "sonde", modes[m]]
					pq = pq " " p99[1, r, "perf", modes[m]] / p50[1, r, "perf", modes[m]]
				}
			}
			goal = modes[m] == "fp30" ? ">= 5" : modes[m] == "ip" ? ">= 4" : "-"
			row("handler p50 perf/sonde " modes[m], goal, l)
			row("sonde p99/p50 " modes[m], "< 2", q)
			row("perf p99/p50 " modes[m], "-", pq)
		}
		l = ""; ls = ""; lp = ""
		for (i = 1; i <= nr; i++) {
			a = slope("sonde", rounds[i]); b = slope("perf", rounds[i])
			if (a > 0 && b > 0) { l = l " " b / a; ls = ls " " a; lp = lp " " b }
		}
		row("fp per-frame slope perf/sonde", ">= 8", l)
		row("fp per-frame slope sonde (instructions)", "-", ls)
		row("fp per-frame slope perf (instructions)", "-", lp)
		for (m = 1; m <= nm; m++)
			if (bs[modes[m]] > 0)
				row("bytes per sample perf/sonde " modes[m], modes[m] ~ /^dwarf/ ? ">= 8" : "-",
				    bp[modes[m]] / bs[modes[m]])
		l_reader = ""; w1 = ""; w2 = ""
		for (i = 1; i <= nrr; i++) {
			r = rr[i]
			if (((r, "sonde") in cpu) && ((r, "perf") in cpu) && cpu[r, "sonde"] > 0)
				l_reader = l_reader " " cpu[r, "perf"] / cpu[r, "sonde"]
			if ((r, "sonde") in wk) w1 = w1 " " wk[r, "sonde"]
			if ((r, "perf") in wk) w2 = w2 " " wk[r, "perf"]
		}
		# The ring per record, less the tracer (H) once per traced call.
		split("ip dwarf", pm, " ")
		for (m = 1; m <= 2; m++) {
			l = ""; ls = ""; lp = ""
			for (i = 1; i <= npr; i++) {
				r = prounds[i]
				h = pr[r, "sonde", pm[m], "sonde_handler_hist_bucket"]
				a = pr[r, "sonde", pm[m], "sonde_ring_reserve"] + pr[r, "sonde", pm[m], "sonde_ring_commit"] - 2 * h
				b = pr[r, "perf", pm[m], "perf_output_begin_forward"] + pr[r, "perf", pm[m], "perf_output_end"] - 2 * h
				if (h > 0 && a > 0 && b > 0) { l = l " " b / a; ls = ls " " a; lp = lp " " b }
			}
			row("ring producer per record perf/sonde " pm[m], "-", l)
			row("ring producer per record sonde (instructions) " pm[m], "-", ls)
			row("ring producer per record perf (instructions) " pm[m], "-", lp)
		}
		row("reader CPU per sample perf/sonde", ">= 10", l_reader)
		row("reader wakeups per 1000 samples sonde", "-", w1)
		row("reader wakeups per 1000 samples perf", "-", w2)
		l = ""; ms = ""; mp = ""
		for (i = 1; i <= nrun; i++) {
			r = runr[i]
			if (((r, "sonde") in run) && ((r, "perf") in run)) {
				l = l " " run[r, "perf"] / run[r, "sonde"]
				ms = ms " " run[r, "sonde"]; mp = mp " " run[r, "perf"]
			}
		}
		row("reader CPU per sample once running perf/sonde", ">= 10", l)
		row("reader CPU us per 1000 samples once running sonde", "-", ms)
		row("reader CPU us per 1000 samples once running perf", "-", mp)
	}' "$out/handler.tsv" "$out/bytes.tsv" "$out/producer.tsv" "$out/reader.tsv" "$out/readerrun.tsv"

# Workload slowdown (slowdown.sh): per round, each tool's extra guest
# instructions per sample of the workload, against the mean of the
# round's two runs alone; the ratio perf/sonde, and each tool's slowdown.
awk '$1 == "slow" { print $2, $3, $4, $5, $6, $7 }' OFS='\t' "$g" >"$out/slowdown.tsv"
awk -F'\t' '
	function row(metric, goal, list,   a, k, i, j, t) {
		k = split(list, a, " ")
		if (!k)
			return
		for (i = 1; i <= k; i++)
			for (j = i + 1; j <= k; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		printf "%s\t%s\t%.2f\t%.2f\t%.2f\t%d\n", metric, goal,
			k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2, a[1], a[k], k
	}
	$2 == "none" {
		if (nalone[$1, $3]) first[$1, $3] = alone[$1, $3]
		alone[$1, $3] += $5; nalone[$1, $3]++
		if (!(($3) in ms)) { ms[$3] = 1; modes[++nm] = $3 }
		next
	}
	{
		ns[$1, $2, $3, $4] = $5; n[$1, $2, $3, $4] = $6
		if (!(($3, $4) in seen)) { seen[$3, $4] = 1; cases[++nc] = $3 SUBSEP $4 }
		if (!(($1) in rs)) { rs[$1] = 1; rounds[++nr] = $1 }
	}
	END {
		# How much the workload alone moves between the round'"'"'s two runs:
		# the noise floor under the differences below.
		for (m = 1; m <= nm; m++) {
			l = ""
			for (i = 1; i <= nr; i++) {
				r = rounds[i]
				if (nalone[r, modes[m]] != 2) continue
				a = first[r, modes[m]]; b = alone[r, modes[m]] - a
				l = l " " 200 * (a > b ? a - b : b - a) / (a + b)
			}
			row("workload alone: its two runs apart % " modes[m], "-", l)
		}
		for (c = 1; c <= nc; c++) {
			split(cases[c], mh, SUBSEP)
			l = ""; ps = ""; pp = ""; ss = ""; sp = ""
			for (i = 1; i <= nr; i++) {
				r = rounds[i]
				if (!nalone[r, mh[1]]) continue
				base = alone[r, mh[1]] / nalone[r, mh[1]]
				ks = r SUBSEP "sonde" SUBSEP cases[c]; kp = r SUBSEP "perf" SUBSEP cases[c]
				if (!(ks in ns) || !(kp in ns) || n[ks] <= 0 || n[kp] <= 0) continue
				es = (ns[ks] - base) / n[ks]; ep = (ns[kp] - base) / n[kp]
				if (es > 0) l = l " " ep / es
				ps = ps " " es; pp = pp " " ep
				ss = ss " " 100 * (ns[ks] / base - 1); sp = sp " " 100 * (ns[kp] / base - 1)
			}
			row("workload instructions per sample perf/sonde " mh[1] " " mh[2] " Hz", "-", l)
			row("workload instructions per sample sonde " mh[1] " " mh[2] " Hz", "-", ps)
			row("workload instructions per sample perf " mh[1] " " mh[2] " Hz", "-", pp)
			row("workload slowdown % sonde " mh[1] " " mh[2] " Hz", "-", ss)
			row("workload slowdown % perf " mh[1] " " mh[2] " Hz", "-", sp)
		}
	}' "$out/slowdown.tsv" >>"$out/results.tsv"

awk -F'\t' 'NR > 1 {
	printf "%s{\"metric\": \"%s\", \"goal\": \"%s\", \"median\": %s, \"min\": %s, \"max\": %s, \"rounds\": %s}",
		n++ ? ",\n  " : "[\n  ", $1, $2, $3, $4, $5, $6
	} END { print "\n]" }' "$out/results.tsv" >"$out/results.json"

awk '$1 == "part" { print $2, $3, $4, $5, $6, $7 }' "$g" |
	awk -v hf="$out/handler.tsv" '
	BEGIN {
		while ((getline l < hf) > 0) {
			split(l, c, "\t")
			if (c[2] == "sonde") v[c[3], ++nv[c[3]]] = c[5]
		}
	}
	function median(m,   a, k, i, j, t) {
		k = nv[m]
		for (i = 1; i <= k; i++) a[i] = v[m, i]
		for (i = 1; i <= k; i++)
			for (j = i + 1; j <= k; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	$4 == "callbacks" { next }
	{
		# MODE DEPTH CALLER FUNCTION CALLS MEAN
		key = $1 SUBSEP $2 SUBSEP $4
		mode[$1] = 1
		if (!(key in calls)) order[$1, ++nk[$1]] = key
		calls[key] += $5; mean[key] = $6; dep[key] = $2; name[key] = $4
		if ($4 == "sonde_handler_hist_bucket") h[$1] = $6
		# per callback, what the traced callees of CALLER at DEPTH - 1 took
		kids[$1 SUBSEP ($2 - 1) SUBSEP $3] += $5 * $6
		nkids[$1 SUBSEP ($2 - 1) SUBSEP $3] += $5
		if ($2 == 1) top[$1] = $6
		else ndesc[$1] += $5
	}
	END {
		for (m in mode) {
			p = median(m)
			if (!p || !h[m]) continue
			tot = 0
			# X: what a traced call costs its caller beyond the duration
			# of the callee, such that the parts add up to p
			x = ndesc[m] ? (top[m] - p - h[m] * (1 + ndesc[m])) / ndesc[m] : 0
			for (i = 1; i <= nk[m]; i++) {
				k = order[m, i]
				own = mean[k] - h[m] - (calls[k] ? (kids[k] + x * nkids[k]) / calls[k] : 0)
				if (own < 0) own = 0
				tot += own * calls[k]
				# callers seen in under 1% of the callbacks: too few to show
				if (calls[k] < 0.01) continue
				printf "%s\t%s\t%.3f\t%.0f\t%.0f\t%.1f\n", m, name[k], calls[k], mean[k], own, 100 * own * calls[k] / p
			}
			printf "%s\t%s\t-\t-\t%.0f\t%.1f\n", m, "rest", p - tot, 100 * (p - tot) / p
			printf "%s\t%s\t-\t%.0f\t-\t-\n", m, "hook_cost_H", h[m]
			printf "%s\t%s\t-\t%.0f\t-\t-\n", m, "hook_cost_X", x
		}
	}' | sort -k1,1 -k6,6nr >"$out/breakdown.tsv"

{
	echo "| metric | goal | median | min | max | rounds |"
	echo "| --- | --- | --- | --- | --- | --- |"
	awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$out/results.tsv"
	if [ -s "$out/ramp.tsv" ]; then
		echo
		echo "Ramp (30 frames fp, or dwarf with 8 KiB of stack at 30 frames; each tool's default ring size): samples, lost, throttle records, per mode, rate and round"
		echo
		echo "| round | tool | mode | Hz per CPU | samples | lost | throttled |"
		echo "| --- | --- | --- | --- | --- | --- | --- |"
		sort -t"$(printf '\t')" -k3,3 -k1,1n -k4,4n "$out/ramp.tsv" |
			awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }'
	fi
	if [ -s "$out/breakdown.tsv" ]; then
		echo
		echo "Where sonde's callback spends its instructions (function_graph; see summarize.sh):"
		echo
		echo "| mode | function | calls per callback | traced instructions per call | own instructions per call | share of the untraced callback (%) |"
		echo "| --- | --- | --- | --- | --- | --- |"
		awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$out/breakdown.tsv"
	fi
} >"$out/summary.md"
