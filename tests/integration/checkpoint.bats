#!/usr/bin/env bats
# checkpoint / restore through CRIU (runc's commands, flag for flag), and
# podman's checkpoint / restore (--export / --import) driving the runtime.
#
# The tests that dump or restore need a CRIU that works on this kernel
# (`criu check`): Debian 12's CRIU 3.17 does not on 6.18 kernels (vdso), so
# on such hosts they skip with the reason and run in the VM tier instead
# (tests/vm/run-cgroup-v2.sh tests/integration/checkpoint.bats). The bad
# input tests need no working CRIU and run everywhere.

load helpers
. "$BATS_TEST_DIRNAME/../helpers/engines.sh"
bats_require_minimum_version 1.5.0

# The podman tests' image, in a private podman (engines.sh) set up once
# for the file where CRIU works.
PM_IMG=localhost/calyx-checkpoint

# Why CRIU cannot dump and restore here; nothing when it can.
criu_unusable()
{
	local out
	if ! command -v criu >/dev/null; then
		echo "criu not installed (apt-get install criu)"
		return
	fi
	out=$(criu check 2>&1)
	[[ $out == *"Looks good"* ]] ||
		echo "criu check fails on kernel $(uname -r): $(grep -m1 Error <<< "$out")"
}

setup_file()
{
	common_setup_file
	[[ -z $(criu_unusable) ]] || return 0
	command -v podman >/dev/null && command -v conmon >/dev/null || return 0
	engine_begin
	engine_podman_config 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' \
		"env = [\"CALYX_TEST_MARK=$CALYX_TEST_RUN\"]"
	engine_podman_import "$PM_IMG"
}

teardown_file()
{
	if [[ -n ${ENG:-} ]]; then
		pm rm -af -t 0 >/dev/null 2>&1 || true
		engine_cleanup
	fi
	common_teardown_file
}

# A second state root: the "other host" of the migration test.
setup()
{
	common_setup
	IMG=$BATS_TEST_TMPDIR/img
	ROOT2=$BATS_TEST_TMPDIR/root2
	NETNS_LEFT=()
	PODMAN_USED=
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
	[[ -z $PODMAN_USED ]] || pm rm -af -t 0 >/dev/null 2>&1 || true
	common_teardown
}

# Skips unless CRIU is installed and works on this kernel.
requires_criu()
{
	local why
	why=$(criu_unusable)
	[[ -z $why ]] || skip "$why"
}

# Skips unless setup_file made the private podman.
requires_podman()
{
	engine_requires podman conmon
	[[ -n ${ENG:-} ]] || skip "podman setup failed"
	PODMAN_USED=1
	# conmon drops files (e.g. "oom") into its cwd
	cd "$ENG" || return 1
}

# The container counts in a shell variable (memory CRIU must carry over)
# and writes the count to /count in the rootfs; /starts gets a line each
# time the script starts (a restore must not start it again). Its stdio is its own
# /dev/null: a file of the host's would be outside what CRIU can dump.
# The ": ct-ID-ct" names its processes for counting_pids.
counting_bundle()
{
	cfg --arg t "ct-$ID-ct" '.process.args = ["/bin/sh", "-c",
		"exec </dev/null >/dev/null 2>&1; : \($t); echo started >> /starts; i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.2; done"]'
}

# The counting script's processes (a restored one has the same command line).
counting_pids()
{
	pgrep -f -- "ct-$ID-ct" || true
}

count_now()
{
	cat "${1:-$BUNDLE}/rootfs/count" 2>/dev/null || echo 0
}

# Waits until the number in file $2 is above $1; prints it.
wait_file_above()
{
	local want=$1 file=$2 i c
	for ((i = 0; i < 300; i++)); do
		c=$(cat "$file" 2>/dev/null)
		if [[ -n $c ]] && ((c > want)); then
			echo "$c"
			return 0
		fi
		sleep 0.1
	done
	fail "the count in $file never went above $want (now $(cat "$file" 2>&1))"
}

