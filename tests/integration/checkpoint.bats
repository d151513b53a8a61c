#!/usr/bin/env bats
# checkpoint / restore through CRIU (runc's commands, flag for flag).
#
# The tests that dump or restore need a CRIU that works on this kernel
# (`criu check`): Debian 12's CRIU 3.17 does not on 6.18 kernels (vdso), so
# on such hosts they skip with the reason and run in the VM tier instead
# (tests/vm/run-cgroup-v2.sh tests/integration/checkpoint.bats). The bad
# input tests need no working CRIU and run everywhere.

load helpers
bats_require_minimum_version 1.5.0

# A second state root: the "other host" of the migration test.
setup()
{
	common_setup
	IMG=$BATS_TEST_TMPDIR/img
	ROOT2=$BATS_TEST_TMPDIR/root2
	NETNS_LEFT=()
}

teardown()
{
	local id ns
	for ns in "${NETNS_LEFT[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	for id in $("$CALYX" --root "$ROOT2" list -q 2>/dev/null); do
		"$CALYX" --root "$ROOT2" delete -f "$id" >/dev/null 2>&1 || true
	done
	common_teardown
}

# Skips unless CRIU is installed and works on this kernel.
requires_criu()
{
	local out
	command -v criu >/dev/null || skip "criu not installed (apt-get install criu)"
	out=$(criu check 2>&1) ||
		skip "criu check fails on kernel $(uname -r): $(grep -m1 Error <<< "$out")"
	[[ $out == *"Looks good"* ]] ||
		skip "criu check fails on kernel $(uname -r): $(grep -m1 Error <<< "$out")"
}

# The container counts in a shell variable (memory CRIU must carry over)
# and writes the count to /count in the rootfs; /starts gets a line each
# time the script starts (a restore must not start it again). Its stdio is its own
# /dev/null: a file of the host's would be outside what CRIU can dump.
counting_bundle()
{
	cfg '.process.args = ["/bin/sh", "-c",
		"exec </dev/null >/dev/null 2>&1; echo started >> /starts; i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.2; done"]'
}

count_now()
{
	cat "${1:-$BUNDLE}/rootfs/count" 2>/dev/null || echo 0
}

# Waits until the count is above $1 (in bundle $2); prints it.
wait_count_above()
{
	local want=$1 dir=${2:-$BUNDLE} i c
	for ((i = 0; i < 300; i++)); do
		c=$(count_now "$dir")
		if [[ -n $c ]] && ((c > want)); then
			echo "$c"
			return 0
		fi
		sleep 0.1
	done
	fail "the count never went above $want (now $(count_now "$dir"))"
}

run_counting()
{
	counting_bundle
	run_detached "$ID"
	expect_status 0
	wait_count_above 4 >/dev/null
}

@test "checkpoint + restore: the counting loop goes on from where it was" {
	requires_criu
	run_counting
	pid=$(state_field "$ID" pid)

	run calyx checkpoint --image-path "$IMG" "$ID"
	expect_status 0
	# as runc: the dumped container is gone (its processes, its state)
	run calyx state "$ID"
	[ "$status" -ne 0 ]
	! pid_alive "$pid"
	[ -f "$IMG/inventory.img" ]
	c1=$(count_now)
	sleep 0.5
	[ "$(count_now)" = "$c1" ]

	run calyx restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	newpid=$(state_field "$ID" pid)
	pid_alive "$newpid"
	# the same shell goes on: the count grows from c1, no second start
	c2=$(wait_count_above "$c1")
	[ "$(grep -c started "$BUNDLE/rootfs/starts")" -eq 1 ] ||
		fail "the script started again: count $c2, at checkpoint $c1"

	# the restored container is an ordinary one: exec, kill, delete
	run calyx exec "$ID" /bin/cat /count
	expect_status 0
	[ "$output" -ge "$c2" ]
	run calyx kill "$ID" KILL
	expect_status 0
	wait_for_status "$ID" stopped
	run calyx delete "$ID"
	expect_status 0
	assert_nothing_left "$ID" "$newpid"
}

