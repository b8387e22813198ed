#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One version everywhere (scripts/version), as TAP: `sonde --version`,
# `modinfo -F version` of the module built for each guest kernel (make
# module-for, as scripts/check builds it) and the DKMS tree's dkms.conf
# all say what scripts/version says.  Then scripts/version itself, in a
# scratch repository: the VERSION file without a tag, `git describe` at
# and past a vX.Y.Z tag, and a clear error for a bad VERSION file.
set -eu
cd "$(dirname "$0")/../.."
. tests/packaging/tap.sh
CACHE=${SONDE_CACHE:-/var/cache/sonde}
sonde=${SONDE:-user/sonde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

want=$(scripts/version)
got=$("$sonde" --version)
if [ "$got" = "sonde $want" ]; then
	ok "sonde --version says $want"
else
	not_ok "sonde --version says '$got', scripts/version '$want'"
fi

for series in 6.1 6.12; do
	what="modinfo -F version of the $series module"
	if [ ! -r "$CACHE/kernel-$series/kver" ]; then
		skip "$what" "no $series kernel in $CACHE (scripts/setup)"
		continue
	fi
	kver=$(cat "$CACHE/kernel-$series/kver")
	if ! make -s module-for KVER="$kver" >"$tmp/log" 2>&1; then
		not_ok "$what: make module-for KVER=$kver failed"
		diag "$tmp/log"
		continue
	fi
	got=$(modinfo -F version "build/$kver/kmod/sonde.ko")
	if [ "$got" = "$want" ]; then
		ok "$what says $want"
	else
		not_ok "$what says '$got', scripts/version '$want'"
	fi
done

if make -s dkms-source >"$tmp/log" 2>&1 &&
   grep -qx "PACKAGE_VERSION=\"$want\"" "build/dkms/sonde-$want/dkms.conf" &&
   [ "$(cat "build/dkms/sonde-$want/VERSION")" = "$want" ]; then
	ok "make dkms-source: sonde-$want/, its dkms.conf and VERSION say $want"
else
	not_ok "make dkms-source: sonde-$want/ does not say $want"
	diag "$tmp/log"
fi

# scripts/version on its own, in a scratch repository.
r=$tmp/repo
mkdir -p "$r/scripts"
cp scripts/version "$r/scripts/"
echo 7.7.7 >"$r/VERSION"
git_r() {
	git -C "$r" -c user.name=t -c user.email=t@t -c commit.gpgsign=false \
		-c tag.gpgsign=false "$@" >/dev/null 2>&1
}
got=$("$r/scripts/version")
[ "$got" = 7.7.7 ] && ok "no git: the VERSION file" ||
	not_ok "no git: '$got', not the VERSION file's 7.7.7"
git_r init -q
git_r add -A
git_r commit -q -m one
got=$("$r/scripts/version")
[ "$got" = 7.7.7 ] && ok "git without a tag: the VERSION file" ||
	not_ok "git without a tag: '$got', not 7.7.7"
git_r tag v8.0.0
got=$("$r/scripts/version")
[ "$got" = 8.0.0 ] && ok "at tag v8.0.0: 8.0.0" ||
	not_ok "at tag v8.0.0: '$got'"
git_r commit -q --allow-empty -m two
got=$("$r/scripts/version")
case $got in
8.0.0-1-g[0-9a-f]*) ok "one commit past v8.0.0: $got" ;;
*) not_ok "one commit past v8.0.0: '$got'" ;;
esac
v=$("$r/scripts/version")
got=$("$r/scripts/version" --c-header | grep SONDE_VERSION)
[ "$got" = "#define SONDE_VERSION \"$v\"" ] &&
	ok "--c-header defines SONDE_VERSION as $v" ||
	not_ok "--c-header: '$got'"
rm -rf "$r/.git"
echo 'x"; evil' >"$r/VERSION"
if "$r/scripts/version" >"$tmp/out" 2>"$tmp/err"; then
	not_ok "a bad VERSION file is accepted: $(cat "$tmp/out")"
elif [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q 'is not a version' "$tmp/err"; then
	ok "a bad VERSION file: exit status 1, one line"
else
	not_ok "a bad VERSION file: unclear error"
	diag "$tmp/err"
fi
done_testing
