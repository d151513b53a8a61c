#!/usr/bin/env bats
# Smoke tests of calyx on a pure cgroup v2 host; run-cgroup-v2.sh runs them
# inside the VM (on a hybrid host they skip).

load ../integration/helpers

setup()
{
	[[ -f /sys/fs/cgroup/cgroup.controllers && ! -d /sys/fs/cgroup/memory ]] ||
		skip "not a pure cgroup v2 host (run tests/vm/run-cgroup-v2.sh)"
	common_setup
	CG=/sys/fs/cgroup/calyx/$ID
}

@test "vm: memory and pids limits are written to /sys/fs/cgroup/calyx/<id>" {
	calyx_only	# the default cgroup path is the runtime's choice
	cfg '.linux.resources.memory = {"limit": 67108864}
	     | .linux.resources.pids = {"limit": 42}'
	set_args /bin/probe sleep 600
	run_detached "$ID"
	expect_status 0
	[[ -d $CG ]] || fail "no cgroup $CG"
	[[ $(< "$CG/memory.max") == 67108864 ]] ||
		fail "memory.max is $(< "$CG/memory.max")"
	[[ $(< "$CG/pids.max") == 42 ]] || fail "pids.max is $(< "$CG/pids.max")"
	pid=$(state_field "$ID" pid)
	grep -qx "$pid" "$CG/cgroup.procs" ||
		fail "pid $pid not in $CG/cgroup.procs: $(< "$CG/cgroup.procs")"

	calyx kill "$ID" KILL
	wait_for_status "$ID" stopped
	calyx delete "$ID"
	[[ ! -e $CG ]] || fail "delete left $CG"
	# the shared /calyx parent stays (removing it races with other creates):
	# nothing of the container is under it
	[[ -z $(find /sys/fs/cgroup/calyx -mindepth 1 -type d 2>/dev/null) ]] ||
		fail "delete left: $(find /sys/fs/cgroup/calyx -mindepth 1 -type d)"
	assert_nothing_left "$ID" "$pid"
}

@test "vm: in a cgroup namespace the container sees its own cgroup2 with its limits" {
	cfg '.linux.resources.pids = {"limit": 8}
	     | .linux.namespaces += [{"type": "cgroup"}]'
	add_mount /sys/fs/cgroup cgroup cgroup nosuid noexec nodev
	run_probe cat /sys/fs/cgroup/pids.max
	expect_status 0
	has_line 8
	run_probe cat /proc/self/cgroup
	expect_status 0
	has_line "0::/"
	# run removes the container when it exits, cgroup included
	[[ ! -e $CG ]] || fail "run left $CG"
}

@test "vm: bundle-less runs: limits in a cgroup v2 of their own, none without, devices shut either way" {
	calyx_only
	local rootfs=$BUNDLE/rootfs
	run calyx run --rootfs "$rootfs" --memory 64m --pids 32 -- \
		sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max'
	expect_status 0
	has_line 67108864
	has_line 32
	# no limits: no cgroup of its own
	local bg pid i
	"$CALYX" --root "$STATE_ROOT" run --rootfs "$rootfs" --name "$ID" -- \
		/bin/probe sleep 30 >/dev/null 2>&1 &
	bg=$!
	for ((i = 0; i < 100; i++)); do
		pid=$(state_field "$ID" pid 2>/dev/null) && [[ $pid -gt 0 ]] && break
		sleep 0.05
	done
	[[ ${pid:-0} -gt 0 ]] || fail "the sandbox never ran"
	[[ ! -e $CG ]] || fail "a cgroup without limits: $CG"
	! grep -q "^0::/calyx/" "/proc/$pid/cgroup" || fail "in $(< "/proc/$pid/cgroup")"
	calyx kill "$ID" KILL
	wait "$bg" || true
	# a disk's device node opens neither way (nodev, or the BPF device program)
	mknod "$rootfs/disk-node" b 8 0
	for flags in "" --cgroup; do
		# shellcheck disable=SC2086
		run calyx run --rootfs "$rootfs" $flags -- /bin/probe read /disk-node
		[[ $output == *read=EACCES* || $output == *read=EPERM* ]] ||
			fail "device node not refused with '$flags': $output"
	done
	[[ -z $(find /sys/fs/cgroup/calyx -mindepth 1 -type d 2>/dev/null) ]] ||
		fail "left: $(find /sys/fs/cgroup/calyx -mindepth 1 -type d)"
}
