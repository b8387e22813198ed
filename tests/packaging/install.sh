#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make install / uninstall and install-module / uninstall-module, as TAP,
# into temporary DESTDIRs: install writes exactly the expected files
# under PREFIX (/usr/local by default), the installed sonde runs and says
# its version, the installed header compiles as <sonde/sonde.h>, and
# uninstall leaves no file behind.  The module of the 6.12 guest kernel
# (make module-for, as scripts/check builds it) installs under
# lib/modules/KVER/updates/ and is removed again.
set -eu
cd "$(dirname "$0")/../.."
. tests/packaging/tap.sh
CACHE=${SONDE_CACHE:-/var/cache/sonde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(scripts/version)

# files DIR: every file and symlink under DIR, relative, sorted.
files() {
	(cd "$1" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort)
}
expected() {
	rel=${1#/}
	{
		echo "$rel/bin/sonde"
		echo "$rel/include/sonde/sonde.h"
		for m in docs/man/*.1; do
			echo "$rel/share/man/man1/${m##*/}"
		done
		echo "$rel/share/bash-completion/completions/sonde"
	} | LC_ALL=C sort
}

for prefix in "" /opt/sonde; do
	d=$tmp/dest${prefix:+-opt}
	p=${prefix:-/usr/local}
	args="DESTDIR=$d${prefix:+ PREFIX=$prefix}"
	# shellcheck disable=SC2086
	if ! make -s install $args >"$tmp/log" 2>&1; then
		not_ok "make install $args failed"
		diag "$tmp/log"
		continue
	fi
	expected "$p" >"$tmp/want"
	files "$d" >"$tmp/got"
	if cmp -s "$tmp/want" "$tmp/got"; then
		ok "make install $args: the $(wc -l <"$tmp/want") files, under $p"
	else
		not_ok "make install $args: other files than expected"
		diff "$tmp/want" "$tmp/got" >"$tmp/diff" || true
		diag "$tmp/diff"
	fi
	got=$("$d$p/bin/sonde" --version 2>&1) || true
	[ "$got" = "sonde $version" ] && ok "the installed sonde says $version" ||
		not_ok "the installed sonde says '$got', not sonde $version"
	perms=$(stat -c %a "$d$p/bin/sonde" "$d$p/include/sonde/sonde.h" |
		tr '\n' ' ')
	[ "$perms" = "755 644 " ] && ok "modes 755 (sonde), 644 (header)" ||
		not_ok "modes: $perms"
	if printf '#include <sonde/sonde.h>\nint main(void) { return SONDE_ABI_VERSION != 1; }\n' |
	   ${CC:-cc} -x c -I"$d$p/include" -o "$tmp/abi" - >"$tmp/log" 2>&1 &&
	   "$tmp/abi"; then
		ok "<sonde/sonde.h> compiles from the installed include directory"
	else
		not_ok "<sonde/sonde.h> does not compile from $p/include"
		diag "$tmp/log"
	fi
	# shellcheck disable=SC2086
	make -s uninstall $args >"$tmp/log" 2>&1 || true
	files "$d" >"$tmp/got"
	if [ ! -s "$tmp/got" ] && [ ! -e "$d$p/include/sonde" ]; then
		ok "make uninstall $args: no file left"
	else
		not_ok "make uninstall $args left files behind"
		diag "$tmp/got"
	fi
done

what="make install-module KVER= DESTDIR=: sonde.ko under updates/"
if [ ! -r "$CACHE/kernel-6.12/kver" ]; then
	skip "$what" "no 6.12 kernel in $CACHE (scripts/setup)"
else
	kver=$(cat "$CACHE/kernel-6.12/kver")
	d=$tmp/mod
	if make -s install-module KVER="$kver" DESTDIR="$d" >"$tmp/log" 2>&1; then
		ko=$(find "$d/lib/modules/$kver/updates" -name 'sonde.ko*')
		got=$(modinfo -F version "$ko" 2>/dev/null) || got=
		if [ -n "$ko" ] && [ "$got" = "$version" ] &&
		   [ "$(files "$d" | wc -l)" = 1 ]; then
			ok "$what, version $version"
		else
			not_ok "$what: '$ko', version '$got'"
			files "$d" >"$tmp/got"
			diag "$tmp/got"
		fi
	else
		not_ok "$what: it failed"
		diag "$tmp/log"
	fi
	make -s uninstall-module KVER="$kver" DESTDIR="$d" >"$tmp/log" 2>&1 || true
	files "$d" >"$tmp/got"
	[ ! -s "$tmp/got" ] && ok "make uninstall-module: no file left" ||
		{ not_ok "make uninstall-module left files"; diag "$tmp/got"; }
fi
done_testing
