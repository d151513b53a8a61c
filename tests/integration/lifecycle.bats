#!/usr/bin/env bats
# create/start/state/kill/delete/run/list: the lifecycle in runtime.md.

load helpers
bats_require_minimum_version 1.5.0

@test "create -> created with pid -> start -> running -> kill -> stopped -> delete" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = created ]
	pid=$(state_field "$ID" pid)
	[ "$pid" -gt 0 ]
	kill -0 "$pid"
	[ "$(state_field "$ID" id)" = "$ID" ]
	[ "$(state_field "$ID" bundle)" = "$BUNDLE" ]

	run calyx start "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	[ "$(state_field "$ID" pid)" = "$pid" ]

	run calyx kill "$ID" KILL
	expect_status 0
	wait_for_status "$ID" stopped

	run calyx delete "$ID"
	expect_status 0
	assert_nothing_left "$ID" "$pid"
}

@test "state has the fields state-schema.json requires" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	run calyx state "$ID"
	expect_status 0
	echo "$output" | jq -e '
		(.ociVersion | type == "string") and (.id | type == "string")
		and (.status == "created") and (.pid | type == "number")
		and (.bundle | type == "string")'
}

@test "run passes the exit code through" {
	run_probe /bin/probe exit 7
	expect_status 7
	run_probe /bin/probe exit 0
	expect_status 0
	assert_nothing_left "$ID"
}

@test "run exits 128+N when the container dies of signal N" {
	set_args /bin/probe sleep 100
	calyx run -b "$BUNDLE" "$ID" < /dev/null > "$BATS_TEST_TMPDIR/out" 2>&1 &
	bg=$!
	wait_for_status "$ID" running
	calyx kill "$ID" KILL
	rc=0
	wait "$bg" || rc=$?
	[ "$rc" -eq 137 ] || fail "run exited $rc, expected 137"
	assert_nothing_left "$ID"
}

@test "run -d returns at once and leaves the container running" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	calyx kill "$ID" KILL
	wait_for_status "$ID" stopped
	calyx delete "$ID"
	assert_nothing_left "$ID"
}

@test "run --keep keeps the stopped container" {
	run calyx run --keep -b "$BUNDLE" "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = stopped ]
	calyx delete "$ID"
	assert_nothing_left "$ID"
}

@test "--pid-file holds the container's pid" {
	set_args /bin/probe sleep 100
	create_ct "$ID" --pid-file "$BATS_TEST_TMPDIR/pidfile"
	expect_status 0
	[ "$(cat "$BATS_TEST_TMPDIR/pidfile")" = "$(state_field "$ID" pid)" ]
}

@test "list: table, json and quiet" {
	set_args /bin/probe sleep 100
	create_ct "$ID-a"
	expect_status 0
	create_ct "$ID-b"
	expect_status 0

	run calyx list -q
	expect_status 0
	has_line "$ID-a"
	has_line "$ID-b"
	[ "${#lines[@]}" -eq 2 ]

	run calyx list
	expect_status 0
	[[ ${lines[0]} == ID*PID*STATUS*BUNDLE*CREATED*OWNER* ]]
	[[ $output == *"$ID-a"*created* ]]

	run calyx list -f json
	expect_status 0
	echo "$output" | jq -e --arg a "$ID-a" '
		length == 2 and (map(select(.id == $a))[0]
		| .status == "created" and (.pid > 0) and .bundle != null)'

	run calyx list --format json
	expect_status 0
	echo "$output" | jq -e 'length == 2'
	# the owner is the state directory's, by name (runc: "root"), in
	# both forms; `state` keeps the OCI state's ""
	echo "$output" | jq -e 'all(.[]; .owner == "root")'
	run calyx list
	[[ ${lines[1]} =~ [[:space:]]root$ ]] || fail "${lines[1]}"
	[[ $(calyx state "$ID-a" | jq -r .owner) == "" ]]
}

@test "list of an empty root" {
	run calyx list -q
	expect_status 0
	[ -z "$output" ]
	run calyx list -f json
	expect_status 0
	[[ $(echo "$output" | jq -c .) == "[]" || $output == null ]]
}

