#!/usr/bin/env bats
# Rootless under the systemd cgroup driver (the systemd VM tier): calyx run
# by an ordinary user with --systemd-cgroup talks to that user's systemd
# (user@UID.service, on $XDG_RUNTIME_DIR/bus), whose delegated cgroup holds
# the container's scope; the controllers it was not given, and a missing
# bus or user manager, are one clear error each with nothing left.
# Run by tests/vm/run-systemd.sh (CALYX_TEST_CGROUP_DRIVER=systemd).

load ../integration/helpers
bats_require_minimum_version 1.5.0

SDU_USER=calyx-sdu	# has a user manager (started for this file)
SDU_NONE=calyx-sdnone	# has none

setup_file()
{
	common_setup_file
	[[ -d /run/systemd/system ]] || skip "not a systemd host"
	[[ ${CALYX_TEST_CGROUP_DRIVER:-} == systemd ]] || skip "needs CALYX_TEST_CGROUP_DRIVER=systemd"
	local u
	for u in "$SDU_USER" "$SDU_NONE"; do
		id "$u" >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin "$u"
	done
	SDU_UID=$(id -u "$SDU_USER")
	SDU_MGR=/sys/fs/cgroup/user.slice/user-$SDU_UID.slice/user@$SDU_UID.service
	export SDU_UID SDU_MGR
	# what lingering or a login would start (and its runtime dir, bus)
	systemctl start "user@$SDU_UID.service"
	# the user's copy of the rootfs, its state root, in dirs it owns
	SDU_DIR=$(mktemp -d /tmp/calyx-sdu.XXXXXX)
	export SDU_DIR
	chmod 755 "$SDU_DIR"
	cp -a "$WORK/rootfs" "$SDU_DIR/rootfs"
	mkdir "$SDU_DIR/state" "$SDU_DIR/state-none"
	chown -R "$SDU_USER:" "$SDU_DIR"
	chown "$SDU_NONE:" "$SDU_DIR/state-none"
}

teardown_file()
{
	local id
	if [[ -n ${SDU_DIR:-} ]]; then
		for id in $(as_user list -q 2>/dev/null); do
			echo "residue: container $id of $SDU_USER left" >> "${CALYX_TEST_RESIDUE:-/dev/stderr}"
			as_user delete -f "$id" >/dev/null 2>&1
		done
		rm -rf "$SDU_DIR"
	fi
	# the user's manager, runtime dir and slice: as before the file
	[[ -z ${SDU_UID:-} ]] || systemctl stop "user-$SDU_UID.slice"
	userdel "$SDU_USER" 2>/dev/null
	userdel "$SDU_NONE" 2>/dev/null
	common_teardown_file
}

setup()
{
	common_setup
	UNIT=calyx-$ID.scope
}

teardown()
{
	local id
	for id in $(as_user list -q 2>/dev/null); do
		as_user delete -f "$id" >/dev/null 2>&1
	done
	common_teardown
}

# calyx as $SDU_USER (as $SDU_NONE with AS=none), with the systemd driver
# and the user's bus found from XDG_RUNTIME_DIR (XRD overrides it), as a
# login session has it
as_user()
{
	local u=$SDU_USER root=$SDU_DIR/state
	[[ ${AS:-} != none ]] || u=$SDU_NONE root=$SDU_DIR/state-none
	(cd "$SDU_DIR" && runuser -u "$u" -- env -u DBUS_SESSION_BUS_ADDRESS \
		XDG_RUNTIME_DIR="${XRD-/run/user/$(id -u "$u")}" \
		"$CALYX" --root "$root" --systemd-cgroup "$@")
}

# `as_user run -d ...` with the container's stdio a file: bats' run would
# wait for the output pipe the container holds
user_run_d()
{
	status=0
	as_user run -d "$@" < /dev/null > "$BATS_TEST_TMPDIR/run.out" 2>&1 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/run.out")
	mapfile -t lines <<< "$output"
}

# systemctl on the user's manager
user_systemctl()
{
	runuser -u "$SDU_USER" -- env XDG_RUNTIME_DIR="/run/user/$SDU_UID" systemctl --user "$@"
}

# The user's bundle ($SDU_DIR/config.json from `spec --rootless`) running
# the given args, then the jq filter $JQ if set.
user_bundle()
{
	local argv
	argv=$(json_array "$@")
	rm -f "$SDU_DIR/config.json"
	as_user spec --rootless
	jq --argjson a "$argv" --arg tok "CALYX_TEST_MARK=$CALYX_TEST_RUN" \
		".process.terminal = false | .process.args = \$a | .process.env += [\$tok]
		 | ${JQ:-.}" "$SDU_DIR/config.json" > "$SDU_DIR/c.json"
	chown "$SDU_USER:" "$SDU_DIR/c.json"
	mv "$SDU_DIR/c.json" "$SDU_DIR/config.json"
}

# No unit $UNIT in the user's manager (not even failed), no cgroup of it,
# no state of container $1.
assert_user_nothing_left()
{
	local left
	left=$(user_systemctl list-units --all --plain --no-legend "$UNIT")
	[[ -z $left ]] || fail "unit left: $left"
	left=$(find /sys/fs/cgroup -name "$UNIT")
	[[ -z $left ]] || fail "cgroup left: $left"
	[[ -z $(as_user list -q) ]] || fail "state left: $(as_user list -q)"
	[[ -z $(find "$SDU_DIR/state" -mindepth 1 -maxdepth 1) ]] || fail "state dir left"
}

