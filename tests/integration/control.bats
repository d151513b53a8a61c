#!/usr/bin/env bats
# kill, pause, resume, update and events against a container in each state:
# what succeeds and what fails with which exit status, as runc answers.

load helpers

setup_file()
{
	common_setup_file
	[[ $(id -u) -eq 0 ]] || skip "needs root for cgroups (pause)"
}

@test "kill: signal 0 probes a running (or paused) container; a stopped one fails" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	run calyx kill "$ID" 0
	expect_status 0
	run calyx kill --all "$ID" 0
	expect_status 0
	run calyx kill -a "$ID" 0
	expect_status 0
	# probing sends nothing: the container still runs
	[ "$(state_field "$ID" status)" = running ]
	calyx pause "$ID"
	run calyx kill "$ID" 0
	expect_status 0
	calyx resume "$ID"
	calyx kill "$ID" KILL
	wait_for_status "$ID" stopped
	run calyx kill "$ID" 0
	expect_status 1
	contains "not running"
	# not a name: SIG0 stays unknown (runc: `unknown signal "SIG0"`)
	run calyx kill "$ID" SIG0
	expect_status 1
}

@test "pause and resume: a second pause, a resume of a running or stopped container fail with 1" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	run calyx resume "$ID"
	expect_status 1
	contains "not paused"
	calyx pause "$ID"
	run calyx pause "$ID"
	expect_status 1
	contains "not running"
	[ "$(state_field "$ID" status)" = paused ]
	calyx resume "$ID"
	calyx kill "$ID" KILL
	wait_for_status "$ID" stopped
	run calyx pause "$ID"
	expect_status 1
	run calyx resume "$ID"
	expect_status 1
	run calyx update --memory 100000000 "$ID"
	expect_status 1
	contains "not running"
}

@test "events and kill of a stopped or unknown container fail with 1" {
	run_detached "$ID"
	wait_for_status "$ID" stopped
	run calyx events "$ID"
	expect_status 1
	contains "is not running"
	run calyx events --stats "$ID"
	expect_status 1
	run calyx kill "$ID" KILL
	expect_status 1
	contains "not running"
	# --all of a stopped container has nobody to signal: not an error
	run calyx kill --all "$ID" KILL
	expect_status 0
	calyx delete "$ID"
	run calyx kill "$ID" KILL
	expect_status 1
	contains "does not exist"
	run calyx events --stats "$ID"
	expect_status 1
}

# The runtime with a time limit: a frozen process must not hang the test.
calyx_bounded()
{
	timeout 30 "$CALYX" --root "$STATE_ROOT" "$@"
}

@test "a paused created container is paused: exec, start and delete refuse it; kill -9 and delete -f end it" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	calyx pause "$ID"
	[ "$(state_field "$ID" status)" = paused ]
	run calyx_bounded exec "$ID" /bin/true
	expect_status 255
	contains "paused"
	run calyx start "$ID"
	expect_status 1
	run calyx delete "$ID"
	expect_status 1
	contains "not stopped"
	calyx resume "$ID"
	[ "$(state_field "$ID" status)" = created ]
	calyx pause "$ID"
	# SIGKILL thaws it, or a v1-frozen init never dies
	run calyx_bounded kill "$ID" KILL
	expect_status 0
	wait_for_status "$ID" stopped
	calyx delete "$ID"

	create_ct "$ID"
	calyx pause "$ID"
	run calyx_bounded delete -f "$ID"
	expect_status 0
	assert_nothing_left "$ID"
}

@test "events: a zero --interval is refused, with --stats too" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	run calyx events --interval 0 "$ID"
	expect_status 1
	contains "greater than 0"
	run calyx events --stats --interval 0 "$ID"
	expect_status 1
	contains "greater than 0"
	run calyx events --stats --interval 1s "$ID"
	expect_status 0
}