@test "list of many containers in every status: each row says what state says, in ID order" {
	calyx_only	# edits calyx's state records
	local i id sleeper out json
	set_args /bin/probe sleep 100
	for i in 1 2 3 4 5 6 7 8; do
		create_ct "$ID-c$i"
		expect_status 0
	done
	for i in 1 2 3 4; do
		calyx start "$ID-c$i"
	done
	calyx pause "$ID-c2"		# running, paused
	calyx pause "$ID-c5"		# created, paused
	calyx kill "$ID-c3" KILL
	calyx kill "$ID-c4" KILL
	wait_for_status "$ID-c3" stopped
	wait_for_status "$ID-c4" stopped
	# c4's pid reused: its record now names a live process that is not
	# its init (another start time): stopped, not running
	sleep 100 < /dev/null > /dev/null 2>&1 &
	sleeper=$!
	jq -c --argjson p "$sleeper" '.pid = $p' "$STATE_ROOT/$ID-c4/state.json" > "$BATS_TEST_TMPDIR/c4"
	cp "$BATS_TEST_TMPDIR/c4" "$STATE_ROOT/$ID-c4/state.json"
	echo '{"id": garbage' > "$STATE_ROOT/$ID-c6/state.json"	# broken
	chown 65534 "$STATE_ROOT/$ID-c7"	# owners other than root's
	chown 4242 "$STATE_ROOT/$ID-c8"
	# not containers: a file and a link in the state root
	: > "$STATE_ROOT/$ID-file"
	ln -s "$ID-c1" "$STATE_ROOT/$ID-link"

	run calyx list -f json
	expect_status 0
	json=$output
	kill "$sleeper"
	[[ $(jq -r 'map(.id) | join(" ")' <<< "$json") == "$(printf "$ID-c%s " 1 2 3 4 5 6 7 8 | sed 's/ $//')" ]] ||
		fail "not every container, or not in ID order: $json"
	[[ $(jq -r 'map(.status) | join(" ")' <<< "$json") == "running paused stopped stopped paused broken created created" ]] ||
		fail "$json"
	# each row is what `state` says (broken has no state to say)
	for i in 1 2 3 5 7 8; do
		id=$ID-c$i
		out=$(calyx state "$id" | jq -c '{id, status, pid, bundle, created, annotations}')
		[[ $(jq -c --arg id "$id" '.[] | select(.id == $id) | {id, status, pid, bundle, created, annotations}' <<< "$json") == "$out" ]] ||
			fail "$id: list and state differ: $json vs $out"
	done
	[[ $(jq -r --arg id "$ID-c4" '.[] | select(.id == $id) | .pid' <<< "$json") == 0 ]] || fail "$json"
	[[ $(state_field "$ID-c4" status) == stopped ]]
	[[ $(jq -r 'map(.owner) | join(" ")' <<< "$json") == "root root root root root root nobody #4242" ]] ||
		fail "$json"

	run calyx list
	expect_status 0
	[[ ${#lines[@]} -eq 9 ]] || fail "$output"
	for i in 1 2 3 4 5 6 7 8; do
		[[ ${lines[i]} =~ ^"$ID-c$i"\ +[0-9]+\ +$(jq -r ".[$((i - 1))].status" <<< "$json")\  ]] ||
			fail "row $i: ${lines[i]}"
	done
	[[ ${lines[7]} =~ \ nobody$ && ${lines[8]} =~ \ \#4242$ ]] || fail "$output"
	run calyx list -q
	[[ $output == "$(printf "$ID-c%s\n" 1 2 3 4 5 6 7 8 | sed '$!b;s/\n$//')" ]] || fail "$output"
	rm "$STATE_ROOT/$ID-file" "$STATE_ROOT/$ID-link"
}

@test "a duplicate ID is refused and the first container is untouched" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	create_ct "$ID"
	[ "$status" -ne 0 ]
	[ "$(state_field "$ID" status)" = created ]
	[ "$(state_field "$ID" pid)" = "$pid" ]
	kill -0 "$pid"
}

@test "bad IDs are refused" {
	for bad in "../x" "a/b" "" ; do
		run calyx create -b "$BUNDLE" "$bad"
		[ "$status" -ne 0 ] || fail "ID '$bad' accepted"
	done
	[ ! -e "$STATE_ROOT/../x" ]
	[ -z "$(calyx list -q)" ]
}

@test "an ID starting with a dot is refused" {
	calyx_only
	run calyx create -b "$BUNDLE" .hidden
	[ "$status" -ne 0 ]
	[ -z "$(calyx list -q)" ]
}

@test "create stops before the user program; start runs it" {
	set_args /bin/probe write /side-effect
	create_ct "$ID"
	expect_status 0
	sleep 0.2
	[ ! -e "$BUNDLE/rootfs/side-effect" ]
	calyx start "$ID"
	wait_for_status "$ID" stopped
	[ -e "$BUNDLE/rootfs/side-effect" ]
	[[ $(ct_output "$ID") == *write=OK* ]]
}

@test "state after the process exits is stopped" {
	run_detached "$ID"
	expect_status 0
	wait_for_status "$ID" stopped
	run calyx delete "$ID"
	expect_status 0
	assert_nothing_left "$ID"
}

@test "delete of a running container fails, delete -f kills it" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	pid=$(state_field "$ID" pid)
	run calyx delete "$ID"
	[ "$status" -ne 0 ]
	kill -0 "$pid"
	run calyx delete -f "$ID"
	expect_status 0
	assert_nothing_left "$ID" "$pid"
}

@test "delete -f of a created container" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	pid=$(state_field "$ID" pid)
	run calyx delete -f "$ID"
	expect_status 0
	assert_nothing_left "$ID" "$pid"
}

@test "kill accepts SIGKILL, KILL and 9" {
	set_args /bin/probe sleep 100
	for sig in SIGKILL KILL 9; do
		run_detached "$ID-$sig"
		expect_status 0
		run calyx kill "$ID-$sig" "$sig"
		expect_status 0
		wait_for_status "$ID-$sig" stopped
		calyx delete "$ID-$sig"
	done
}

@test "kill with an unknown signal fails" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	run calyx kill "$ID" SIGNOPE
	[ "$status" -ne 0 ]
	[ "$(state_field "$ID" status)" = running ]
}

@test "kill of a stopped container fails" {
	run_detached "$ID"
	wait_for_status "$ID" stopped
	run calyx kill "$ID" KILL
	[ "$status" -ne 0 ]
}

@test "start of a running container fails" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	run calyx start "$ID"
	[ "$status" -ne 0 ]
}

