#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rebuilds the generated seeds of corpus/elf and corpus/srcline from
# seed.c, the corpus/recording seeds with build/gen-recording and the
# corpus/jitdump seeds with build/gen-jitdump (make seeds runs this).
# The text seeds of corpus/perfmap and corpus/kallsyms are written by
# hand.  Run it only to change the seeds: the corpus is kept in the
# tree, and fuzzers add to it.
set -euo pipefail
cd "$(dirname "$0")"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

cc="${CC:-gcc} -Wl,-z,noseparate-code -Wl,-z,max-page-size=0x1000"
$cc -O2 -g -fPIE -pie -Wl,--build-id -o "$t/pie" seed.c
$cc -O2 -fno-pie -no-pie -o "$t/exec" seed.c
$cc -O2 -g -shared -fPIC -o "$t/lib.so" seed.c

# Symbols but no DWARF, and stripped (.dynsym only).
strip --strip-debug -o corpus/elf/pie-symtab "$t/pie"
strip -o corpus/elf/pie-stripped "$t/pie"
strip --strip-debug -o corpus/elf/exec-symtab "$t/exec"
strip --strip-debug -o corpus/elf/lib-symtab.so "$t/lib.so"

# MiniDebugInfo as Fedora builds it: the function symbols of .symtab in
# an xz-compressed ELF in .gnu_debugdata of the stripped file.
nm -D "$t/pie" --format=posix --defined-only | awk '{ print $1 }' |
	sort >"$t/dynsyms"
nm "$t/pie" --format=posix --defined-only |
	awk '$2 == "T" || $2 == "t" { print $1 }' | sort >"$t/funcsyms"
comm -13 "$t/dynsyms" "$t/funcsyms" >"$t/keep"
objcopy --only-keep-debug "$t/pie" "$t/debug"
objcopy -S --remove-section .gdb_index --remove-section .comment \
	--keep-symbols="$t/keep" "$t/debug" "$t/mini"
xz -f "$t/mini"
strip -o "$t/pie-mini" "$t/pie"
objcopy --add-section .gnu_debugdata="$t/mini.xz" "$t/pie-mini" \
	corpus/elf/pie-minidebuginfo

# DWARF: the unstripped builds.
cp "$t/pie" corpus/srcline/pie-dwarf
cp "$t/lib.so" corpus/srcline/lib-dwarf.so
$cc -O0 -gdwarf-4 -fPIE -pie -o corpus/srcline/pie-dwarf4 seed.c

if [ -x build/gen-recording ]; then
	build/gen-recording corpus/recording corpus/elf/lib-symtab.so
	chmod 644 corpus/recording/*.sonde
fi
if [ -x build/gen-jitdump ]; then
	build/gen-jitdump corpus/jitdump
fi
ls -l corpus/elf corpus/srcline corpus/jitdump
