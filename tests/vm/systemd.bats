#!/usr/bin/env bats
# The systemd cgroup driver on a real systemd host (the systemd VM tier):
# the unit and its properties as systemd shows them, cgroupsPath forms,
# update, exec, annotations, and bad input refused with nothing left.
# Run by tests/vm/run-systemd.sh (CALYX_TEST_CGROUP_DRIVER=systemd).

load ../integration/helpers
bats_require_minimum_version 1.5.0

setup_file()
{
	common_setup_file
	[[ -d /run/systemd/system ]] || skip "not a systemd host"
	[[ ${CALYX_TEST_CGROUP_DRIVER:-} == systemd ]] || skip "needs CALYX_TEST_CGROUP_DRIVER=systemd"
}

# Sets linux.resources.KEY to the JSON value $2.
set_res()
{
	cfg --argjson v "$2" ".linux.resources.$1 = \$v"
}

# One property of unit $1 as systemctl shows it.
prop()
{
	systemctl show -P "$2" "$1"
}

# No unit $1 listed (not even failed), no cgroup named $1.
assert_no_unit()
{
	local left
	left=$(systemctl list-units --all --plain --no-legend "$1")
	[[ -z $left ]] || fail "unit left: $left"
	left=$(find /sys/fs/cgroup -name "$1")
	[[ -z $left ]] || fail "cgroup left: $left"
}

@test "default cgroupsPath: scope calyx-ID.scope in system.slice, delegated, gone after delete" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	unit=calyx-$ID.scope
	[[ $(prop "$unit" ActiveState) == active ]] || fail "$(systemctl status "$unit")"
	[[ $(prop "$unit" Slice) == system.slice ]]
	[[ $(prop "$unit" Delegate) == yes ]]
	pid=$(state_field "$ID" pid)
	[[ $(prop "$unit" ControlGroup) == "/system.slice/$unit" ]]
	grep -qx "0::/system.slice/$unit" "/proc/$pid/cgroup" || fail "$(cat "/proc/$pid/cgroup")"
	# exec joins the unit's cgroup
	run -0 calyx exec "$ID" cat /proc/self/cgroup
	[[ $output == "0::/system.slice/$unit" ]] || fail "exec in: $output"
	run -0 calyx delete -f "$ID"
	assert_no_unit "$unit"
	assert_nothing_left "$ID" "$pid"
}