@test "the container outlives calyx create" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	# no runtime process is left holding the container
	ppid=$(awk '{ print $4 }' "/proc/$pid/stat")
	[ "$(basename "$(readlink "/proc/$ppid/exe")")" != "$(runtime_name)" ] ||
		[ "$ppid" -eq 1 ]
	sleep 0.2
	kill -0 "$pid"
	[ "$(state_field "$ID" status)" = created ]
}

@test "state, kill, start and delete of a missing container exit 1" {
	for cmd in state start "kill" delete; do
		run calyx $cmd nonexistent
		expect_status 1
	done
}

@test "exit codes and state fields equal runc's" {
	[ "$(runtime_name)" != runc ] || skip "runtime is runc"
	command -v runc >/dev/null || skip "runc not installed"
	local runc=(runc --root "$BATS_TEST_TMPDIR/runc-state") path=/$ID-runc
	# runc with the same cgroup driver (its own cgroup path: two
	# containers of one ID are alive at once)
	if [[ ${CALYX_TEST_CGROUP_DRIVER:-} == systemd ]]; then
		runc+=(--systemd-cgroup)
		path=system.slice:runc:$ID
	fi
	set_args /bin/probe sleep 100
	create_ct "$ID"
	cfg --arg p "$path" '.linux.cgroupsPath = $p'
	"${runc[@]}" create -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1
	ours=$(calyx state "$ID" | jq -c 'keys_unsorted | sort')
	theirs=$("${runc[@]}" state "$ID" | jq -c 'keys_unsorted | sort')
	"${runc[@]}" delete -f "$ID"
	calyx delete -f "$ID"
	for k in ociVersion id pid status bundle; do
		echo "$ours" | jq -e --arg k "$k" 'index($k) != null'
		echo "$theirs" | jq -e --arg k "$k" 'index($k) != null'
	done
	run_probe /bin/probe exit 3
	ours=$status
	run "${runc[@]}" run -b "$BUNDLE" "$ID-r"
	[ "$ours" -eq "$status" ] || fail "calyx exit $ours, runc's $status: $output"
}

# Processes whose command line names $1 (a container's init before exec
# carries the runtime's argv, which ends with the ID).
procs_of()
{
	local p st out=
	for p in $(pgrep -f -- " $1\$"); do
		st=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null) || continue
		[[ $st != Z && $st != X ]] && out+="$p "
	done
	echo "$out"
}

