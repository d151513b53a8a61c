#!/usr/bin/env bats
# Bugs engines found (podman, containerd, Docker), each pinned here without
# an engine so they fail fast and alone.

load helpers

@test "start of a process that exits at once succeeds every time" {
	set_args /bin/probe exit 7
	for i in 1 2 3 4 5 6 7 8; do
		calyx create -b "$BUNDLE" "$ID"
		calyx start "$ID"
		wait_for_status "$ID" stopped
		calyx delete "$ID"
	done
}

@test "a non-root container user can be started under umask 022" {
	cfg '.process.user = {"uid": 65534, "gid": 65534}'
	set_args /bin/probe ids
	(umask 022 && calyx create -b "$BUNDLE" "$ID")
	calyx start "$ID"
	wait_for_status "$ID" stopped
	calyx delete "$ID"
}

@test "SIGKILL reaches a paused container; delete then works" {
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
	calyx pause "$ID"
	calyx kill "$ID" KILL
	wait_for_status "$ID" stopped
	timeout 20 "$CALYX" --root "$STATE_ROOT" delete "$ID"
	assert_nothing_left "$ID"
}

@test "resources with zeros (as docker sends them) mean unset" {
	cfg '.linux.resources = {"memory": {"limit": 0, "reservation": 0},
		"cpu": {"shares": 0, "quota": 0, "period": 0},
		"blockIO": {"weight": 0}}'
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
	[[ $(state_field "$ID" status) == running ]]
	calyx delete -f "$ID"
}

@test "linux.devices fileMode with the file-type bits (as podman sends it)" {
	# 8612 = S_IFCHR | 0644
	cfg '.linux.devices = [{"path": "/dev/mynull2", "type": "c", "major": 1,
		"minor": 3, "fileMode": 8612}]'
	run_probe /bin/probe stat /dev/mynull2
	expect_status 0
	has_line "mode=0644"
}