# Waits until the count is above $1 (in bundle $2); prints it.
wait_count_above()
{
	wait_file_above "$1" "${2:-$BUNDLE}/rootfs/count"
}

# Under the systemd driver (the systemd VM tier): container $1 restored
# with init $2 is in a unit of its own again, as create makes it -- the
# scope active, delegated, the restored init in its cgroup.
assert_restored_unit()
{
	[[ ${CALYX_TEST_CGROUP_DRIVER:-} == systemd ]] || return 0
	local unit=calyx-$1.scope cg
	[[ $(systemctl show -P ActiveState "$unit") == active ]] ||
		fail "restored without its unit: $(systemctl status "$unit" 2>&1)"
	[[ $(systemctl show -P Delegate "$unit") == yes ]]
	cg=$(systemctl show -P ControlGroup "$unit")
	[[ $cg == "/system.slice/$unit" ]] || fail "unit cgroup: $cg"
	grep -qx "0::$cg" "/proc/$2/cgroup" ||
		fail "restored init $2 not in $cg: $(cat "/proc/$2/cgroup")"
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

	# hooks run as runc runs them on a restore: prestart and
	# createRuntime once CRIU has the namespaces up, with the restored
	# init's pid; poststop at the delete
	local h
	for h in prestart createRuntime poststop; do
		cfg --arg h "$h" --arg f "$BATS_TEST_TMPDIR/hook-$h" \
			'.hooks[$h] = [{"path": "/bin/sh", "args": ["sh", "-c", "cat > " + $f]}]'
	done
	run calyx restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	newpid=$(state_field "$ID" pid)
	pid_alive "$newpid"
	assert_restored_unit "$ID" "$newpid"
	for h in prestart createRuntime; do
		[[ $(jq -r '"\(.pid) \(.status)"' "$BATS_TEST_TMPDIR/hook-$h") == "$newpid creating" ]] ||
			fail "$h hook got $(cat "$BATS_TEST_TMPDIR/hook-$h" 2>&1), the restored init is $newpid"
	done
	[[ ! -e $BATS_TEST_TMPDIR/hook-poststop ]] || fail "poststop ran at the restore"
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
	[[ $(jq -r .status "$BATS_TEST_TMPDIR/hook-poststop") == stopped ]] ||
		fail "poststop hook: $(cat "$BATS_TEST_TMPDIR/hook-poststop" 2>&1)"
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
	newpid=$(state_field "$ID" pid)
	assert_restored_unit "$ID" "$newpid"
	run calyx delete -f "$ID"
	expect_status 0
	assert_nothing_left "$ID" "$newpid"
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
	runc_deviates "runc always restores an empty network namespace (it passes CRIU --empty-ns network): loopback down, wget: Network is unreachable"
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

# --- a restore killed at any instant: delete -f leaves nothing ------------

# `restore -d` of $ID from $IMG in the background, SIGKILLed as soon as
# the shell condition $1 holds ($rpid: the restore's pid) or when it ends
# by itself; its exit status in $status.
restore_killed_when()
{
	local cond=$1 rpid i
	"$CALYX" --root "$STATE_ROOT" restore -d -b "$BUNDLE" --image-path "$IMG" "$ID" \
		< /dev/null > "$BATS_TEST_TMPDIR/restore.out" 2>&1 &
	rpid=$!
	for ((i = 0; i < 30000; i++)); do
		eval "$cond" && break
		kill -0 "$rpid" 2>/dev/null || break
		((i % 10)) || sleep 0.01
	done
	kill -9 "$rpid" 2>/dev/null || true
	status=0
	wait "$rpid" || status=$?
}

# $ID's state record as it is now in $ST (one line; no fork, to be quick).
read_state()
{
	ST=
	IFS= read -r ST < "$STATE_ROOT/$ID/state.json" 2>/dev/null
	[[ -n $ST ]]
}

# A criu whose runtime died gives up at its next message to it.
wait_criu_gone()
{
	local i
	for ((i = 0; i < 100; i++)); do
		pgrep -x criu >/dev/null || return 0
		sleep 0.1
	done
	fail "$1: criu left: $(pgrep -a -x criu)"
}

# After a killed restore and a delete -f: no state, cgroup or mount of $ID,
# none of the counting processes, no criu, nothing criu keeps in /tmp; the
# count stands still.
assert_restore_left_nothing()
{
	local what=$1 c
	assert_nothing_left "$ID"
	[[ -z $(counting_pids) ]] || fail "$what: restored processes left: $(counting_pids)"
	wait_criu_gone "$what"
	[[ -z $(find /tmp -maxdepth 1 -name '.criu.mntns.*' 2>/dev/null) ]] ||
		fail "$what: criu's temporary mount dirs left: $(find /tmp -maxdepth 1 -name '.criu.mntns.*')"
	c=$(count_now)
	sleep 0.5
	[[ $(count_now) == "$c" ]] || fail "$what: the count goes on: $c, then $(count_now)"
}

@test "a restore SIGKILLed at any of several instants leaves nothing after delete -f; the images restore after" {
	calyx_only	# the instants are read from calyx's own state record
	requires_criu
	run_counting
	run calyx checkpoint --image-path "$IMG" "$ID"
	expect_status 0
	c1=$(count_now)

	# while criu starts; once it restores (its log has begun); once the
	# restored init exists (CRIU set up the namespaces and forked it: the
	# record has its pid) and CRIU brings back the tree; once the record
	# is final, just before CRIU resumes the tree (or just after the
	# restore ended: then there is nothing to kill)
	local point
	for point in 'pgrep -P "$rpid" -x criu >/dev/null' \
		'[[ -s $IMG/restore.log ]]' \
		'read_state && [[ $ST =~ \"pid\":[1-9] && $ST == *calyxCreating* ]]' \
		'read_state && [[ $ST =~ \"pid\":[1-9] && $ST != *calyxCreating* ]]'; do
		rm -f "$IMG/restore.log"	# the last attempt's
		restore_killed_when "$point"
		[[ $status -eq 137 || ($status -eq 0 && $point == *'!= *calyxCreating*'*) ]] ||
			fail "the restore was not killed at '$point': $status $(cat "$BATS_TEST_TMPDIR/restore.out")"
		echo "# killed at '$point': exit $status" >&3
		run calyx delete -f "$ID"
		expect_status 0
		assert_restore_left_nothing "killed at '$point'"
	done

	# the images are intact and the ID is free: the count goes on from c1
	run calyx restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	wait_count_above "$c1" >/dev/null
	[ "$(grep -c started "$BUNDLE/rootfs/starts")" -eq 1 ]
	run calyx delete -f "$ID"
	expect_status 0
	assert_restore_left_nothing "after the last restore"
}

@test "a restore SIGKILLed from its createRuntime hook: the next restore of the ID needs no delete" {
	requires_criu
	runc_deviates "runc refuses the ID of a killed restore until its state is removed"
	run_counting
	run calyx checkpoint --image-path "$IMG" "$ID"
	expect_status 0
	c1=$(count_now)

	# the hook runs once CRIU has made the namespaces and forked the
	# restored init; its parent is the runtime
	cfg '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "kill -9 $PPID"]}]'
	run calyx restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	[[ $status -eq 137 ]] || fail "the restore was not killed: $status $output"
	# a record is left that says so
	[[ -d $STATE_ROOT/$ID ]] || fail "no state left to tell a delete what to remove"
	# criu undoes its part first (holding the ID's lock meanwhile)
	wait_criu_gone "after the kill"

	cfg 'del(.hooks)'
	run calyx restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	wait_count_above "$c1" >/dev/null
	[ "$(grep -c started "$BUNDLE/rootfs/starts")" -eq 1 ]
	run calyx delete -f "$ID"
	expect_status 0
	assert_restore_left_nothing "after the killed restore and a new one"
}

# --- restore in the foreground; with a terminal ----------------------------

@test "restore in the foreground: the restored process writes to restore's stdout, its exit code is restore's, signals reach it" {
	requires_criu
	# stdout stays the pipe from the runtime (descriptors.json: restore
	# hands its own stdout back); it counts to 40 and exits 7, or 9 on TERM
	cfg '.process.args = ["/bin/sh", "-c",
		"exec </dev/null 2>/dev/null; trap \"exit 9\" TERM; echo started >> /starts; i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo tick $i; echo $i > /count; sleep 0.2; done; exit 7"]'
	"$CALYX" --root "$STATE_ROOT" run -d -b "$BUNDLE" "$ID" < /dev/null \
		> >(cat > "$BATS_TEST_TMPDIR/before") 2>/dev/null
	wait_count_above 4 >/dev/null
	run calyx checkpoint --image-path "$IMG" "$ID"
	expect_status 0
	c1=$(count_now)

	run --separate-stderr calyx restore -b "$BUNDLE" --image-path "$IMG" "$ID"
	[[ $status -eq 7 ]] || fail "restore exit $status, not the container's 7: $stderr"
	local first last
	first=$(awk '$1 == "tick" { print $2; exit }' <<< "$output")
	last=$(awk '$1 == "tick" { n = $2 } END { print n }' <<< "$output")
	[[ -n $first ]] && ((first > c1 && first <= c1 + 2 && last == 40)) ||
		fail "the restored loop printed ticks $first..$last (dumped at $c1): $output"
	[ "$(grep -c started "$BUNDLE/rootfs/starts")" -eq 1 ]
	# as `run`: the container is gone with its process
	assert_nothing_left "$ID"

	# the images again, in the background: a TERM to restore reaches it
	"$CALYX" --root "$STATE_ROOT" restore -b "$BUNDLE" --image-path "$IMG" "$ID" \
		< /dev/null > "$BATS_TEST_TMPDIR/again" 2>&1 &
	local rpid=$!
	wait_for_status "$ID" running
	kill -TERM "$rpid"
	status=0
	wait "$rpid" || status=$?
	[[ $status -eq 9 ]] || fail "restore exit $status after TERM: $(cat "$BATS_TEST_TMPDIR/again")"
	assert_nothing_left "$ID"
}

