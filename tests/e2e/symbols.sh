#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end checks of symbolization in a guest: the field cases
# deleted_binary and plt_stub (../shared/cases/programs, built by
# tests/e2e/run into tests/build/cases).  Binaries deleted, replaced or
# rebuilt around a recording must still name their functions from the
# build-id archive, or be refused with a reason, never misnamed; samples
# in a PLT stub are named FUNC@plt.  Prints TAP lines without numbers.
#
# Usage: tests/e2e/symbols.sh OUTDIR
set -uo pipefail
out=$1/symbols
cases=tests/build/cases
mkdir -p "$out"

. "$(dirname "$0")/lib.sh"

if [ ! -d "$cases/deleted_binary" ]; then
	echo "ok - symbol field cases # SKIP $cases not built (no ../shared/cases)"
	exit 0
fi

# The archive of this run only: what it holds is what these runs kept.
export SONDE_ARCHIVE_DIR=$PWD/$out/archive
rm -rf "$SONDE_ARCHIVE_DIR"
# The binaries run from the guest's tmpfs, a local file system: on the
# 9p share a deleted file cannot be opened again, and reads of a file
# renamed over go to the new one.
run=$(mktemp -d /tmp/sonde-symbols.XXXXXX)
db=$cases/deleted_binary

# Samples of a folded file whose leaf is $2.
leaf_count() {
	awk -v f="$2" '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s)
		k = split(s, a, ";"); if (a[k] == f) t += n }
		END { print t + 0 }' "$1"
}
# Every sample of a folded file.
total() {
	awk '{ t += $NF } END { print t + 0 }' "$1"
}
# check that the work function $3 is named in folded file $2 (what: $1):
# 50 samples or more, and at most one in ten as many left unresolved in
# the binary ("NAME+0x..." frames).  Shares are not checked: on a loaded
# host start-up takes a larger part of a 1.2 s run.
named() {
	local n t u
	n=$(leaf_count "$2" "$3")
	t=$(total "$2")
	u=$(awk '/prog[a-z_0-9]*( \(deleted\))?\+0x[0-9a-f]+( |;)/ { t += $NF } END { print t + 0 }' "$2")
	echo "# $1: $n of $t samples in $3, $u in unresolved frames of the binary"
	check "$1: $3 named ($n of $t samples, $u unresolved)" \
		test "$n" -ge 50 -a $((10 * u)) -le "$n"
}

# 1. Unlinked while it ran: the recorder kept it through map_files.
cp "$db/prog" "$run/prog_unlink"
sonde record -g -q -o "$out/unlink.data" -- "$run/prog_unlink" unlink \
	2>"$out/unlink.err"
sonde export -i "$out/unlink.data" -o "$out/unlink.folded" 2>"$out/unlink.xerr"
named "binary deleted while it ran" "$out/unlink.folded" del_work

# 2. Another binary renamed over its path while it ran.
cp "$db/prog" "$run/prog_replace"
cp "$db/prog2" "$run/prog_new"
sonde record -g -q -o "$out/replace.data" -- "$run/prog_replace" replace \
	"$run/prog_new" 2>"$out/replace.err"
sonde export -i "$out/replace.data" -o "$out/replace.folded" 2>"$out/replace.xerr"
named "binary replaced by rename while it ran" "$out/replace.folded" del_work
check "replaced binary: renamed_work never named" \
	test "$(leaf_count "$out/replace.folded" renamed_work)" -eq 0

# 3. Rebuilt after the recording: a build-id tells; without --archive the
# frames stay unresolved with the reason, with --archive they resolve.
cp "$db/prog" "$run/prog_after"
sonde record -g -q -o "$out/after.data" -- "$run/prog_after" 2>/dev/null
sonde record -g -q --archive -o "$out/after-archive.data" -- \
	"$run/prog_after" 2>/dev/null
cp "$db/prog2" "$run/prog_after"
# Without the archive: only the build-id check stands between the new
# file and wrong names.
SONDE_ARCHIVE_DIR=$out/empty-archive \
	sonde export -i "$out/after.data" -o "$out/after.folded" 2>"$out/after.xerr"
check "rebuilt with a build-id: renamed_work never named" \
	test "$(leaf_count "$out/after.folded" renamed_work)" -eq 0
check "rebuilt with a build-id: the report says why" \
	grep -q "build-id differs" "$out/after.xerr"
sonde export -i "$out/after-archive.data" -o "$out/after-archive.folded" \
	2>/dev/null
named "rebuilt, recorded with --archive" "$out/after-archive.folded" del_work

# 4. Rebuilt without a build-id: its recorded identity tells.
cp "$db/prog_nobid" "$run/prog_after_nobid"
sonde record -g -q -o "$out/nobid.data" -- "$run/prog_after_nobid" 2>/dev/null
sonde export -i "$out/nobid.data" -o "$out/nobid-before.folded" 2>/dev/null
named "no build-id, unchanged" "$out/nobid-before.folded" del_work
cp "$db/prog2_nobid" "$run/prog_after_nobid"
sonde export -i "$out/nobid.data" -o "$out/nobid.folded" 2>"$out/nobid.xerr"
check "rebuilt without a build-id: renamed_work never named" \
	test "$(leaf_count "$out/nobid.folded" renamed_work)" -eq 0
check "rebuilt without a build-id: the report says why" \
	grep -q "changed since it was recorded" "$out/nobid.xerr"

# 5. PLT stubs: plt_stub/main calls lib_nop() in a loop.
(cd "$cases/plt_stub" && LD_LIBRARY_PATH=. sonde record -g -q \
	-o "$OLDPWD/$out/plt.data" -- ./main 2>/dev/null)
sonde export -i "$out/plt.data" -o "$out/plt.folded" 2>/dev/null
plt=$(leaf_count "$out/plt.folded" lib_nop@plt)
init=$(awk '/;_init(\+0x[0-9a-f]+)? [0-9]+$/ { t += $NF } END { print t + 0 }' \
	"$out/plt.folded")
echo "# plt_stub: $plt samples in lib_nop@plt, $init in _init"
# _init itself runs once at start-up: a sample may land there, but not
# a share of the loop's.
check "plt_stub: samples in the PLT stub named lib_nop@plt ($plt), few in _init ($init)" \
	test "$plt" -gt 0 -a $((20 * init)) -le "$plt"
rm -rf "$run"
