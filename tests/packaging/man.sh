#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The man pages (docs/man/*.1), as TAP: each formats without a single
# warning (groff -man -ww), every command of `sonde --help` has its page
# sonde-CMD.1, and the pages cannot drift from the tool: every option
# `sonde CMD --help` prints is in sonde-CMD.1, and every option
# sonde-CMD.1 names is one that help prints (sonde.1: those of
# `sonde --help`).
set -eu
cd "$(dirname "$0")/../.."
. tests/packaging/tap.sh
sonde=${SONDE:-user/sonde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for page in docs/man/*.1; do
	what="groff -man -ww: $page has no warnings"
	if ! command -v groff >/dev/null; then
		skip "$what" "groff is not installed (groff-base)"
		continue
	fi
	if groff -man -ww -z "$page" >"$tmp/err" 2>&1 && [ ! -s "$tmp/err" ]; then
		ok "$what"
	else
		not_ok "$what"
		diag "$tmp/err"
	fi
done

# options TEXT: the options TEXT names, one per line: --long anywhere,
# short ones where a help line starts with them.
options() {
	{
		grep -oE -- '--[a-z][a-z0-9-]*' <<<"$1" || true
		grep -oE '^ +-[A-Za-z]\b' <<<"$1" | tr -d ' ' || true
	} | sort -u
}
# troff PAGE: PAGE's source with \- read as - and font changes dropped.
troff() {
	sed 's/\\-/-/g; s/\\f[BIRP]//g' "$1"
}
# page_options SRC: the options a page's source names: --long anywhere,
# short ones at the head of a line (".BR -i \", \" --input", ".B -g").
page_options() {
	{
		grep -oE -- '--[a-z][a-z0-9-]*' <<<"$1" || true
		grep -oE '^\.(B|BR|BI) -[A-Za-z]\b' <<<"$1" | cut -d' ' -f2 || true
	} | sort -u
}

cmds=$("$sonde" --help | sed -n 's/^   \([a-z]\{1,\}\) .*/\1/p' |
	grep -vx help)
for cmd in "" $cmds; do
	page=docs/man/sonde${cmd:+-$cmd}.1
	name="sonde${cmd:+ $cmd}"
	if [ ! -f "$page" ]; then
		not_ok "$name has a man page: $page is missing"
		continue
	fi
	# shellcheck disable=SC2086
	help=$(options "$("$sonde" $cmd --help)")
	src=$(troff "$page")
	# Every word of the page that looks like an option.
	words=$(grep -oE -- '-{1,2}[A-Za-z][A-Za-z0-9-]*' <<<"$src" | sort -u)
	missing=$(comm -23 <(echo "$help") <(echo "$words") | tr '\n' ' ')
	[ -z "$missing" ] && ok "$page names every option of $name --help" ||
		not_ok "$page lacks options of $name --help: $missing"
	[ -n "$cmd" ] || continue
	extra=$(comm -13 <(echo "$help") <(page_options "$src") | tr '\n' ' ')
	[ -z "$extra" ] && ok "$page names no option $name --help lacks" ||
		not_ok "$page names options $name --help lacks: $extra"
done
done_testing
