#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Trinity (Debian's trinity package) aimed at /dev/sonde, in a guest with
# the module loaded, as TAP: its file descriptors come only from the
# device (-V /dev/sonde, every other fd provider off), and it calls only
# the syscalls that reach the module (ioctl, mmap, munmap, mremap,
# mprotect, madvise, read, write, poll, close, dup, fcntl) with random
# arguments, SONDE_TRINITY_OPS of them (default 20000) from two children,
# seeded by SONDE_TRINITY_SEED (printed, so that a failure replays).
# Checked: trinity ends by itself (no hang, bounded by a timeout), the
# device is still usable afterwards (sonde test's module checks), and
# the kernel log has no splat (scripts/vm-run fails the run on one).
# Runs as root (--dangerous): the device needs CAP_PERFMON.
# Usage: scripts/vm-run --kernel 6.12 -- tests/kernel/trinity.sh
set -uo pipefail
echo "1..2"
if ! command -v trinity >/dev/null; then
	echo "ok 1 # SKIP trinity not installed (apt-get install trinity)"
	echo "ok 2 # SKIP trinity not installed"
	exit 0
fi
seed=${SONDE_TRINITY_SEED:-$((RANDOM * 32768 + RANDOM))}
ops=${SONDE_TRINITY_OPS:-20000}
work=$(mktemp -d)
echo "# trinity: seed $seed, $ops syscalls"
calls=()
for c in ioctl mmap munmap mremap mprotect madvise read write poll close \
	dup fcntl; do
	calls+=(-c "$c")
done
(cd "$work" && timeout -k 10 900 trinity --dangerous -q -l off -C 2 \
	-N "$ops" -s "$seed" -V /dev/sonde \
	--disable-fds=sockets,pipes,perf,epoll,eventfd,pseudo,timerfd,testfile,memfd,drm \
	"${calls[@]}" >"$work/out" 2>&1)
rc=$?
sed -n '$p' "$work/out" | sed 's/^/# /'
if [ $rc -ne 124 ] && [ $rc -ne 137 ]; then
	echo "ok 1 - trinity ended by itself (exit $rc)"
else
	echo "not ok 1 - trinity ended by itself (timed out: exit $rc)"
	tail -n 20 "$work/out" | sed 's/^/# /'
fi
if sonde test module version access abi timer >"$work/after" 2>&1; then
	echo "ok 2 - the device works after trinity (sonde test)"
else
	echo "not ok 2 - the device works after trinity (sonde test)"
	sed 's/^/# /' "$work/after"
fi
rm -rf "$work"
