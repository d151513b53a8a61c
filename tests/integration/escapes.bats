#!/usr/bin/env bats
# Attacks on the host from inside the container (issue 11): each test performs
# the escape and fails if it works again.  The image and every process in the
# container are the attacker.

load helpers

# The runtime with a --log file: one more host fd the container process
# must not hold.
calyx_logged()
{
	pin_cgroup_path "$@"
	"$CALYX" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/runtime.log" "$@"
}

# A file only the host has (the container's root does not), run as the
# "host binary": if it ever runs, it leaves /escaped in the container.
setup_host_binary()
{
	HOST_BIN_DIR=$BATS_TEST_TMPDIR/hostonly
	mkdir -p "$HOST_BIN_DIR"
	cp "$PROBE" "$HOST_BIN_DIR/hostprobe"
	UP=../../../../../../../../../../../../../../..
}

assert_not_escaped()
{
	[[ ! -e $BUNDLE/rootfs/escaped ]] || fail "the host binary ran: $1"
}

@test "escape 1: args[0] through /proc/self/fd/N (3..32) never runs a host binary" {
	setup_host_binary
	for n in $(seq 3 32); do
		set_args "/proc/self/fd/$n/$UP$HOST_BIN_DIR/hostprobe" write /escaped
		run calyx_logged run -b "$BUNDLE" "$ID"
		[[ $status -ne 0 ]] || fail "fd $n: status 0: $output"
		assert_not_escaped "args[0] through fd $n"
	done
	assert_nothing_left "$ID"
	calyx_only
	contains "exec: \"/proc/self/fd/32/"
}

@test "escape 1: a PATH entry through /proc/self/fd/N (3..32) never finds a host binary" {
	setup_host_binary
	for n in $(seq 3 32); do
		cfg --arg p "PATH=/proc/self/fd/$n/$UP$HOST_BIN_DIR" \
			'.process.env = [$p] | .process.args = ["hostprobe", "write", "/escaped"]'
		run calyx_logged run -b "$BUNDLE" "$ID"
		[[ $status -ne 0 ]] || fail "fd $n: status 0: $output"
		assert_not_escaped "PATH through fd $n"
		contains 'exec: "hostprobe": executable file not found in $PATH'
	done
}

@test "escape 1: exec of /proc/self/fd/N/... (3..32) never runs a host binary" {
	setup_host_binary
	set_args /bin/probe sleep 100
	calyx_logged run -d -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1
	for n in $(seq 3 32); do
		run calyx_logged exec "$ID" "/proc/self/fd/$n/$UP$HOST_BIN_DIR/hostprobe" write /escaped
		[[ $status -ne 0 ]] || fail "fd $n: status 0: $output"
		assert_not_escaped "exec through fd $n"
		run calyx_logged exec -e "PATH=/proc/self/fd/$n/$UP$HOST_BIN_DIR" "$ID" \
			hostprobe write /escaped
		[[ $status -ne 0 ]] || fail "fd $n (PATH): status 0: $output"
		assert_not_escaped "exec with PATH through fd $n"
	done
}

@test "escape 1: a cwd through /proc/self/fd/N (3..32) is refused, for run and exec" {
	for n in $(seq 3 32); do
		cfg --arg c "/proc/self/fd/$n" '.process.cwd = $c'
		set_args /bin/probe cwd
		run calyx_logged run -b "$BUNDLE" "$ID"
		[[ $status -ne 0 ]] || fail "fd $n: the process ran in $output"
	done
	cfg '.process.cwd = "/"'
	set_args /bin/probe sleep 100
	calyx_logged run -d -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1
	for n in $(seq 3 32); do
		run calyx_logged exec --cwd "/proc/self/fd/$n" "$ID" /bin/probe cwd
		[[ $status -ne 0 ]] || fail "exec, fd $n: the process ran in $output"
	done
}

@test "the executable found by fd still runs scripts, relative names and keeps its name as comm" {
	printf '#!/bin/sh\necho "script $0 $*"\n' > "$BUNDLE/rootfs/bin/myscript"
	chmod 755 "$BUNDLE/rootfs/bin/myscript"
	run_probe myscript a b
	expect_status 0
	has_line "script /bin/myscript a b"
	# /bin/sh is a symlink to busybox: the process is still called sh
	run_probe sh -c 'cat /proc/$$/comm; true'
	expect_status 0
	has_line sh
	cfg '.process.cwd = "/bin"'
	run_probe ./probe exit 7
	expect_status 7
	cfg '.process.cwd = "/"'
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1
	run calyx exec "$ID" myscript c
	expect_status 0
	has_line "script /bin/myscript c"
	run calyx exec --cwd /bin "$ID" ./probe exit 3
	expect_status 3
}

# The fds of the waiting init as a process in the container sees them:
# every one that is a directory is tried as a way out to a host-only file.
@test "escape 2: the waiting init of a created container holds no host fd" {
	setup_host_binary
	cfg '.process.capabilities.bounding += ["CAP_SYS_PTRACE"]'
	set_args /bin/probe exit 0
	calyx_logged create -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1
	run calyx exec --cap CAP_SYS_PTRACE "$ID" sh -c '
		for f in /proc/1/fd/*; do
			echo "fd ${f##*/} -> $(readlink "$f")"
			if [ -e "$f/'"$UP$HOST_BIN_DIR"'/hostprobe" ]; then
				echo "ESCAPE through fd ${f##*/}"
			fi
		done'
	expect_status 0
	[[ $output != *ESCAPE* ]] || fail "$output"
	[[ $output != *"$BATS_TEST_TMPDIR/runtime.log"* ]] ||
		fail "the init holds the --log file: $output"
	[[ $output != *"/sys/fs/cgroup"* ]] || fail "the init holds a cgroup dir: $output"
	for l in "${lines[@]}"; do
		[[ $l != *" -> $STATE_ROOT" && $l != *" -> $STATE_ROOT/$ID" ]] ||
			fail "the init holds the state dir: $output"
	done
	calyx delete -f "$ID"
}

