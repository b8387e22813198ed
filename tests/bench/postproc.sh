#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark "postproc", on the host: CPU time and peak memory from a
# recording to a report and to folded stacks, sonde against perf, on
# recordings of the same workload that tests/bench/postrec.sh made in a
# guest (DIR/{fp,dwarf}.{data,perf} and the guest's kallsyms).  Per mode
# (fp, dwarf), the pairs are:
#
#   report     sonde report -g (entries by self and total, each with the
#              tree of its callers) against perf report --stdio --inline
#              (perf's default with call chains: children, a caller
#              graph under each entry)
#   script     sonde export -f folded against perf script --inline, the
#              text a collapsing script reads: a lower bound for perf's
#              way to folded stacks
#   collapse   sonde export -f folded against perf script report
#              stackcollapse, perf's own folded output (its Python
#              script)
#   cold       report again, sonde with an empty build cache every time
#              (what the first report of a boot's recordings costs: the
#              kernel's symbol table and compressed DWARF are parsed and
#              inflated, then kept; docs/cli.md, "The archive")
#
# The other pairs run sonde with the cache those runs leave: its own,
# DIR/archive, filled by one untimed report per mode first.  perf keeps
# no parsed state between runs (the recordings add nothing to ~/.debug).
#
# Both tools resolve inline frames (sonde by default).  perf reads the
# kernel's symbols from the kernel the recording names when it finds it
# (/lib/modules/RELEASE/build/vmlinux, by build-id) and else from the
# guest's kallsyms (--kallsyms); sonde's recording carries its own.
# ROUNDS rounds, each running every pair A B, B A alternately.  Prints
# each recording's samples, then one line per run:
#
#   samples MODE TOOL N
#   postproc MODE PAIR TOOL ROUND CPU_US MAXRSS_KB
#
# CPU time is user + system of the command and its children
# (tests/bench/cputime: perf's addr2line children too).
#
# Usage: tests/bench/postproc.sh DIR [ROUNDS]
set -euo pipefail
dir=$1
rounds=${2:-5}
sonde=$PWD/user/sonde
cputime=$PWD/tests/build/bench-host/cputime

# run MODE PAIR TOOL ROUND: one command, one line
run() {
	local mode=$1 pair=$2 tool=$3 round=$4
	if [ "$tool" = sonde ]; then
		case $pair in
		report | cold) set -- "$sonde" report -g -i "$dir/$mode.data" ;;
		*) set -- "$sonde" export -f folded -i "$dir/$mode.data" ;;
		esac
		if [ "$pair" = cold ]; then
			rm -rf "$dir/cold"
			set -- env SONDE_ARCHIVE_DIR="$dir/cold" "$@"
		fi
	else
		case $pair in
		report | cold) set -- perf report --stdio --inline ;;
		script) set -- perf script --inline ;;
		collapse) set -- perf script report stackcollapse ;;
		esac
		set -- "$@" --kallsyms "$dir/kallsyms" -i "$dir/$mode.perf"
	fi
	"$cputime" -o /dev/null "$@" 2>/dev/null |
		awk -v m="$mode" -v p="$pair" -v t="$tool" -v r="$round" \
			'$4 != 0 { print "postproc: " t " " p " of " m " exited " $4 >"/dev/stderr"; exit 1 }
			{ printf "postproc %s %s %s %d %d %d\n", m, p, t, r, $1 + $2, $3 }'
}

export SONDE_ARCHIVE_DIR=$dir/archive
rm -rf "$SONDE_ARCHIVE_DIR"
for mode in fp dwarf; do
	"$sonde" report -g -i "$dir/$mode.data" >/dev/null 2>&1
	"$sonde" report -n 1 -i "$dir/$mode.data" 2>/dev/null |
		awk -v m=$mode '$2 == "samples:" { print "samples " m " sonde " $3 }'
	perf script -F period -i "$dir/$mode.perf" 2>/dev/null |
		awk -v m=$mode 'END { print "samples " m " perf " NR }'
done

for r in $(seq 1 "$rounds"); do
	for mode in fp dwarf; do
		for pair in report script collapse cold; do
			if [ $((r % 2)) = 1 ]; then
				run $mode $pair sonde "$r"
				run $mode $pair perf "$r"
			else
				run $mode $pair perf "$r"
				run $mode $pair sonde "$r"
			fi
		done
	done
done