@test "a create SIGKILLed half-way (from its createRuntime hook) leaves nothing after delete -f, and the ID is free" {
	runc_deviates "runc saves its state after the hooks: a killed create leaves cgroups delete -f does not find"
	# the hook's parent is the runtime: kill it while the cgroup and the
	# container process exist and nothing is ready
	cfg '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "kill -9 $PPID"]}]'
	set_args /bin/probe sleep 100
	create_ct "$ID"
	[[ $status -eq 137 ]] || fail "create was not killed: $status $output"
	# the container process dies with its runtime
	local i left
	for ((i = 0; i < 100; i++)); do
		left=$(procs_of "$ID")
		[[ -z $left ]] && break
		sleep 0.02
	done
	[[ -z $left ]] || fail "container process left: $left"
	run calyx delete -f "$ID"
	expect_status 0
	assert_nothing_left "$ID"
	cfg 'del(.hooks)'
	create_ct "$ID"
	expect_status 0
	calyx delete -f "$ID"
	assert_nothing_left "$ID"
}

@test "delete -f while a foreground run of the container waits: done at once, the run ends" {
	set_args /bin/probe sleep 100
	calyx run -b "$BUNDLE" "$ID" < /dev/null > "$BATS_TEST_TMPDIR/run.out" 2>&1 &
	local rpid=$! t0 t1
	wait_for_status "$ID" running
	t0=$(date +%s%N)
	run timeout 10 "$CALYX" --root "$STATE_ROOT" delete -f "$ID"
	t1=$(date +%s%N)
	expect_status 0
	(((t1 - t0) / 1000000 < 2000)) || fail "delete -f took $(((t1 - t0) / 1000000)) ms"
	timeout 10 tail --pid="$rpid" -f /dev/null || fail "the foreground run did not end"
	wait "$rpid" || true
	assert_nothing_left "$ID"
	# and the ID is free: the run did not remove a newer container
	set_args /bin/probe exit 0
	run calyx run -b "$BUNDLE" "$ID"
	expect_status 0
}

@test "a corrupt or missing state.json: one-line error, list says broken, delete -f removes process, cgroup and state" {
	calyx_only	# calyx's own state file
	local kind pid
	set_args /bin/probe sleep 100
	for kind in corrupt missing; do
		run_detached "$ID"
		expect_status 0
		pid=$(state_field "$ID" pid)
		if [[ $kind == corrupt ]]; then
			printf '{"id": "%s",\n "pid": \001\002 garbage' "$ID" > "$STATE_ROOT/$ID/state.json"
			run --separate-stderr calyx state "$ID"
			expect_status 1
			[[ $(wc -l <<< "$stderr") -eq 1 && $stderr == *"state.json is corrupt"*"delete --force"* ]] ||
				fail "$stderr"
			run --separate-stderr calyx delete "$ID"
			[[ $status -ne 0 && $stderr == *corrupt* ]] || fail "delete without -f: $status $stderr"
		else
			rm "$STATE_ROOT/$ID/state.json"
		fi
		run calyx list
		expect_status 0
		[[ $output =~ (^|$'\n')"$ID"\ +0\ +broken ]] || fail "$kind: $output"
		run calyx list --format json
		[[ $(jq -r --arg id "$ID" '.[] | select(.id == $id) | .status' <<< "$output") == broken ]] ||
			fail "$kind: $output"
		run calyx delete -f "$ID"
		expect_status 0
		assert_nothing_left "$ID" "$pid"
	done
}

@test "the next create of an ID whose create was SIGKILLed half-way works without a delete, and leaves nothing after it" {
	runc_deviates "runc refuses the ID of a killed create until its state is removed"
	cfg '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "kill -9 $PPID"]}]'
	set_args /bin/probe sleep 100
	create_ct "$ID"
	[[ $status -eq 137 ]] || fail "create was not killed: $status $output"
	cfg 'del(.hooks)'
	create_ct "$ID"
	expect_status 0
	[[ $(state_field "$ID" status) == created ]]
	calyx delete -f "$ID"
	assert_nothing_left "$ID"
	# a live container's ID stays refused
	create_ct "$ID"
	expect_status 0
	create_ct "$ID"
	[[ $status -ne 0 && $output == *"already exists"* ]] || fail "$status $output"
	[[ $(state_field "$ID" status) == created ]]
}