@test "the container process never holds the runtime's D-Bus connection" {
	# created = its init waits before exec, holding whatever it inherited;
	# a bus socket there is root on the host for a CAP_SYS_PTRACE process
	# in the container (pidfd_getfd)
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	mine=$(for f in /proc/"$pid"/fd/*; do readlink "$f"; done |
		sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
	# ss -x: the bus's ends name its socket; their peers are the clients
	clients=$(ss -xa | awk '$5 == "/run/dbus/system_bus_socket" { print $8 }')
	[[ -n $clients ]] || fail "no D-Bus clients seen: the check would be vacuous"
	for ino in $mine; do
		! grep -qx "$ino" <<< "$clients" || fail "init holds a D-Bus socket (inode $ino)"
	done
	run -0 calyx delete -f "$ID"
	assert_no_unit "calyx-$ID.scope"
}

@test "slice:prefix:name makes prefix-name.scope; nested slices expand as systemd does" {
	cfg --arg p "calyx7t-a-b.slice:pfx:$ID" '.linux.cgroupsPath = $p'
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	unit=pfx-$ID.scope
	pid=$(state_field "$ID" pid)
	[[ $(prop "$unit" Slice) == calyx7t-a-b.slice ]]
	want=/calyx7t.slice/calyx7t-a.slice/calyx7t-a-b.slice/$unit
	grep -qx "0::$want" "/proc/$pid/cgroup" || fail "$(cat "/proc/$pid/cgroup")"
	run -0 calyx delete -f "$ID"
	assert_no_unit "$unit"
	# the slices systemd made for the scope are its to collect
	systemctl stop calyx7t-a-b.slice calyx7t-a.slice calyx7t.slice
}

@test "resources become unit properties and cgroup files; update changes both" {
	set_res memory '{"limit": 67108864, "reservation": 33554432, "swap": 134217728}'
	set_res cpu '{"shares": 2048, "quota": 50000, "period": 100000, "cpus": "0"}'
	set_res pids '{"limit": 99}'
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	unit=calyx-$ID.scope
	[[ $(prop "$unit" MemoryMax) == 67108864 ]]
	[[ $(prop "$unit" MemoryLow) == 33554432 ]]
	[[ $(prop "$unit" MemorySwapMax) == 67108864 ]]
	[[ $(prop "$unit" CPUQuotaPerSecUSec) == 500ms ]]
	[[ $(prop "$unit" CPUQuotaPeriodUSec) == 100ms ]]
	[[ $(prop "$unit" TasksMax) == 99 ]]
	[[ $(prop "$unit" AllowedCPUs) == 0 ]]
	[[ $(prop "$unit" CPUWeight) == 79 ]] || fail "CPUWeight $(prop "$unit" CPUWeight)"
	d=/sys/fs/cgroup/system.slice/$unit
	[[ $(cat "$d/memory.max") == 67108864 ]]
	[[ $(cat "$d/pids.max") == 99 ]]
	[[ $(cat "$d/cpu.max") == "50000 100000" ]]
	run -0 calyx update --memory 100663296 --pids-limit 50 "$ID"
	[[ $(prop "$unit" MemoryMax) == 100663296 ]]
	[[ $(prop "$unit" TasksMax) == 50 ]]
	[[ $(cat "$d/memory.max") == 100663296 ]]
	[[ $(cat "$d/pids.max") == 50 ]]
	run -0 calyx delete -f "$ID"
	assert_no_unit "$unit"
}

@test "org.systemd.property annotations set the unit's properties" {
	cfg '.annotations["org.systemd.property.TimeoutStopSec"] = "7s" |
	     .annotations["org.systemd.property.CollectMode"] = "'"'inactive-or-failed'"'" |
	     .annotations["org.systemd.property.TasksMax"] = "uint64 77"'
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	unit=calyx-$ID.scope
	[[ $(prop "$unit" TimeoutStopUSec) == 7s ]]
	[[ $(prop "$unit" CollectMode) == inactive-or-failed ]]
	[[ $(prop "$unit" TasksMax) == 77 ]]
	run -0 calyx delete -f "$ID"
	assert_no_unit "$unit"
}

@test "a container killed behind calyx's back leaves no failed unit after delete" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	kill -9 "$pid"
	wait_for_status "$ID" stopped
	run -0 calyx delete "$ID"
	assert_no_unit "calyx-$ID.scope"
	[[ -z $(systemctl list-units --failed --plain --no-legend) ]] ||
		fail "$(systemctl list-units --failed)"
}

@test "kill -9 of a paused container: the frozen process dies and its scope goes, kill succeeds" {
	# the v2 freezer lets SIGKILL through and systemd removes the emptied
	# scope's cgroup at once, maybe before kill's thaw (podman rm -f of
	# a paused container, whose unpause then found the cgroup gone)
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	run -0 calyx pause "$ID"
	for _ in 1 2 3 4 5; do
		run -0 --separate-stderr calyx kill "$ID" KILL
		[[ -z $stderr ]] || fail "kill: $stderr"
		wait_for_status "$ID" stopped
		run -0 calyx delete "$ID"
		assert_no_unit "calyx-$ID.scope"
		run_detached "$ID"
		expect_status 0
		run -0 calyx pause "$ID"
	done
	run -0 calyx delete -f "$ID"
	assert_no_unit "calyx-$ID.scope"
}

@test "bad input under systemd: one clear line each, nothing left" {
	calyx_only
	set_args /bin/probe sleep 100
	# not slice:prefix:name
	cfg '.linux.cgroupsPath = "/calyx/x"'
	run -1 --separate-stderr calyx run -d -b "$BUNDLE" "$ID"
	expect_error 'linux.cgroupsPath: "/calyx/x": the systemd cgroup driver wants "slice:prefix:name"'
	assert_nothing_left "$ID"
	# a property that could run a command on the host (CVE-2024-3154)
	cfg '.linux.cgroupsPath = "" | .annotations["org.systemd.property.ExecStopPost"] = "/bin/touch /tmp/pwned"'
	run -1 --separate-stderr calyx run -d -b "$BUNDLE" "$ID"
	expect_error 'annotations: org.systemd.property.ExecStopPost: ExecStopPost is not a unit property'
	assert_nothing_left "$ID"
	assert_no_unit "calyx-$ID.scope"
	# a slice that cannot be made (masked): systemd's error quoted
	cfg 'del(.annotations["org.systemd.property.ExecStopPost"])'
	cfg --arg p "calyx7tmasked.slice:pfx:$ID" '.linux.cgroupsPath = $p'
	systemctl mask --runtime calyx7tmasked.slice
	run -1 --separate-stderr calyx run -d -b "$BUNDLE" "$ID"
	systemctl unmask --runtime calyx7tmasked.slice
	expect_error 'StartTransientUnit: org.freedesktop.*calyx7tmasked.slice'
	assert_nothing_left "$ID"
	assert_no_unit "pfx-$ID.scope"
	# systemd refusing the unit: one with that name exists
	cfg --arg p "system.slice:calyx7tdup:$ID" '.linux.cgroupsPath = $p'
	run_detached "$ID-a"
	expect_status 0
	run -1 --separate-stderr calyx run -d -b "$BUNDLE" "$ID"
	expect_error 'StartTransientUnit: org.freedesktop.systemd1.UnitExists: Unit calyx7tdup-'"$ID"'.scope'
	calyx state "$ID-a" >/dev/null
	run -0 calyx delete -f "$ID-a"
	assert_nothing_left "$ID"
	assert_no_unit "calyx7tdup-$ID.scope"
	# no D-Bus
	cfg '.linux.cgroupsPath = ""'
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent run -1 --separate-stderr calyx run -d -b "$BUNDLE" "$ID"
	expect_error 'connecting to the system D-Bus at /nonexistent'
	assert_nothing_left "$ID"
}
