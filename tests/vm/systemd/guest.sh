#!/bin/bash
# Runs in the systemd tier's guest as calyx-vm-test.service (systemd is pid
# 1; the host's root is at /host): runs the bats files named in JOB/env
# with the systemd cgroup driver and writes, into JOB:
#   booted   guest uptime when this service started
#   tap      bats' TAP output (written as it runs; the host follows it)
#   bats-rc  bats' exit status
#   residue  what the tests left behind (empty: nothing)
set -u
job=$1
cut -d' ' -f1 /proc/uptime > "$job/booted"
# shellcheck source=/dev/null
. "$job/env"
h=/host
CALYX=$h$CALYX PROBE=$h$PROBE
cd "$h$CALYX_VM_TOP" || exit 1
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TMPDIR=/tmp LANG=C.UTF-8
export CALYX PROBE CALYX_TEST_RUN
export CALYX_TEST_CGROUP_DRIVER=systemd
export CALYX_TEST_STATE=/run/calyx-tests/state
export CALYX_TEST_RESIDUE=/run/calyx-tests/residue
export BATS_TEST_TIMEOUT=${CALYX_VM_TEST_TIMEOUT:-180}
export CALYX_TEST_WORK=/run/calyx-tests/work
mkdir -p "$CALYX_TEST_STATE" "$CALYX_TEST_WORK"
: > "$CALYX_TEST_RESIDUE"
cp -a "$h$CALYX_VM_ROOTFS" "$CALYX_TEST_WORK/rootfs"

{
	echo "# guest: kernel $(uname -r), systemd $(systemctl --version | awk 'NR == 1 { print $2 }')," \
		"$(systemctl is-system-running 2>&1), at $(cut -d' ' -f1 /proc/uptime)s of uptime;" \
		"controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
} >> "$job/tap"
# units of these kinds that exist before the tests; any other after them
# is left over (scopes and slices of containers, a stuck service)
units()
{
	systemctl list-units --all --plain --no-legend --type=scope,slice,service 2>/dev/null |
		awk '{ print $1 }' | sort
}
units > /run/calyx-tests/units.before
# FILE@@REGEX: only FILE's tests matching REGEX, in a bats run of its own
files=() filtered=()
for f in "${CALYX_VM_BATS_FILES[@]}"; do
	if [[ $f == *@@* ]]; then
		filtered+=("$h$f")
	else
		files+=("$h$f")
	fi
done
if [[ -n ${CALYX_VM_CMD:-} ]]; then
	bash -c "$CALYX_VM_CMD" >> "$job/tap" 2>&1
	rc=$?
else
	rc=0
	if ((${#files[@]})); then
		bats --tap --timing "${files[@]}" >> "$job/tap" 2>&1 || rc=1
	fi
	for f in "${filtered[@]}"; do
		bats --tap --timing -f "${f#*@@}" "${f%%@@*}" >> "$job/tap" 2>&1 || rc=1
	done
fi
echo $rc > "$job/bats-rc"
echo "# guest: bats finished at $(cut -d' ' -f1 /proc/uptime)s of uptime" >> "$job/tap"

{
	cat "$CALYX_TEST_RESIDUE"
	units | comm -13 /run/calyx-tests/units.before - | sed 's/^/unit left: /'
	systemctl list-units --failed --plain --no-legend 2>/dev/null | sed 's/^/failed unit: /'
	find /sys/fs/cgroup -mindepth 1 -type d -name '*calyx*' \
		! -path '*/calyx-vm-test.service*' -printf 'cgroup left: %p\n' 2>/dev/null
	awk '$5 ~ /calyx/ || index($5, "/tmp/") == 1 { print "mount left: " $5 }' \
		/proc/self/mountinfo
	find "$CALYX_TEST_STATE" -mindepth 2 -maxdepth 2 \
		-printf 'state dir left: %p\n' 2>/dev/null
} > "$job/residue"
sync
# power off now (the results are on the uncached 9p share already):
# waiting for systemd's orderly shutdown costs TCG time for nothing
echo o > /proc/sysrq-trigger