# CVE-2019-5736 through a created container: open /proc/1/exe of the
# waiting init, let `start` finish, then reopen it for writing.
@test "escape 2: /proc/1/exe of a created container never becomes a writable host binary" {
	local rt i
	# a private copy of the runtime: no other test runs it (no ETXTBSY)
	mkdir "$BATS_TEST_TMPDIR/rt"
	rt=$BATS_TEST_TMPDIR/rt/$(runtime_name)
	cp "$(command -v "${CALYX%% *}")" "$rt"
	cfg '.process.capabilities.bounding += ["CAP_SYS_PTRACE"]'
	set_args /bin/probe sleep 100
	CALYX=$rt calyx create -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1
	CALYX=$rt calyx exec -d --cap CAP_SYS_PTRACE "$ID" sh -c '
		exec 3</proc/1/exe || { echo noopen > /result; exit 0; }
		while [ ! -e /go ]; do sleep 0.05; done
		if ( exec 4<>/proc/self/fd/3 ) 2>/dev/null; then
			echo WRITABLE > /result
		else
			echo refused > /result
		fi' < /dev/null > /dev/null 2>&1
	sleep 0.3
	CALYX=$rt calyx start "$ID"
	touch "$BUNDLE/rootfs/go"
	for ((i = 0; i < 100; i++)); do
		[[ -s $BUNDLE/rootfs/result ]] && break
		sleep 0.05
	done
	run cat "$BUNDLE/rootfs/result"
	[[ $output == refused || $output == noopen ]] ||
		fail "the host runtime binary could be opened for writing: $output"
	CALYX=$rt calyx delete -f "$ID"
}

# runc and crun read the image's /etc/passwd in the exec'd process, still
# privileged: a FIFO there hangs them, and a ptracer can seize them.
@test "escape 4: a FIFO at /etc/passwd neither hangs exec nor is read privileged" {
	runc_deviates "runc 1.1.5 blocks reading a FIFO at /etc/passwd"
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1
	calyx exec "$ID" sh -c 'rm /etc/passwd && mkfifo /etc/passwd'
	run timeout -s KILL 10 "$CALYX" --root "$STATE_ROOT" exec "$ID" /bin/probe env HOME
	[[ $status -ne 137 && $status -ne 124 ]] || fail "exec hung on the FIFO"
	expect_status 0
	has_line HOME=/
	run timeout -s KILL 10 "$CALYX" --root "$STATE_ROOT" exec -u 1000 "$ID" /bin/probe env HOME
	expect_status 0
	has_line HOME=/
	# a symlink is not followed either, wherever it points
	calyx exec "$ID" sh -c 'rm /etc/passwd && ln -s /proc/self/fd/0 /etc/passwd'
	run timeout -s KILL 10 "$CALYX" --root "$STATE_ROOT" exec "$ID" /bin/probe env HOME
	expect_status 0
	has_line HOME=/
}

@test "escape 4: the init does not block on a FIFO at /etc/passwd either" {
	runc_deviates "runc 1.1.5 blocks reading a FIFO at /etc/passwd"
	rm "$BUNDLE/rootfs/etc/passwd"
	mkfifo "$BUNDLE/rootfs/etc/passwd"
	set_args /bin/probe env HOME
	run timeout -s KILL 10 "$CALYX" --root "$STATE_ROOT" run -b "$BUNDLE" "$ID"
	[[ $status -ne 137 && $status -ne 124 ]] || fail "run hung on the FIFO"
	expect_status 0
	has_line HOME=/
}

@test "HOME still comes from a regular /etc/passwd, for run and exec" {
	echo 'u1000:x:1000:1000::/home/u1000:/bin/sh' >> "$BUNDLE/rootfs/etc/passwd"
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	run_probe /bin/probe env HOME
	expect_status 0
	has_line HOME=/home/u1000
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1
	run calyx exec "$ID" /bin/probe env HOME
	expect_status 0
	has_line HOME=/home/u1000
	run calyx exec -u 0 "$ID" /bin/probe env HOME
	expect_status 0
	has_line HOME=/root
}

# A startContainer hook is a binary of the image, run in the container:
# it gets the container process's no_new_privs and seccomp filter.
@test "escape 6: startContainer hooks run with the process's no_new_privs and seccomp" {
	local hook='grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status > /hook-status'
	for nnp in true false; do
		rm -f "$BUNDLE/rootfs/hook-status"
		cfg --arg h "$hook" --argjson nnp "$nnp" '
			.process.noNewPrivileges = $nnp
			| .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
				"syscalls": [{"names": ["keyctl", "unshare"],
					"action": "SCMP_ACT_ERRNO"}]}
			| .hooks.startContainer = [{"path": "/bin/sh",
				"args": ["sh", "-c", $h]}]'
		run_probe /bin/probe nnp
		expect_status 0
		run cat "$BUNDLE/rootfs/hook-status"
		if [[ $nnp == true ]]; then
			has_line $'NoNewPrivs:\t1'
		else
			has_line $'NoNewPrivs:\t0'
		fi
		has_line $'Seccomp:\t2'
	done
}