@test "rootless: the scope is the user's systemd's, in its user.slice, delegated, gone after delete" {
	# features says so
	run -0 "$CALYX" features
	[[ $(jq .linux.cgroup.systemdUser <<< "$output") == true ]]
	user_bundle /bin/probe sleep 100
	user_run_d "$ID"
	expect_status 0
	[[ $(user_systemctl show -P ActiveState "$UNIT") == active ]] ||
		fail "$(user_systemctl status "$UNIT" 2>&1)"
	[[ $(user_systemctl show -P Slice "$UNIT") == user.slice ]]
	[[ $(user_systemctl show -P Delegate "$UNIT") == yes ]]
	cg=${SDU_MGR#/sys/fs/cgroup}/user.slice/$UNIT
	[[ $(user_systemctl show -P ControlGroup "$UNIT") == "$cg" ]]
	# not the system's: it has no such unit
	[[ -z $(systemctl list-units --all --plain --no-legend "$UNIT") ]]
	pid=$(as_user state "$ID" | jq -r .pid)
	[[ $(as_user state "$ID" | jq -r .status) == running ]]
	grep -qx "0::$cg" "/proc/$pid/cgroup" || fail "$(cat "/proc/$pid/cgroup")"
	# delegated: the user owns the scope's cgroup and may make children
	[[ $(stat -c %u "/sys/fs/cgroup$cg") == "$SDU_UID" ]]
	[[ $(stat -c %u "/sys/fs/cgroup$cg/cgroup.subtree_control") == "$SDU_UID" ]]
	# exec joins it: the root of the container's cgroup namespace (a
	# process outside the scope would see a path up out of it)
	[[ $(readlink "/proc/$pid/ns/cgroup") != "$(readlink /proc/self/ns/cgroup)" ]]
	run as_user exec "$ID" cat /proc/self/cgroup
	expect_status 0
	[[ $output == "0::/" ]] || fail "exec in: $output"
	run -0 as_user ps "$ID"
	[[ $output == *"$pid"* ]] || fail "ps: $output"
	run -0 as_user delete -f "$ID"
	assert_user_nothing_left
	! pid_alive "$pid"
}

@test "rootless: memory and pids limits land in the user's scope; update changes them" {
	JQ='.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 33}}' \
		user_bundle /bin/probe sleep 100
	user_run_d "$ID"
	expect_status 0
	cg=/sys/fs/cgroup${SDU_MGR#/sys/fs/cgroup}/user.slice/$UNIT
	[[ $(user_systemctl show -P MemoryMax "$UNIT") == 67108864 ]]
	[[ $(user_systemctl show -P TasksMax "$UNIT") == 33 ]]
	[[ $(cat "$cg/memory.max") == 67108864 ]]
	[[ $(cat "$cg/pids.max") == 33 ]]
	run -0 as_user update --pids-limit 44 "$ID"
	[[ $(user_systemctl show -P TasksMax "$UNIT") == 44 ]]
	[[ $(cat "$cg/pids.max") == 44 ]]
	run -0 as_user delete -f "$ID"
	assert_user_nothing_left
}

@test "rootless: a limit whose controller the user's systemd lacks is refused naming the field, nothing left" {
	grep -qw io "$SDU_MGR/cgroup.controllers" &&
		skip "io is delegated to user@$SDU_UID.service here: $(cat "$SDU_MGR/cgroup.controllers")"
	JQ='.linux.resources = {"blockIO": {"weight": 500}}' user_bundle /bin/probe sleep 100
	user_run_d "$ID"
	[[ $status -ne 0 && ${#lines[@]} -eq 1 ]] || fail "status $status: $output"
	[[ $output == *"linux.resources.blockIO: the io cgroup controller is not delegated to the user's systemd (user@$SDU_UID.service has: "* ]] ||
		fail "$output"
	assert_user_nothing_left
}

@test "rootless: no user bus, or no user manager: one clear line, nothing left" {
	user_bundle /bin/probe sleep 100
	# neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR
	XRD= user_run_d "$ID"
	[[ $status -ne 0 && ${#lines[@]} -eq 1 ]] || fail "status $status: $output"
	[[ $output == *"no user D-Bus: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set"* ]] ||
		fail "$output"
	assert_user_nothing_left
	# a runtime dir without the bus
	XRD=$SDU_DIR user_run_d "$ID"
	[[ $status -ne 0 && ${#lines[@]} -eq 1 ]] || fail "status $status: $output"
	[[ $output == *"connecting to the user's D-Bus at $SDU_DIR/bus: "* ]] || fail "$output"
	assert_user_nothing_left
	# a user without a systemd of its own (no login, no lingering)
	AS=none user_run_d "$ID"
	[[ $status -ne 0 && ${#lines[@]} -eq 1 ]] || fail "status $status: $output"
	[[ $output == *"no systemd user manager"*"loginctl enable-linger"* ]] || fail "$output"
	[[ -z $(find "$SDU_DIR/state-none" -mindepth 1) ]] || fail "state left"
	assert_user_nothing_left
}
