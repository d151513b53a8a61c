#!/bin/bash
# Runs inside the cgroup v2 VM, chrooted into the host's root (9p) by
# init.sh: runs the bats files named in JOB/env and writes, into JOB:
#   tap      bats' TAP output (written as it runs; the host follows it)
#   bats-rc  bats' exit status
#   residue  what the tests left behind in the guest (empty: nothing)
# /tmp, /run and /dev are guest-local here, so per-test bundles, state
# roots and mounts stay inside the VM.
set -u
job=$1
# shellcheck source=/dev/null
. "$job/env"

cd "$CALYX_VM_TOP" || exit 1
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TMPDIR=/tmp LANG=C.UTF-8
export CALYX PROBE CALYX_TEST_RUN
export CALYX_TEST_STATE=/run/calyx-tests/state
export CALYX_TEST_RESIDUE=/run/calyx-tests/residue
# fork/exec is ~50x slower than on the host: give each test room
export BATS_TEST_TIMEOUT=${CALYX_VM_TEST_TIMEOUT:-180}
export CALYX_TEST_WORK=/run/calyx-tests/work
mkdir -p "$CALYX_TEST_STATE" "$CALYX_TEST_WORK"
# CRIU (checkpoint.bats) wants the loopback up in the namespace it runs in
ip link set lo up 2>/dev/null
: > "$CALYX_TEST_RESIDUE"
# per-test bundles copy from tmpfs (from 9p that takes ~1 s each)
cp -a "$CALYX_VM_ROOTFS" "$CALYX_TEST_WORK/rootfs"

echo "# guest: kernel $(uname -r), at $(cut -d' ' -f1 /proc/uptime)s of uptime; controllers:" \
	"$(cat /sys/fs/cgroup/cgroup.subtree_control)" >> "$job/tap"
if [[ -n ${CALYX_VM_CMD:-} ]]; then
	bash -c "$CALYX_VM_CMD" >> "$job/tap" 2>&1
else
	bats --tap "${CALYX_VM_BATS_FILES[@]}" >> "$job/tap" 2>&1
fi
echo $? > "$job/bats-rc"
echo "# guest: bats finished at $(cut -d' ' -f1 /proc/uptime)s of uptime" >> "$job/tap"

# calyx keeps its shared /calyx parent; gone once empty, as tests/run does
rmdir /sys/fs/cgroup/calyx 2>/dev/null
{
	cat "$CALYX_TEST_RESIDUE"
	find /sys/fs/cgroup -mindepth 1 -type d -name '*calyx*' \
		-printf 'cgroup left: %p\n' 2>/dev/null
	# init.sh's own mounts: the job dir and, for a checkout under /tmp or
	# /run, the host directory it keeps visible
	keep=
	case "$job" in
	/tmp/?*|/run/?*) keep=${job#/*/}; keep=${job%%/"$keep"}/${keep%%/*} ;;
	esac
	awk -v job="$job" -v keep="$keep" '$5 != job && $5 != keep &&
		($5 ~ /calyx/ || index($5, "/tmp/") == 1) { print "mount left: " $5 }' \
		/proc/self/mountinfo
	find "$CALYX_TEST_STATE" -mindepth 2 -maxdepth 2 \
		-printf 'state dir left: %p\n' 2>/dev/null
} > "$job/residue"
sync
