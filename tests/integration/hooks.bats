#!/usr/bin/env bats
# Hooks: when each kind runs, what it gets on stdin, timeouts and failures.

load helpers

setup()
{
	common_setup
	LOG=$BATS_TEST_TMPDIR/hooks.log
	# host-side hook: "<kind> <state json>" per call
	cat > "$BATS_TEST_TMPDIR/hook.sh" <<HOOK
#!/bin/sh
state=\$(cat | tr -d '\n')
echo "\$1 \$state" >> "$LOG"
HOOK
	chmod +x "$BATS_TEST_TMPDIR/hook.sh"
	# container-side hook (startContainer resolves in the container)
	cat > "$BUNDLE/rootfs/bin/hook.sh" <<'HOOK'
#!/bin/sh
state=$(cat | tr -d '\n')
echo "$1 $state" >> /hooks.log
HOOK
	chmod +x "$BUNDLE/rootfs/bin/hook.sh"
}

# hooks KIND [JSON-HOOK-OBJECT]: adds a hook of KIND (default: the logger)
add_hook()
{
	local kind=$1 obj=${2:-}
	[[ -n $obj ]] || obj=$(jq -cn --arg p "$BATS_TEST_TMPDIR/hook.sh" \
		--arg k "$kind" '{"path": $p, "args": ["hook.sh", $k]}')
	cfg --arg k "$kind" --argjson h "$obj" '.hooks[$k] += [$h]'
}

add_all_hooks()
{
	for k in prestart createRuntime createContainer poststart poststop; do
		add_hook "$k"
	done
	add_hook startContainer '{"path": "/bin/hook.sh",
		"args": ["hook.sh", "startContainer"]}'
}

# The state JSON logged by the hook of kind $1 (in log file $2).
hook_state()
{
	local log=${2:-$LOG}
	awk -v k="$1" '$1 == k { sub(/^[^ ]* /, ""); print; exit }' "$log"
}

logged_kinds()
{
	awk '{ print $1 }' "$LOG" 2>/dev/null | tr '\n' ' '
}

@test "create runs prestart, createRuntime, createContainer in order; start the rest" {
	runc_deviates "runc 1.1 runs poststart during create"
	add_all_hooks
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	[ "$(logged_kinds)" = "prestart createRuntime createContainer " ] ||
		fail "after create: $(logged_kinds)"
	[ ! -e "$BUNDLE/rootfs/hooks.log" ]

	calyx start "$ID"
	[ "$(logged_kinds)" = "prestart createRuntime createContainer poststart " ] ||
		fail "after start: $(logged_kinds)"
	[ "$(awk '{ print $1 }' "$BUNDLE/rootfs/hooks.log")" = startContainer ]

	calyx kill "$ID" KILL
	wait_for_status "$ID" stopped
	calyx delete "$ID"
	[ "$(logged_kinds)" = "prestart createRuntime createContainer poststart poststop " ] ||
		fail "after delete: $(logged_kinds)"
}

@test "hooks get the state on stdin with the right status and pid" {
	add_all_hooks
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	calyx start "$ID"
	calyx kill "$ID" KILL
	wait_for_status "$ID" stopped
	calyx delete "$ID"
	cat "$LOG" >&2
	for k in prestart createRuntime createContainer; do
		s=$(hook_state "$k")
		echo "$s" | jq -e --arg id "$ID" --arg b "$BUNDLE" \
			'.id == $id and .bundle == $b and (.ociVersion | type == "string")' ||
			fail "$k: $s"
		echo "$s" | jq -e '.status == "creating" or .status == "created"' ||
			fail "$k status: $s"
	done
	for k in prestart createRuntime poststart; do
		[ "$(hook_state "$k" | jq .pid)" = "$pid" ] ||
			fail "$k pid: $(hook_state "$k") want $pid"
	done
	if [[ $(runtime_name) != runc ]]; then
		# runc 1.1 runs poststart at create, with status "created"
		hook_state poststart | jq -e '.status == "running"'
	fi
	hook_state poststop | jq -e --arg id "$ID" '.status == "stopped" and .id == $id'
	s=$(hook_state startContainer "$BUNDLE/rootfs/hooks.log")
	echo "$s" | jq -e --arg id "$ID" '.id == $id and .status == "created"' ||
		fail "startContainer: $s"
}

