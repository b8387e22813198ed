#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz corpus regression test, as TAP (scripts/check's prove runs it):
# builds the libFuzzer targets (make -C tests/fuzz) and runs each once
# over every input of its corpus/NAME/, the seeds and every reproducer of
# a bug the fuzzers found, with ASan and UBSan.  No fuzzing: the same
# inputs every run, in a few seconds.  Skips when clang or its libFuzzer
# runtime is missing.
set -uo pipefail
cd "$(dirname "$0")"

echo "TAP version 13"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }' \
	>"$probe/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined -o "$probe/probe" \
	"$probe/probe.c" >/dev/null 2>&1; then
	echo "1..0 # SKIP clang with libFuzzer not installed"
	exit 0
fi

targets=()
for d in corpus/*/; do
	targets+=("$(basename "$d")")
done
echo "1..$((${#targets[@]} + 1))"
n=1
if make -s -j"$(nproc)" >"$probe/build.log" 2>&1; then
	echo "ok $n - build the fuzz targets"
else
	echo "not ok $n - build the fuzz targets"
	sed 's/^/# /' "$probe/build.log" | tail -40
	for t in "${targets[@]}"; do
		n=$((n + 1))
		echo "not ok $n - replay $t # build failed"
	done
	exit 1
fi
for t in "${targets[@]}"; do
	n=$((n + 1))
	inputs=(corpus/"$t"/*)
	if timeout 120 "build/fuzz-$t" -rss_limit_mb=2048 "${inputs[@]}" \
		>"$probe/$t.log" 2>&1; then
		echo "ok $n - replay $t (${#inputs[@]} inputs)"
	else
		echo "not ok $n - replay $t"
		grep -v '^sonde: warning' "$probe/$t.log" | sed 's/^/# /' |
			tail -60
	fi
done
