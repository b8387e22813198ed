#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Recordings for the post-processing benchmark (tests/bench/postproc.sh):
# run inside a guest with sonde.ko loaded (scripts/vm-run), one CPU.
# Each tool records the same workload, tests/workloads/deep with 30
# frames for SECONDS seconds, at 1 kHz (cpu-clock, period 1 ms), every
# CPU, in two call-chain modes:
#
#   fp      frame pointers: sonde --call-graph fp,0, perf -g
#   dwarf   8 KiB of user stack: --call-graph dwarf,8192 for both
#
# and writes OUTDIR/{fp,dwarf}.{data,perf}, plus OUTDIR/kallsyms, a copy
# of the guest's /proc/kallsyms for perf report and perf script on the
# host (perf.data keeps only the kernel's build-id; a sonde recording
# carries its own kallsyms).  perf writes nothing to ~/.debug
# (--no-buildid-cache), so the host's perf finds the binaries where they
# were recorded: the guest's root is the host's.
#
# Usage: tests/bench/postrec.sh OUTDIR [SECONDS]
set -euo pipefail
out=$1
secs=${2:-20}
wl=$PWD/tests/build/workloads/deep
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

cg_opts() {
	case "$1,$2" in
	sonde,fp) echo "--call-graph fp,0" ;;
	perf,fp) echo "-g" ;;
	*,dwarf) echo "--call-graph dwarf,8192" ;;
	esac
}

for mode in fp dwarf; do
	for tool in sonde perf; do
		g=$(cg_opts $tool $mode)
		if [ $tool = sonde ]; then
			f=$tmp/$mode.data
			# shellcheck disable=SC2086
			sonde record -q $g -c 1000000 -m 1024 -a -o "$f" \
				-- "$wl" 30 "$secs" >/dev/null
		else
			f=$tmp/$mode.perf
			# shellcheck disable=SC2086
			perf record -q $g -e cpu-clock -c 1000000 -m 1024 -a \
				--no-buildid-cache -o "$f" -- "$wl" 30 "$secs" >/dev/null
		fi
		cp "$f" "$out/"
	done
done
cp /proc/kallsyms "$out/kallsyms"