@test "startContainer runs before the user program, poststart after it" {
	runc_deviates "runc 1.1 runs poststart during create"
	add_hook startContainer '{"path": "/bin/sh", "args": ["sh", "-c",
		"[ -e /side ] && echo yes > /start-saw || echo no > /start-saw"]}'
	add_hook poststart "$(jq -cn --arg r "$BUNDLE/rootfs" '{"path": "/bin/sh",
		"args": ["sh", "-c", "sleep 0.5; [ -e \($r)/side ] && echo yes > \($r)/post-saw || echo no > \($r)/post-saw"]}')"
	set_args /bin/sh -c 'touch /side; sleep 100'
	run_detached "$ID"
	expect_status 0
	[ "$(cat "$BUNDLE/rootfs/start-saw")" = no ]
	[ "$(cat "$BUNDLE/rootfs/post-saw")" = yes ]
}

@test "hook args and env are passed" {
	add_hook createRuntime "$(jq -cn --arg o "$BATS_TEST_TMPDIR/env.out" \
		'{"path": "/bin/sh", "args": ["sh", "-c", "echo \"$0 $1 $HOOKVAR\" > \($o)", "a0", "a1"],
		  "env": ["HOOKVAR=hv"]}')"
	run calyx run -b "$BUNDLE" "$ID"
	expect_status 0
	[ "$(cat "$BATS_TEST_TMPDIR/env.out")" = "a0 a1 hv" ]
}

@test "a hanging hook is killed at its timeout and create fails, nothing left" {
	add_hook createRuntime "$(jq -cn --arg p "$BATS_TEST_TMPDIR/hook.pid" \
		'{"path": "/bin/sh", "args": ["sh", "-c", "echo $$ > \($p); exec sleep 60"],
		  "timeout": 1}')"
	set_args /bin/probe sleep 100
	SECONDS=0
	create_ct "$ID"
	[ "$status" -ne 0 ]
	[ "$SECONDS" -lt 10 ] || fail "took ${SECONDS}s"
	assert_nothing_left "$ID"
	hook_pid=$(cat "$BATS_TEST_TMPDIR/hook.pid")
	! pid_alive "$hook_pid" || fail "hook $hook_pid still running"
}

@test "a failing prestart aborts create and cleans up" {
	add_hook prestart '{"path": "/bin/false"}'
	set_args /bin/probe write /side
	create_ct "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left "$ID"
	[ ! -e "$BUNDLE/rootfs/side" ]
}

@test "a failing createRuntime aborts create and cleans up" {
	add_hook createRuntime '{"path": "/bin/false"}'
	set_args /bin/probe write /side
	create_ct "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left "$ID"
	[ ! -e "$BUNDLE/rootfs/side" ]
}

@test "a failing createContainer aborts create and cleans up" {
	add_hook createContainer '{"path": "/bin/false"}'
	create_ct "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left "$ID"
}

@test "a missing hook binary fails create" {
	add_hook createRuntime "{\"path\": \"$BATS_TEST_TMPDIR/nope\"}"
	create_ct "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left "$ID"
}

@test "poststop runs at delete" {
	add_hook poststop
	run_detached "$ID"
	expect_status 0
	wait_for_status "$ID" stopped
	[ "$(logged_kinds)" = "" ]
	run calyx delete "$ID"
	expect_status 0
	[ "$(logged_kinds)" = "poststop " ] || fail "$(logged_kinds)"
	assert_nothing_left "$ID"
}

@test "a failing poststop only warns; the other poststop hooks still run" {
	runc_deviates "runc 1.1 stops at the first failing poststop hook"
	add_hook poststop '{"path": "/bin/false"}'
	add_hook poststop
	run_detached "$ID"
	wait_for_status "$ID" stopped
	run calyx delete "$ID"
	expect_status 0
	[ "$(logged_kinds)" = "poststop " ] || fail "$(logged_kinds)"
	assert_nothing_left "$ID"
}

@test "run with hooks: all of them, once each" {
	add_all_hooks
	run calyx run -b "$BUNDLE" "$ID"
	expect_status 0
	[ "$(logged_kinds)" = "prestart createRuntime createContainer poststart poststop " ] ||
		fail "$(logged_kinds)"
}