@test "checkpoint + restore of a container with a terminal: the restored pty's master goes to --console-socket" {
	requires_criu
	command -v python3 >/dev/null || skip "python3 not installed (the console receiver)"
	cfg '.process.terminal = true
	     | .process.args = ["/bin/sh", "-c",
		"echo started >> /starts; (i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.2; done) & while read l; do echo \"got:$l\"; done"]'
	recvtty
	run calyx run -d -b "$BUNDLE" --console-socket "$SOCK" "$ID"
	expect_status 0
	wait_count_above 4 >/dev/null
	run calyx checkpoint --image-path "$IMG" "$ID"
	expect_status 0
	# the old pty hangs up with its container
	wait_recvtty
	c1=$(count_now)

	rm -f "$SOCK"
	mv "$OUT" "$OUT.before"
	recvtty $'hello\n'
	run --separate-stderr calyx restore -d -b "$BUNDLE" --image-path "$IMG" \
		--console-socket "$SOCK" "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	wait_count_above "$c1" >/dev/null
	[ "$(grep -c started "$BUNDLE/rootfs/starts")" -eq 1 ]
	# what recvtty typed reached the restored shell through the new pty
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q 'got:hello' "$OUT" 2>/dev/null && break
		sleep 0.1
	done
	grep -q 'got:hello' "$OUT" || fail "the restored shell did not answer on the new pty: $(cat "$OUT")"
	run calyx delete -f "$ID"
	expect_status 0
	wait_recvtty
	assert_nothing_left "$ID"
}