@test "checkpoint --leave-running: the container keeps counting; the images restore a copy" {
	requires_criu
	run_counting
	pid=$(state_field "$ID" pid)

	run calyx checkpoint --leave-running --image-path "$IMG" "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	[ "$(state_field "$ID" pid)" = "$pid" ]
	c1=$(count_now)
	wait_count_above "$c1" >/dev/null

	run calyx delete -f "$ID"
	expect_status 0
	run calyx restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	run calyx delete -f "$ID"
	expect_status 0
	assert_nothing_left "$ID"
}

@test "checkpoint --pre-dump, then a dump on its parent, restores" {
	requires_criu
	run_counting
	pid=$(state_field "$ID" pid)

	run calyx checkpoint --pre-dump --image-path "$IMG/pre" "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	[ "$(state_field "$ID" pid)" = "$pid" ]

	run calyx checkpoint --parent-path ../pre --image-path "$IMG/final" "$ID"
	expect_status 0
	run calyx state "$ID"
	[ "$status" -ne 0 ]
	c1=$(count_now)

	run calyx restore -d -b "$BUNDLE" --image-path "$IMG/final" "$ID"
	expect_status 0
	c2=$(wait_count_above "$c1")
	[ "$(grep -c started "$BUNDLE/rootfs/starts")" -eq 1 ] ||
		fail "the script started again: count $c2, at checkpoint $c1"
	run calyx delete -f "$ID"
	expect_status 0
	assert_nothing_left "$ID"
}

