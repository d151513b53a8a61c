#!/usr/bin/env bats
# exec: a new process in a running container, as engines call it.

load helpers

start_sleeper()
{
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
}

@test "exec: runs in the container's namespaces with its exit code" {
	start_sleeper
	pid=$(state_field "$ID" pid)
	run calyx exec "$ID" /bin/probe ns
	expect_status 0
	for ns in pid mnt uts ipc net; do
		want=$(stat -L -c %i "/proc/$pid/ns/$ns")
		has_line "$ns=$want"
	done
	run calyx exec "$ID" /bin/probe exit 42
	expect_status 42
	run calyx exec "$ID" sh -c 'kill -TERM $$'
	expect_status 143
}

@test "exec: flags after the command belong to the command" {
	start_sleeper
	run calyx exec "$ID" sh -c 'echo "a=$1"' sh -e
	expect_status 0
	has_line "a=-e"
}

@test "exec: --env, --cwd, --user, --additional-gids override the config" {
	start_sleeper
	run calyx exec -e FOO=bar --cwd /tmp -u 1000:1001 -g 7 "$ID" /bin/probe ids
	expect_status 0
	has_line "uid=1000"
	has_line "gid=1001"
	has_line "groups=7"
	run calyx exec -e FOO=bar --cwd /tmp "$ID" sh -c 'echo "$FOO $PWD"'
	has_line "bar /tmp"
}

