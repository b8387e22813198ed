#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# DKMS builds the module from `make dkms-source`'s tree, as TAP: dkms add
# and dkms build against each guest kernel's Debian headers, with DKMS's
# source and build trees in a temporary directory (nothing under /usr/src
# or /var/lib/dkms/sonde), and the module DKMS built says the version of
# scripts/version.  Not `dkms install`: its depmod would rewrite the
# host's /lib/modules/KVER.  DKMS signs what it builds with its MOK
# (/var/lib/dkms/mok.key, which it generates on first use, as it does on
# any machine); the signer is checked too.  Then the module DKMS built is
# loaded in the matching guest, where sonde test's module, version,
# access, ABI and timer checks must pass.  About a minute per kernel: run
# by `make check-dkms`, not `make check`.  Skipped without dkms.
set -eu
cd "$(dirname "$0")/../.."
. tests/packaging/tap.sh
CACHE=${SONDE_CACHE:-/var/cache/sonde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(scripts/version)

if ! command -v dkms >/dev/null; then
	skip "dkms build" "dkms is not installed (scripts/setup installs it)"
	done_testing
	exit
fi
if ! make -s dkms-source >"$tmp/log" 2>&1; then
	not_ok "make dkms-source failed"
	diag "$tmp/log"
	done_testing
	exit
fi
for series in 6.1 6.12; do
	what="dkms build of sonde/$version against the $series headers"
	if [ ! -r "$CACHE/kernel-$series/kver" ]; then
		skip "$what" "no $series kernel in $CACHE (scripts/setup)"
		continue
	fi
	kver=$(cat "$CACHE/kernel-$series/kver")
	t=$tmp/$series
	mkdir -p "$t/src" "$t/tree" "$t/inst"
	cp -r "build/dkms/sonde-$version" "$t/src/"
	trees="--sourcetree $t/src --dkmstree $t/tree --installtree $t/inst"
	# shellcheck disable=SC2086
	if ! dkms add -m sonde -v "$version" $trees >"$t/log" 2>&1 ||
	   ! dkms build -m sonde -v "$version" -k "$kver" \
		--kernelsourcedir "/usr/src/linux-headers-$kver" $trees \
		>>"$t/log" 2>&1; then
		not_ok "$what failed"
		tail -n 20 "$t/log" >"$t/tail"
		[ -f "$t/tree/sonde/$version/build/make.log" ] &&
			tail -n 20 "$t/tree/sonde/$version/build/make.log" >>"$t/tail"
		diag "$t/tail"
		continue
	fi
	ko=$(find "$t/tree/sonde/$version/$kver" -name 'sonde.ko*' | head -n 1)
	got=$(modinfo -F version "$ko" 2>/dev/null) || got=
	if [ -n "$ko" ] && [ "$got" = "$version" ]; then
		ok "$what: ${ko##*/} says $version"
	else
		not_ok "$what: module '$ko' says '$got'"
		continue
	fi
	signer=$(modinfo -F signer "$ko" 2>/dev/null) || signer=
	[ -n "$signer" ] && ok "DKMS signed it ($signer)" ||
		not_ok "the module DKMS built is not signed"
	# It loads in the matching guest and samples.  The guest sees the
	# current directory, not the host's /tmp: the module goes there.
	mkdir -p "build/dkms-ko/$series"
	cp "$ko" "build/dkms-ko/$series/"
	gko=$PWD/build/dkms-ko/$series/${ko##*/}
	if scripts/vm-run --kernel "$series" --no-module -- sh -c \
		"insmod '$gko' && sonde test module version access abi timer" \
		>"$t/vm" 2>&1; then
		ok "$series guest: the module DKMS built loads, and sonde test passes its checks"
	else
		not_ok "$series guest: the module DKMS built did not load or sample"
		diag "$t/vm"
	fi
done
done_testing