@test "migration: restored under another --root and bundle path, the service answers with its state" {
	requires_criu
	# a tmpfs with the state, an HTTP server on it (a listening socket),
	# and a tree of processes: sh -> httpd, sleep
	cfg '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
			  "options": ["nosuid", "nodev", "mode=755"]}]
	     | .process.capabilities.bounding += ["CAP_NET_ADMIN"]
	     | .process.capabilities.effective += ["CAP_NET_ADMIN"]
	     | .process.capabilities.permitted += ["CAP_NET_ADMIN"]
	     | .process.args = ["/bin/sh", "-c",
		"exec </dev/null >/dev/null 2>&1; /bin/busybox ip link set lo up; mkdir -p /data/www; /bin/busybox httpd -f -p 127.0.0.1:8080 -h /data/www & /bin/sleep 1000 & wait"]'
	run_detached "$ID"
	expect_status 0
	token=state-$RANDOM-$RANDOM
	for ((i = 0; i < 100; i++)); do
		calyx exec "$ID" /bin/sh -c "[ -d /data/www ] && echo $token > /data/www/state" && break
		sleep 0.1
	done
	answer=
	for ((i = 0; i < 100; i++)); do
		answer=$(calyx exec "$ID" /bin/busybox wget -qO- http://127.0.0.1:8080/state 2>/dev/null) && break
		sleep 0.1
	done
	[ "$answer" = "$token" ] || fail "the service did not answer before the move: '$answer'"
	run calyx ps "$ID"
	expect_status 0
	nprocs=${#lines[@]}

	run calyx checkpoint --image-path "$IMG" "$ID"
	expect_status 0

	# "another host": images and bundle copied elsewhere, another state root
	B2=$BATS_TEST_TMPDIR/elsewhere/bundle
	mkdir -p "$B2"
	cp -a "$BUNDLE/." "$B2/"
	cp -a "$IMG" "$BATS_TEST_TMPDIR/elsewhere/img"
	rm -rf "$IMG"
	run "$CALYX" --root "$ROOT2" restore -d -b "$B2" --image-path "$BATS_TEST_TMPDIR/elsewhere/img" "$ID"
	expect_status 0
	run "$CALYX" --root "$ROOT2" state "$ID"
	expect_status 0
	[ "$(jq -r .bundle <<< "$output")" = "$B2" ]
	[ "$(jq -r .status <<< "$output")" = running ]
	runc_deviates "runc 1.1.5's restored container has no route to its loopback (wget: Network is unreachable; seen in the VM tier)"
	run "$CALYX" --root "$ROOT2" exec "$ID" /bin/busybox wget -qO- http://127.0.0.1:8080/state
	expect_status 0
	[ "$output" = "$token" ] || fail "after the move the service answered '$output'"
	run "$CALYX" --root "$ROOT2" ps "$ID"
	expect_status 0
	[ "${#lines[@]}" -eq "$nprocs" ] || fail "processes before: $nprocs lines, after: ${#lines[@]}"
	run "$CALYX" --root "$ROOT2" delete -f "$ID"
	expect_status 0
	[ -z "$(find /sys/fs/cgroup -maxdepth 5 -name "$ID" 2>/dev/null)" ]
}

@test "checkpoint --tcp-established: a client in another netns keeps talking to the restored server" {
	requires_criu
	command -v ip >/dev/null || skip "ip (iproute2) not installed"
	local srv=$ID-s cli=$ID-c va=ck${BATS_TEST_NUMBER}a vb=ck${BATS_TEST_NUMBER}b
	NETNS_LEFT=("$srv" "$cli")
	ip netns add "$srv" && ip netns add "$cli" || skip "cannot make network namespaces"
	ip link add "$va" type veth peer name "$vb" || skip "no veth support"
	ip link set "$va" netns "$srv"
	ip link set "$vb" netns "$cli"
	ip -n "$srv" addr add 10.210.7.1/24 dev "$va"
	ip -n "$cli" addr add 10.210.7.2/24 dev "$vb"
	ip -n "$srv" link set "$va" up
	ip -n "$cli" link set "$vb" up
	ip -n "$srv" link set lo up
	# the container joins the server's namespace by path (external to CRIU)
	cfg --arg p "/run/netns/$srv" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)
	     | .process.args = ["/bin/sh", "-c",
		"exec </dev/null >/dev/null 2>&1; /bin/busybox nc -l -p 9000 -e /bin/cat"]'
	run_detached "$ID"
	expect_status 0

	mkfifo "$BATS_TEST_TMPDIR/in"
	exec {to_client}<>"$BATS_TEST_TMPDIR/in"
	: > "$BATS_TEST_TMPDIR/out"
	for ((i = 0; i < 100; i++)); do
		ip netns exec "$cli" /bin/busybox nc 10.210.7.1 9000 \
			< "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" 2>/dev/null &
		client=$!
		sleep 0.3
		kill -0 "$client" 2>/dev/null && break
	done
	echo one >&"$to_client"
	for ((i = 0; i < 100; i++)); do
		grep -q one "$BATS_TEST_TMPDIR/out" && break
		sleep 0.1
	done
	grep -q one "$BATS_TEST_TMPDIR/out" || fail "no echo before the checkpoint"

	run calyx checkpoint --tcp-established --image-path "$IMG" "$ID"
	expect_status 0
	run calyx restore -d --tcp-established -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]

	echo two >&"$to_client"
	for ((i = 0; i < 100; i++)); do
		grep -q two "$BATS_TEST_TMPDIR/out" && break
		sleep 0.1
	done
	kill "$client" 2>/dev/null || true
	exec {to_client}>&-
	grep -q two "$BATS_TEST_TMPDIR/out" ||
		fail "the connection did not survive: $(cat "$BATS_TEST_TMPDIR/out")"
}

# --- bad input: a clear error each, nothing left, nothing broken -----------

@test "checkpoint of a created container fails and leaves it created" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	run --separate-stderr calyx checkpoint --image-path "$IMG" "$ID"
	expect_error "cannot be checkpointed in created state"
	[ "$(state_field "$ID" status)" = created ]
}

