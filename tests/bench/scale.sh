#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Export at scale (issue 10), as TAP: a synthetic recording of a million
# samples (tests/bench/genrec.c, shape mix: 4 processes of 4 threads,
# 4,000 distinct stacks 10 to 40 frames deep over 400 libc functions) is
# exported to every format, and each run's peak RSS (tests/bench/cputime)
# must stay under the bound docs/cli.md documents under "sonde export",
# Memory:
#
#   48 MiB + B x FRAMES + C x SAMPLES
#
# FRAMES the sum of the distinct stacks' depths (for perfview: of every
# distinct (stack, thread) sampled), both printed by genrec; B and C per
# format below.  Each output must also be valid: folded has one line per
# distinct stack and its counts sum to the samples, pprof gunzips, the
# XML, JSON and SVG files end as they must, script and perf-script print
# one header line per sample.  script and perf-script print
# 2 KiB of text per sample here, so they read a 100,000-sample recording
# of the same stacks (one more point on the per-sample slope).
#
# BOUND_PCT=N scales every bound to N percent (default 100): run with
# BOUND_PCT=40 to see the test fail.
#
# Usage: tests/bench/scale.sh   (after make tool and make -C tests/bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
sonde=${SONDE:-user/sonde}
bin=tests/build/bench-host
pct=${BOUND_PCT:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# format  B (bytes per frame)  C (bytes per sample)  recording
# C is 0 where samples are merged (folded, pprof, svg, report) or
# streamed (chrome, script, perf-script): their memory must not grow with
# the samples at all.
formats=(
	"folded 48 0 big"
	"pprof 64 0 big"
	"perfview 256 96 big"
	"speedscope 48 96 big"
	"chrome 384 0 big"
	"svg 48 0 big"
	"report 48 0 big"
	"script 48 0 small"
	"perf-script 48 0 small"
)
echo "1..$((${#formats[@]} + 1))"

if [ ! -x "$bin/genrec" ] || [ ! -x "$bin/cputime" ] || [ ! -x "$sonde" ]; then
	echo "Bail out! build first: make tool && make -C tests/bench"
	exit 1
fi
declare -A samples stacks frames tframes
for r in big:1000000 small:100000; do
	name=${r%%:*}
	samples[$name]=${r#*:}
	read -r "stacks[$name]" "frames[$name]" "tframes[$name]" < <(
		"$bin/genrec" mix 4 4 4000 "${samples[$name]}" "$tmp/$name.sonde")
done
echo "ok 1 - genrec: ${samples[big]} and ${samples[small]} samples on ${stacks[big]} stacks of ${frames[big]} frames"

# Valid output of format $1 for recording $2 in $3, or a reason on stdout.
check_output() {
	local f=$1 r=$2 out=$3 n
	[ -s "$out" ] || { echo "empty output"; return; }
	case $f in
	folded)
		n=$(wc -l <"$out")
		[ "$n" -eq "${stacks[$r]}" ] ||
			echo "$n lines, ${stacks[$r]} distinct stacks"
		n=$(awk '{ s += $NF } END { print s }' "$out")
		[ "$n" -eq "${samples[$r]}" ] ||
			echo "counts sum to $n, not ${samples[$r]}"
		;;
	pprof)
		gzip -t <"$out" 2>/dev/null || echo "does not gunzip"
		;;
	perfview)
		grep -q "<Samples Count=\"${samples[$r]}\">" "$out" ||
			echo "no <Samples Count=\"${samples[$r]}\">"
		[ "$(tail -n 1 "$out")" = "</StackWindow>" ] ||
			echo "does not end with </StackWindow>"
		;;
	speedscope | chrome)
		[ "$(head -c 1 "$out")" = "{" ] &&
			[ "$(tail -c 2 "$out" | tr -d '\n')" = "}" ] ||
			echo "not one JSON object"
		;;
	svg)
		[ "$(tail -n 1 "$out")" = "</svg>" ] || echo "does not end with </svg>"
		;;
	report)
		grep -q '%' "$out" || echo "no percentages"
		;;
	script | perf-script)
		n=$(grep -c 'cpu-clock:' "$out")
		[ "$n" -eq "${samples[$r]}" ] ||
			echo "$n samples printed, ${samples[$r]} recorded"
		;;
	esac
}

t=1
failed=0
for spec in "${formats[@]}"; do
	read -r f b c r <<<"$spec"
	t=$((t + 1))
	case $f in
	report | script) cmd=("$sonde" "$f" -i "$tmp/$r.sonde") ;;
	*) cmd=("$sonde" export -f "$f" -i "$tmp/$r.sonde") ;;
	esac
	nf=${frames[$r]}
	[ "$f" = perfview ] && nf=${tframes[$r]}
	bound=$(((48 * 1048576 + b * nf + c * ${samples[$r]}) * pct / 102400))
	read -r user sys rss status _ < <("$bin/cputime" -o "$tmp/out" "${cmd[@]}")
	cpu=$(printf '%d.%02d' $(((user + sys) / 1000000)) \
		$(((user + sys) % 1000000 / 10000)))
	why=
	[ "$status" -eq 0 ] || why="exit status $status"
	[ -n "$why" ] || why=$(check_output "$f" "$r" "$tmp/out")
	[ -n "$why" ] || [ "$rss" -lt "$bound" ] ||
		why="peak RSS $rss KiB over the bound $bound KiB"
	rm -f "$tmp/out"
	if [ -z "$why" ]; then
		echo "ok $t - $f, ${samples[$r]} samples: $rss KiB of $bound, ${cpu} s"
	else
		echo "not ok $t - $f, ${samples[$r]} samples: $why"
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
