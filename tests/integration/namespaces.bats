#!/usr/bin/env bats
# linux.namespaces: new ones, joined ones (path), user mappings, time offsets.

load helpers
bats_require_minimum_version 1.5.0

teardown()
{
	if [[ -d $BATS_TEST_TMPDIR/nsdir ]]; then
		for f in "$BATS_TEST_TMPDIR"/nsdir/*; do
			umount "$f" 2>/dev/null || true
		done
		umount "$BATS_TEST_TMPDIR/nsdir" 2>/dev/null || true
	fi
	common_teardown
}

# Creates a persistent namespace of kind $1 (unshare's option name) bound to
# $BATS_TEST_TMPDIR/nsdir/$1 and prints its path.
make_ns()
{
	local dir=$BATS_TEST_TMPDIR/nsdir
	if [[ ! -d $dir ]]; then
		mkdir -p "$dir"
		mount --bind "$dir" "$dir"
		mount --make-private "$dir"
	fi
	touch "$dir/$1"
	unshare "--$1=$dir/$1" true
	echo "$dir/$1"
}

@test "pid, network, ipc, uts and mount namespaces are new" {
	run_probe /bin/probe ns
	expect_status 0
	for ns in pid net ipc uts mnt; do
		v=$(value_of "$ns")
		[ -n "$v" ] && [ "$v" != none ]
		[ "$v" != "$(host_ns "$ns")" ] || fail "$ns namespace is the host's"
	done
}

@test "a namespace not listed is the host's" {
	cfg '.linux.namespaces |= map(select(.type != "network" and .type != "ipc"))'
	run_probe /bin/probe ns
	expect_status 0
	[ "$(value_of net)" = "$(host_ns net)" ]
	[ "$(value_of ipc)" = "$(host_ns ipc)" ]
	[ "$(value_of uts)" != "$(host_ns uts)" ]
}

@test "the process is pid 1 of a new pid namespace" {
	run_probe /bin/probe pid
	expect_status 0
	has_line pid=1
	has_line ppid=0
}

@test "cgroup namespace: new, and the process sees itself at the root" {
	requires_ns cgroup
	cfg '.linux.namespaces += [{"type": "cgroup"}]'
	run_probe /bin/probe ns
	expect_status 0
	[ "$(value_of cgroup)" != "$(host_ns cgroup)" ]
	run_probe /bin/probe cat /proc/self/cgroup
	expect_status 0
	while read -r l; do
		[[ $l == *:/ ]] || fail "cgroup path not at the namespace root: $l"
	done <<< "$output"
}

@test "path joins an existing network namespace" {
	ns=$(make_ns net)
	cfg --arg p "$ns" '.linux.namespaces |= map(if .type == "network"
		then .path = $p else . end)'
	run_probe /bin/probe ns
	expect_status 0
	[ "$(value_of net)" = "$(stat -L -c %i "$ns")" ]
}

@test "path joins an existing uts and ipc namespace" {
	uts=$(make_ns uts)
	ipc=$(make_ns ipc)
	cfg --arg u "$uts" --arg i "$ipc" '.linux.namespaces |= map(
		if .type == "uts" then .path = $u
		elif .type == "ipc" then .path = $i else . end)
		| del(.hostname)'
	run_probe /bin/probe ns
	expect_status 0
	[ "$(value_of uts)" = "$(stat -L -c %i "$uts")" ]
	[ "$(value_of ipc)" = "$(stat -L -c %i "$ipc")" ]
}

@test "a namespace path that does not exist fails create, nothing left" {
	cfg --arg p "$BATS_TEST_TMPDIR/no-such-ns" '.linux.namespaces |= map(
		if .type == "network" then .path = $p else . end)'
	run calyx run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left "$ID"
}

@test "user namespace with uid and gid mappings" {
	use_userns 100000 200000
	run_probe /bin/probe cat /proc/self/uid_map
	expect_status 0
	[[ $(echo $output) == "0 100000 65536" ]] || fail "uid_map: $output"
	run_probe /bin/probe cat /proc/self/gid_map
	expect_status 0
	[[ $(echo $output) == "0 200000 65536" ]] || fail "gid_map: $output"
	run_probe /bin/probe ids
	expect_status 0
	has_line uid=0
	run_probe /bin/probe ns
	[ "$(value_of user)" != "$(host_ns user)" ]
}

@test "user namespace: the process runs as the mapped host uid" {
	use_userns
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	[ "$(stat -c %u "/proc/$pid")" = 100000 ]
}

@test "user namespace: its IPC namespace (and /dev/mqueue) belongs to the container's root" {
	use_userns
	run_probe /bin/sh -c 'stat -c "mqueue=%u" /dev/mqueue; chmod 1770 /dev/mqueue && echo chmod-ok'
	expect_status 0
	has_line mqueue=0
	has_line chmod-ok
}

@test "joining a user namespace by path with a new pid namespace: pid 1, root of the joined namespace" {
	runc_deviates "runc 1.1 wants uidMappings even when joining a user namespace"
	requires_ns user
	open_path_to_bundle
	chown -R 100000:100000 "$BUNDLE/rootfs"
	# a container that holds the user namespace, as a pod's sandbox does
	local holder=$BATS_TEST_TMPDIR/holder hpid
	mkdir -p "$holder"
	chmod 755 "$holder"
	ln -s "$BUNDLE/rootfs" "$holder/rootfs"
	jq '.process.args = ["/bin/probe", "sleep", "100"]
		| .linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .mounts |= map(select(.destination != "/sys"))' \
		"$BUNDLE/config.json" > "$holder/config.json"
	calyx run -d -b "$holder" "$ID-holder"
	hpid=$(state_field "$ID-holder" pid)
	cfg --arg p "/proc/$hpid/ns/user" '.linux.namespaces += [{"type": "user", "path": $p}]
		| .mounts |= map(select(.destination != "/sys"))'
	run_probe /bin/sh -c 'echo "pid=$$"; /bin/probe ids; cat /proc/self/uid_map'
	expect_status 0
	has_line pid=1
	has_line uid=0
	[[ $output == *"0"*"100000"*"65536"* ]] || fail "$output"
	run_probe /bin/probe ns
	[[ $(value_of user) == "$(stat -L -c %i "/proc/$hpid/ns/user")" ]] || fail "not the holder's: $output"
	[[ $(value_of pid) != "$(stat -L -c %i "/proc/$hpid/ns/pid")" ]] || fail "shares the holder's pid ns"
	calyx delete -f "$ID-holder"
}

@test "time namespace offsets are visible inside" {
	requires_ns time
	cfg '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"monotonic": {"secs": 864000, "nanosecs": 0},
		                        "boottime": {"secs": 864000, "nanosecs": 0}}'
	run_probe /bin/probe cat /proc/self/timens_offsets
	expect_status 0
	contains "monotonic"
	[[ $output =~ monotonic[[:space:]]+864000[[:space:]]+0 ]] || fail "$output"
	[[ $output =~ boottime[[:space:]]+864000[[:space:]]+0 ]] || fail "$output"
	run_probe /bin/cat /proc/uptime
	expect_status 0
	up=${output%%.*}
	[ "$up" -ge 864000 ] || fail "uptime $up does not include the offset"
}

# The host's mount table (this shell's), for host_mounts_unchanged.
host_mounts()
{
	cat /proc/self/mountinfo
}

# Every host mount seen in $1 (a host_mounts snapshot) still exists unchanged
# (its propagation too) and nothing new is mounted below the bundle. Other
# sessions on the machine may mount meanwhile: mounts they add don't count.
host_mounts_unchanged()
{
	local before=$1 id line now
	while read -r line; do
		id=${line%% *}
		now=$(awk -v id="$id" '$1 == id' /proc/self/mountinfo)
		[[ -z $now || $now == "$line" ]] ||
			fail "host mount changed:"$'\n'"before: $line"$'\n'"after:  $now"
	done <<< "$before"
	! grep -qF "$BUNDLE" /proc/self/mountinfo ||
		fail "mounted on the host: $(grep -F "$BUNDLE" /proc/self/mountinfo)"
}

# A config without a mount namespace: nothing that would mount.
no_mount_ns()
{
	cfg '.linux.namespaces |= map(select(.type != "mount"))
	     | .mounts = [] | del(.linux.maskedPaths, .linux.readonlyPaths)'
}

@test "no mount namespace: chrooted in root.path, exec too, host mounts unchanged, nothing left" {
	runc_deviates "runc mounts the rootfs in the caller's namespace and changes its propagation"
	local before
	before=$(host_mounts)
	echo inside > "$BUNDLE/rootfs/marker"
	no_mount_ns
	set_args /bin/sh -c 'cat /marker; pwd; sleep 30'
	run_detached "$ID"
	expect_status 0
	run calyx exec "$ID" /bin/sh -c 'cat /marker; stat -c root=%d:%i /; pwd'
	expect_status 0
	has_line inside
	has_line "root=$(stat -c %d:%i "$BUNDLE/rootfs")"
	has_line /
	[[ $(ct_output "$ID") == $'inside\n/' ]] || fail "container: $(ct_output "$ID")"
	[[ $(stat -L -c %i "/proc/$(state_field "$ID" pid)/ns/mnt") == "$(host_ns mnt)" ]] ||
		fail "the container has a mount namespace of its own"
	calyx kill "$ID" KILL
	wait_for_status "$ID" stopped
	calyx delete "$ID"
	assert_nothing_left "$ID"
	host_mounts_unchanged "$before"
}

@test "no mount namespace: mounts, maskedPaths, readonlyPaths, root.readonly and devices are refused, host mounts unchanged" {
	runc_deviates "runc mounts mounts[] in the caller's namespace"
	local before
	before=$(host_mounts)
	cfg '.linux.namespaces |= map(select(.type != "mount"))'
	cp "$BUNDLE/config.json" "$BUNDLE/full.json"
	for filter in '.' '.mounts = []' \
		'.mounts = [] | del(.linux.maskedPaths)' \
		'.mounts = [] | del(.linux.maskedPaths, .linux.readonlyPaths) | .root.readonly = true' \
		'.mounts = [] | del(.linux.maskedPaths, .linux.readonlyPaths) | .linux.rootfsPropagation = "private"' \
		'.mounts = [] | del(.linux.maskedPaths, .linux.readonlyPaths)
		 | .linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'; do
		jq "$filter" "$BUNDLE/full.json" > "$BUNDLE/config.json"
		run --separate-stderr calyx run -b "$BUNDLE" "$ID"
		expect_error 'needs a mount namespace'
		assert_nothing_left "$ID"
	done
	[ ! -e "$BUNDLE/rootfs/dev/fuse" ]
	host_mounts_unchanged "$before"
}

@test "no mount namespace: maskedPaths is refused as runc does" {
	cfg '.linux.namespaces |= map(select(.type != "mount")) | .mounts = []'
	run calyx run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left "$ID"
}