@test "exec: --process FILE replaces the process; a bad one names the JSON path" {
	start_sleeper
	cat > "$BATS_TEST_TMPDIR/p.json" <<'JSON'
{"args": ["/bin/probe", "env", "X"], "env": ["X=from-file"], "cwd": "/"}
JSON
	run calyx exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
	expect_status 0
	has_line "X=from-file"
	echo '{"args": "nope", "cwd": "/"}' > "$BATS_TEST_TMPDIR/bad.json"
	run calyx exec --process "$BATS_TEST_TMPDIR/bad.json" "$ID"
	[[ $status -ne 0 ]]
	calyx_only
	contains "args"
	[[ ${#lines[@]} -eq 1 ]]
}

@test "exec: no fd of the runtime leaks; --preserve-fds passes exactly N more" {
	start_sleeper
	run calyx exec "$ID" /bin/probe fds 3</dev/null 4</dev/null
	expect_status 0
	[[ -z $output ]] || fail "leaked: $output"
	run calyx exec --preserve-fds 1 "$ID" /bin/probe fds 3</dev/null 4</dev/null
	expect_status 0
	has_line "fd3=/dev/null"
	no_line "fd4=/dev/null"
}

@test "exec: --detach and --pid-file" {
	start_sleeper
	calyx exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" /bin/probe sleep 100
	epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	[[ $epid -gt 0 ]]
	pid_alive "$epid"
	# it is in the container's pid namespace
	[[ $(stat -L -c %i /proc/$epid/ns/pid) == $(stat -L -c %i /proc/$(state_field "$ID" pid)/ns/pid) ]]
}

@test "exec: --cgroup puts the process in an existing sub-cgroup" {
	calyx_only
	start_sleeper
	cg=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$ID" | grep -m1 '/pids/' || true)
	[[ -n $cg ]] || skip "no pids hierarchy"
	mkdir "$cg/sub"
	calyx exec -d --cgroup pids:sub --pid-file "$BATS_TEST_TMPDIR/p" "$ID" /bin/probe sleep 100
	grep -qx "$(cat "$BATS_TEST_TMPDIR/p")" "$cg/sub/cgroup.procs"
	run calyx exec --cgroup ../escape "$ID" /bin/true
	[[ $status -ne 0 ]]
	contains "relative path"
}

@test "exec: errors for an unknown, a stopped and a paused container; nothing left" {
	run calyx exec nosuch /bin/true
	[[ $status -ne 0 ]]
	[[ ${#lines[@]} -eq 1 ]]
	set_args /bin/probe exit 0
	calyx run -d -b "$BUNDLE" "$ID"
	wait_for_status "$ID" stopped
	run calyx exec "$ID" /bin/true
	[[ $status -ne 0 ]]
	calyx_only
	contains "stopped"
	calyx delete "$ID"
	start_sleeper
	calyx pause "$ID"
	run calyx exec "$ID" /bin/true
	[[ $status -ne 0 ]]
	contains "paused"
	# (its stdio must not be bats' pipe: the process stays frozen)
	calyx exec --ignore-paused -d --pid-file "$BATS_TEST_TMPDIR/p" "$ID" \
		/bin/probe sleep 100 </dev/null >/dev/null 2>&1
	calyx resume "$ID"
	pid_alive "$(cat "$BATS_TEST_TMPDIR/p")"
}

@test "exec: a missing command is reported by exec itself" {
	start_sleeper
	run calyx exec "$ID" /no/such/cmd
	[[ $status -ne 0 ]]
	calyx_only
	contains "/no/such/cmd"
	[[ ${#lines[@]} -eq 1 ]] || fail "$output"
}

@test "exec: --user into a cwd only root can enter (runc enters it before the switch)" {
	start_sleeper
	run calyx exec -u 1000:1000 --cwd /root "$ID" /bin/probe cwd
	expect_status 0
	has_line cwd=/root
}

# ---- exit codes and cgroups of exec, as runc (issue 19) ----

@test "exec: a failed exec exits 255, the process's own status passes through" {
	start_sleeper
	run calyx exec "$ID" sh -c 'exit 7'
	expect_status 7
	# the command cannot start
	run calyx exec "$ID" /no/such/cmd
	expect_status 255
	run calyx exec --cwd /no/such/dir "$ID" /bin/true
	expect_status 255
	# the setup fails before any process exists
	run calyx exec "$ID"
	expect_status 255
	run calyx exec -u nobody-by-name "$ID" /bin/true
	expect_status 255
	run calyx exec --process "$BATS_TEST_TMPDIR/no-such.json" "$ID"
	expect_status 255
	run calyx exec nosuch /bin/true
	expect_status 255
	# bad flags and a missing ID are usage errors: 1, as for any command
	run calyx exec --preserve-fds x "$ID" /bin/true
	expect_status 1
	run calyx exec
	expect_status 1
	calyx kill "$ID" KILL
	wait_for_status "$ID" stopped
	run calyx exec "$ID" /bin/true
	expect_status 255
	contains "stopped"
}

@test "exec: a paused container refuses with 255; --ignore-paused waits for the resume" {
	start_sleeper
	calyx pause "$ID"
	run calyx exec "$ID" /bin/echo ok
	expect_status 255
	contains "cannot exec in a paused container"
	# a foreground exec runs once the container is thawed
	( sleep 1; calyx resume "$ID" ) </dev/null >/dev/null 2>&1 &
	resumer=$!
	run calyx exec --ignore-paused "$ID" /bin/echo ok
	wait "$resumer"
	expect_status 0
	[[ $output == ok ]] || fail "output: $output"
	[ "$(state_field "$ID" status)" = running ]
}

@test "exec: on v1/hybrid with a custom cgroupsPath the process joins every hierarchy" {
	grep -q ' - cgroup ' /proc/self/mountinfo ||
		skip "no cgroup v1 hierarchy (pure cgroup v2 host)"
	cfg --arg p "/$ID" '.linux.cgroupsPath = $p'
	set_args /bin/probe sleep 100
	calyx run -d --pid-file "$BATS_TEST_TMPDIR/pid" -b "$BUNDLE" "$ID"
	init_cg=$(cat "/proc/$(cat "$BATS_TEST_TMPDIR/pid")/cgroup")
	# every v1 hierarchy, name=systemd and the unified one (0::) of the init
	while IFS=: read -r _ ctrl path; do
		[[ $path == "/$ID" ]] || fail "init not in /$ID for '$ctrl': $init_cg"
	done <<< "$init_cg"
	run calyx exec "$ID" cat /proc/self/cgroup
	expect_status 0
	[[ $output == "$init_cg" ]] ||
		fail "exec'd process: $output"$'\n'"init: $init_cg"
	# a detached one too, seen from the host
	calyx exec -d --pid-file "$BATS_TEST_TMPDIR/epid" "$ID" /bin/probe sleep 100
	[[ $(cat "/proc/$(cat "$BATS_TEST_TMPDIR/epid")/cgroup") == "$init_cg" ]]
}

@test "exec: --cgroup as runc's: repeatable, controller lists, / for the container's own, no way out" {
	grep -q ' - cgroup .* rw,.*memory' /proc/self/mountinfo ||
		skip "needs a cgroup v1 memory hierarchy (pure cgroup v2 host)"
	cfg --arg p "/$ID" '.linux.cgroupsPath = $p'
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
	mkdir -p "/sys/fs/cgroup/memory/$ID/submem" "/sys/fs/cgroup/cpu/$ID/subcpu" \
		"/sys/fs/cgroup/cpuacct/$ID/subcpu"
	run calyx exec --cgroup memory:submem --cgroup cpu,cpuacct:subcpu "$ID" cat /proc/self/cgroup
	expect_status 0
	contains ":memory:/$ID/submem"
	[[ $output =~ :cpu[a-z,]*:/$ID/subcpu ]] || fail "$output"
	[[ $output =~ :pids:/$ID$'\n' ]] || fail "pids not the container's own: $output"
	# a leading slash is still below the container's cgroup; / is its own
	run calyx exec --cgroup memory:/submem "$ID" cat /proc/self/cgroup
	expect_status 0
	contains ":memory:/$ID/submem"
	run calyx exec --cgroup / "$ID" cat /proc/self/cgroup
	expect_status 0
	while IFS=: read -r _ ctrl path; do
		[[ $path == "/$ID" ]] || fail "$ctrl: $path"
	done <<< "$output"
	# the sub-cgroup must exist in each hierarchy it names
	run calyx exec --cgroup submem "$ID" /bin/true
	expect_status 255
	run calyx exec --cgroup .. "$ID" /bin/true
	expect_status 255
	run calyx exec --cgroup memory:sub/../.. "$ID" /bin/true
	expect_status 255
	run calyx exec --cgroup whaaat:/ "$ID" /bin/true
	expect_status 255
	contains "unknown controller"
	rmdir "/sys/fs/cgroup/memory/$ID/submem" "/sys/fs/cgroup/cpu/$ID/subcpu" \
		"/sys/fs/cgroup/cpuacct/$ID/subcpu" 2>/dev/null || true
}