@test "checkpoint of a stopped container fails" {
	set_args /bin/probe exit 0
	run_detached "$ID"
	expect_status 0
	wait_for_status "$ID" stopped
	run --separate-stderr calyx checkpoint --image-path "$IMG" "$ID"
	expect_error "cannot be checkpointed in stopped state"
	[ "$(state_field "$ID" status)" = stopped ]
}

@test "checkpoint of a paused container fails and leaves it paused" {
	runc_deviates "runc 1.1 hands a paused container to CRIU"
	[[ -w /sys/fs/cgroup ]] || skip "no writable cgroup hierarchy to freeze with"
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	run calyx pause "$ID"
	[ "$status" -eq 0 ] || skip "pause does not work here: $output"
	run --separate-stderr calyx checkpoint --image-path "$IMG" "$ID"
	expect_error "cannot be checkpointed in paused state"
	[ "$(state_field "$ID" status)" = paused ]
	run calyx resume "$ID"
	expect_status 0
}

@test "checkpoint of a missing container fails" {
	run --separate-stderr calyx checkpoint --image-path "$IMG" "$ID"
	expect_error "does not exist"
	[ ! -e "$IMG" ] || [ -z "$(ls -A "$IMG")" ]
}

@test "checkpoint without criu in PATH: clear error, the container runs on" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	run --separate-stderr env PATH=/nonexistent "$(command -v "$CALYX")" --root "$STATE_ROOT" \
		checkpoint --image-path "$IMG" "$ID"
	expect_error "criu not found"
	[ "$(state_field "$ID" status)" = running ]
	[ "$(state_field "$ID" pid)" = "$pid" ]
}

@test "restore from a missing image directory fails and leaves nothing" {
	run --separate-stderr calyx restore -d -b "$BUNDLE" --image-path "$IMG/none" "$ID"
	expect_error "image path .*: No such file or directory"
	assert_nothing_left "$ID"
}

@test "restore from a directory that is no checkpoint fails and leaves nothing" {
	mkdir -p "$IMG"
	run --separate-stderr calyx restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_error "not a checkpoint"
	assert_nothing_left "$ID"
}

@test "restore from corrupt images fails and leaves nothing" {
	command -v criu >/dev/null || skip "criu not installed (apt-get install criu)"
	mkdir -p "$IMG"
	head -c 4096 /dev/urandom > "$IMG/inventory.img"
	echo '["pipe:[1]", "/dev/null", "/dev/null"]' > "$IMG/descriptors.json"
	run --separate-stderr calyx restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_error "criu failed"
	assert_nothing_left "$ID"
	[ ! -e "$STATE_ROOT/$ID" ]
	# the rootfs CRIU was given is untouched by the clean-up
	[ -x "$BUNDLE/rootfs/bin/busybox" ] || fail "the bundle's rootfs was emptied"
}

@test "restore to an ID in use fails and leaves that container alone" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	mkdir -p "$IMG"
	echo junk > "$IMG/inventory.img"
	run --separate-stderr calyx restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_error "already exists"
	[ "$(state_field "$ID" status)" = running ]
	[ "$(state_field "$ID" pid)" = "$pid" ]
}

@test "restore without criu in PATH: clear error, nothing left" {
	calyx_only
	mkdir -p "$IMG"
	echo junk > "$IMG/inventory.img"
	run --separate-stderr env PATH=/nonexistent "$(command -v "$CALYX")" --root "$STATE_ROOT" \
		restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_error "criu not found"
	assert_nothing_left "$ID"
}

@test "checkpoint and restore reject bad flag values" {
	calyx_only
	run --separate-stderr calyx checkpoint --manage-cgroups-mode bogus "$ID"
	expect_error "invalid --manage-cgroups-mode bogus"
	run --separate-stderr calyx restore --empty-ns pid "$ID"
	expect_error "--empty-ns pid: namespace is not supported"
}

@test "features reports checkpoint/restore" {
	calyx features | jq -e '.annotations["org.opencontainers.runc.checkpoint.enabled"] == "true"'
}
