#!/usr/bin/env bats
# Each error: one line on stderr, non-zero exit, and nothing left behind.

bats_require_minimum_version 1.5.0
load helpers

create_err()
{
	run --separate-stderr calyx create -b "$BUNDLE" "$@" "$ID" < /dev/null
}

@test "missing bundle" {
	BUNDLE=$BATS_TEST_TMPDIR/no-such-bundle
	create_err
	expect_error 'no-such-bundle'
	assert_nothing_left "$ID"
}

@test "missing config.json" {
	rm "$BUNDLE/config.json"
	create_err
	expect_error 'config\.json'
	assert_nothing_left "$ID"
}

@test "invalid JSON" {
	echo '{ "ociVersion": "1.3.0", nope' > "$BUNDLE/config.json"
	create_err
	expect_error 'config\.json'
	assert_nothing_left "$ID"
}

@test "process.args of the wrong type names the JSON path" {
	cfg '.process.args = "sh"'
	create_err
	expect_error 'config\.json: process\.args: '
	assert_nothing_left "$ID"
}

@test "process.user.uid of the wrong type names the JSON path" {
	cfg '.process.user.uid = "0"'
	create_err
	expect_error 'process\.user\.uid'
	assert_nothing_left "$ID"
}

@test "a mount destination of the wrong type names the JSON path" {
	cfg '.mounts[1].destination = 5'
	create_err
	expect_error 'mounts(\[1\]|\.1)\.destination'
	assert_nothing_left "$ID"
}

@test "an unknown namespace type" {
	cfg '.linux.namespaces += [{"type": "bogus"}]'
	create_err
	expect_error 'linux\.namespaces.*bogus|bogus.*linux\.namespaces'
	assert_nothing_left "$ID"
}

@test "a missing ociVersion" {
	calyx_only
	cfg 'del(.ociVersion)'
	create_err
	expect_error 'ociVersion'
	assert_nothing_left "$ID"
}

@test "a missing rootfs" {
	cfg '.root.path = "no-such-rootfs"'
	create_err
	expect_error 'no-such-rootfs'
	assert_nothing_left "$ID"
}

@test "a duplicate ID" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	create_err
	expect_error "$ID"
	[ "$(state_field "$ID" pid)" = "$pid" ]
	calyx delete -f "$ID"
	assert_nothing_left "$ID" "$pid"
}

@test "a bad ID" {
	run --separate-stderr calyx create -b "$BUNDLE" "a/b" < /dev/null
	expect_error 'a/b'
	[ -z "$(calyx list -q)" ]
}

@test "a failing hook" {
	cfg '.hooks.createRuntime = [{"path": "/bin/false"}]'
	create_err
	expect_error 'createRuntime|hook'
	assert_nothing_left "$ID"
}

@test "a missing executable" {
	set_args /bin/no-such-program
	create_err
	# runc reports this at create, crun at start: either is fine, but
	# once it fails nothing may stay behind
	if [[ $status -eq 0 ]]; then
		run --separate-stderr calyx start "$ID"
		[ "$status" -ne 0 ]
		calyx delete -f "$ID"
	else
		expect_error 'no-such-program'
	fi
	assert_nothing_left "$ID"
}

@test "an unknown subcommand and an unknown flag" {
	run --separate-stderr calyx frobnicate
	[ "$status" -ne 0 ]
	run --separate-stderr calyx create --no-such-flag -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left "$ID"
}

@test "state of a missing container" {
	run --separate-stderr calyx state nope
	expect_error 'nope'
}

@test "exit codes of errors equal runc's" {
	[ "$(runtime_name)" != runc ] || skip "runtime is runc"
	command -v runc >/dev/null || skip "runc not installed"
	runc_root=$BATS_TEST_TMPDIR/runc-state
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	for filter in '.process.args = "sh"' '.root.path = "nope"' \
		      '.linux.namespaces += [{"type": "bogus"}]' \
		      '.hooks.createRuntime = [{"path": "/bin/false"}]'; do
		jq "$filter" "$BATS_TEST_TMPDIR/good.json" > "$BUNDLE/config.json"
		cfg --arg p "/$ID-runc" '.linux.cgroupsPath = $p'
		run calyx create -b "$BUNDLE" "$ID" < /dev/null
		ours=$status
		run runc --root "$runc_root" create -b "$BUNDLE" "$ID" < /dev/null
		[ "$ours" -eq "$status" ] ||
			fail "$filter: calyx exited $ours, runc $status"
	done
	for cmd in state start "kill" delete; do
		run calyx $cmd nope
		ours=$status
		run runc --root "$runc_root" $cmd nope
		[ "$ours" -eq "$status" ] || fail "$cmd: calyx $ours, runc $status"
	done
}

@test "a hostname longer than the kernel takes names the field" {
	calyx_only
	cfg --arg h "$(printf 'h%.0s' {1..65})" '.hostname = $h'
	run --separate-stderr calyx run -b "$BUNDLE" "$ID"
	[[ $status -ne 0 && $stderr == *"config.json: hostname: longer than 64 characters"* ]] ||
		fail "$stderr"
	assert_nothing_left "$ID"
}

# The systemd driver's bad input that needs no systemd: checked before the
# bus is even opened, so these hold on any host (and in the systemd tier).
@test "systemd driver: a cgroupsPath not slice:prefix:name, a bad slice, a refused annotation, no D-Bus" {
	calyx_only
	cfg '.linux.cgroupsPath = "/calyx/x"'
	run --separate-stderr "$CALYX" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$ID"
	expect_error 'linux\.cgroupsPath: "/calyx/x": the systemd cgroup driver wants "slice:prefix:name"'
	assert_nothing_left "$ID"
	cfg '.linux.cgroupsPath = "a--b.slice:pfx:x"'
	run --separate-stderr "$CALYX" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$ID"
	expect_error 'linux\.cgroupsPath: "a--b\.slice:pfx:x": "a--b\.slice" is not a valid slice name'
	assert_nothing_left "$ID"
	# CVE-2024-3154: a property that runs a command on the host
	cfg '.linux.cgroupsPath = "" | .annotations["org.systemd.property.ExecStopPost"] = "[\"/bin/touch\", \"/tmp/x\"]"'
	run --separate-stderr "$CALYX" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$ID"
	expect_error 'annotations: org\.systemd\.property\.ExecStopPost: ExecStopPost is not a unit property'
	assert_nothing_left "$ID"
	cfg '.annotations = {"org.systemd.property.TasksMax": "5\nExecStart=/bin/sh"}'
	run --separate-stderr "$CALYX" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$ID"
	expect_error 'annotations: org\.systemd\.property\.TasksMax: .* is not a valid unsigned number or infinity'
	assert_nothing_left "$ID"
	cfg '.annotations = {}'
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus \
		run --separate-stderr "$CALYX" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$ID"
	expect_error 'systemd cgroup driver: connecting to the system D-Bus at /nonexistent/bus: No such file or directory'
	assert_nothing_left "$ID"
}
