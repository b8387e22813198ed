#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion (packaging/bash-completion/sonde), as TAP: sourced
# in a non-interactive bash, _sonde is called with COMP_WORDS and
# COMP_CWORD set as readline would, and COMPREPLY is checked.  Its lists
# must be the tool's: the commands of `sonde --help`, every option
# `sonde CMD --help` prints (no more, no fewer), the formats export's
# error message names, the keys of report's --sort.
set -eu
cd "$(dirname "$0")/../.."
. tests/packaging/tap.sh
sonde=${SONDE:-user/sonde}
. packaging/bash-completion/sonde
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# complete WORD...: COMPREPLY for the command line WORD... (the last word
# is the one being completed), sorted, one per line.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_sonde
	printf '%s\n' "${COMPREPLY[@]}" | sort -u | sed '/^$/d'
}
# same WHAT EXPECTED ACTUAL: both lists the same (whitespace apart).
same() {
	local want got
	want=$(printf '%s\n' $2 | sort -u)
	got=$(printf '%s\n' $3 | sort -u)
	if [ "$want" = "$got" ]; then
		ok "$1"
	else
		not_ok "$1"
		diff <(echo "$want") <(echo "$got") | sed 's/^/# /'
	fi
}

cmds=$("$sonde" --help | sed -n 's/^   \([a-z]\{1,\}\) .*/\1/p')
same "commands are those of sonde --help" "$cmds --version --help" \
	"$(complete_words sonde '')"

for cmd in record report script export stat stacks test serve; do
	help=$("$sonde" "$cmd" --help)
	opts="$(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help")
		$(grep -oE '^ +-[A-Za-z]\b' <<<"$help")"
	same "$cmd: the options of sonde $cmd --help" "$opts" \
		"$(complete_words sonde "$cmd" -)"
done

formats=$("$sonde" export -f bogus 2>&1 | sed -n 's/.*(known: \(.*\))$/\1/p' |
	tr -d ,)
[ -n "$formats" ] || not_ok "export -f bogus names the known formats"
same "export -f: the formats export knows" "$formats" \
	"$(complete_words sonde export -f '')"
same "export --format=: the same formats" "$formats" \
	"$(complete_words sonde export --format = '')"
sorts=$("$sonde" report --help | grep -oE -- '--sort [a-z|]+' | head -n 1 |
	cut -d' ' -f2 | tr '|' ' ')
same "report --sort: the keys of its help" "$sorts" \
	"$(complete_words sonde report --sort '')"

checks=$("$sonde" test --list | sed -n 's/.* \[\([a-z_-]*\)\]$/\1/p')
[ -n "$checks" ] || not_ok "sonde test --list names its checks"
same "test: the checks of sonde test --list" "$checks" \
	"$(complete_words sonde test '')"
same "test unw: the unwinding checks" "unwind-fp unwind-dwarf" \
	"$(complete_words sonde test unw)"
same "sonde re: record report" "record report" "$(complete_words sonde re)"
same "export -f s: speedscope svg" "speedscope svg" \
	"$(complete_words sonde export -f s)"
same "record --call-graph d: dwarf" "dwarf" \
	"$(complete_words sonde record --call-graph d)"
same "help ex: export" "export" "$(complete_words sonde help ex)"
same "serve --source: sonde perf" "sonde perf" \
	"$(complete_words sonde serve --source '')"
same "record --source p: perf" "perf" \
	"$(complete_words sonde record --source p)"
same "serve --max-seconds: no completion for a number" "" \
	"$(complete_words sonde serve --max-seconds '')"
touch "$tmp/rec.data" "$tmp/rec.svg"
mkdir "$tmp/root"
same "export -i DIR/rec: file names" "$tmp/rec.data $tmp/rec.svg" \
	"$(complete_words sonde export -i "$tmp/rec")"
same "record -o DIR/rec.d: file names" "$tmp/rec.data" \
	"$(complete_words sonde record -o "$tmp/rec.d")"
same "serve --token-file DIR/rec.d: file names" "$tmp/rec.data" \
	"$(complete_words sonde serve --token-file "$tmp/rec.d")"
same "report --symfs DIR/: directories only" "$tmp/root" \
	"$(complete_words sonde report --symfs "$tmp/")"
same "stat -e cs,ta: the next event name" "cs,task-clock" \
	"$(complete_words sonde stat -e cs,ta)"
same "stat -e page: page-faults" "page-faults" \
	"$(complete_words sonde stat -e page)"
got=$(complete_words sonde stat -e cs -- bas)
grep -qx bash <<<"$got" && ok "stat -e cs -- bas: commands (bash)" ||
	not_ok "stat -e cs -- bas: no bash in '$got'"
same "stat -I: no completion for a number" "" \
	"$(complete_words sonde stat -I '')"
same "record -F: no completion for a number" "" \
	"$(complete_words sonde record -F '')"
got=$(complete_words sonde record -g -- bas)
grep -qx bash <<<"$got" && ok "record -g -- bas: commands (bash)" ||
	not_ok "record -g -- bas: no bash in '$got'"
same "record -F 99 cat DIR/rec.s: the command's files" "$tmp/rec.svg" \
	"$(complete_words sonde record -F 99 cat "$tmp/rec.s")"
done_testing