@test "restore of a container with a terminal and no --console-socket fails and leaves nothing" {
	cfg '.process.terminal = true'
	mkdir -p "$IMG"
	echo junk > "$IMG/inventory.img"
	run --separate-stderr calyx restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	expect_error "needs --console-socket"
	assert_nothing_left "$ID"
}

# --- podman ---------------------------------------------------------------

# podman's count script: stdio stays conmon's (its log pipes, /dev/null in)
PM_COUNTING='echo started >> /starts; i=0; while :; do i=$((i+1)); echo tick $i; echo $i > /count; sleep 0.2; done'

pm_pid()
{
	pm inspect --format '{{.State.Pid}}' "$1"
}

@test "podman container checkpoint / restore with calyx: the count and the log go on" {
	requires_criu
	requires_podman
	local pid c0 c1
	engine_expect 0 pm run -d --name ck --network none "$PM_IMG" sh -c "$PM_COUNTING"
	pid=$(pm_pid ck)
	c0=$(wait_file_above 4 "/proc/$pid/root/count")
	engine_expect 0 pm container checkpoint ck
	engine_expect 0 pm inspect ck --format '{{.State.Status}}'
	has_line exited
	! pid_alive "$pid" || fail "the checkpointed process $pid still runs"

	engine_expect 0 pm container restore ck
	engine_expect 0 pm inspect ck --format '{{.State.Status}} {{.State.Pid}}'
	[[ ${lines[0]} == "running "* ]] || fail "after restore: $output"
	pid=${lines[0]#running }
	c1=$(wait_file_above "$c0" "/proc/$pid/root/count")
	[[ $(grep -c started "/proc/$pid/root/starts") -eq 1 ]] ||
		fail "the script started again (count $c1)"
	# exec into the restored container; its output still reaches conmon
	engine_expect 0 pm exec ck cat /count
	engine_expect 0 pm logs ck
	has_line "tick $((c1 + 1))"
	engine_expect 0 pm rm -f -t 0 ck
}

@test "podman container checkpoint --export, restore --import as a new container" {
	requires_criu
	requires_podman
	local pid c0
	engine_expect 0 pm run -d --name ex --network none "$PM_IMG" sh -c "$PM_COUNTING"
	pid=$(pm_pid ex)
	c0=$(wait_file_above 4 "/proc/$pid/root/count")
	engine_expect 0 pm container checkpoint --export "$ENG/ex.tar.gz" ex
	[[ -s $ENG/ex.tar.gz ]] || fail "no archive"
	# the original goes: the import stands on the archive alone
	engine_expect 0 pm rm ex

	engine_expect 0 pm container restore --import "$ENG/ex.tar.gz" --name ex2
	engine_expect 0 pm inspect ex2 --format '{{.State.Status}} {{.State.Pid}}'
	[[ ${lines[0]} == "running "* ]] || fail "after the import: $output"
	pid=${lines[0]#running }
	wait_file_above "$c0" "/proc/$pid/root/count" >/dev/null
	[[ $(grep -c started "/proc/$pid/root/starts") -eq 1 ]] ||
		fail "the imported container started its script again"
	engine_expect 0 pm exec ex2 cat /count
	engine_expect 0 pm rm -f -t 0 ex2
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

@test "podman's probes: checkpoint --help succeeds, restore --lsm-mount-context without a value says runc's words" {
	# podman takes a runtime whose `checkpoint --help` exits 0 as able to
	# checkpoint, and one that answers "flag needs an argument" here as
	# able to restore into a pod
	run calyx checkpoint --help
	expect_status 0
	run calyx restore --lsm-mount-context
	[ "$status" -ne 0 ]
	contains "flag needs an argument"
}

@test "features reports checkpoint/restore" {
	calyx features | jq -e '.annotations["org.opencontainers.runc.checkpoint.enabled"] == "true"'
}
