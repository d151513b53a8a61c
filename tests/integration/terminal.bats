#!/usr/bin/env bats
# process.terminal: the pty inside the container, --console-socket (runc's
# protocol, as conmon and containerd's shim use it), the foreground relay.

load helpers

@test "terminal: create sends the pty master to --console-socket; the process runs on it" {
	cfg '.process.terminal = true'
	set_args sh -c 'tty; stat -c "%t:%T" /dev/console; echo done'
	recvtty
	calyx create -b "$BUNDLE" --console-socket "$SOCK" "$ID"
	calyx start "$ID"
	wait_recvtty
	output=$(tr -d '\r' < "$OUT")
	contains "/dev/pts/0"
	contains "done"
	# /dev/console is the pty slave (major 136)
	contains "88:0"
	[[ $(cat "$OUT.name") == /dev/ptmx ]]
	calyx delete -f "$ID"
	assert_nothing_left "$ID"
}

@test "terminal: the console size from process.consoleSize" {
	cfg '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 101}'
	set_args sh -c 'stty size'
	recvtty
	calyx run -d -b "$BUNDLE" --console-socket "$SOCK" "$ID"
	wait_recvtty
	output=$(tr -d '\r' < "$OUT")
	contains "33 101"
	calyx delete -f "$ID"
}

@test "terminal: input written to the master reaches the process" {
	cfg '.process.terminal = true'
	set_args sh -c 'read line; echo "got:$line"'
	recvtty $'hello\n'
	calyx run -d -b "$BUNDLE" --console-socket "$SOCK" "$ID"
	wait_recvtty
	output=$(tr -d '\r' < "$OUT")
	contains "got:hello"
	calyx delete -f "$ID"
}

@test "terminal: foreground run relays the pty and passes the exit code" {
	cfg '.process.terminal = true'
	set_args sh -c 'tty; exit 7'
	run script -qec "$CALYX --root $STATE_ROOT run -b $BUNDLE $ID" /dev/null
	expect_status 7
	contains "/dev/pts/0"
	assert_nothing_left "$ID"
}

@test "terminal: a bundle-less run -t gets a pty, a controlling terminal and the exit code" {
	calyx_only
	run script -qec "$CALYX --root $STATE_ROOT run --rootfs $BUNDLE/rootfs -t -- sh -c 'tty; [ -t 0 ] && echo stdin-tty; exit 5'" /dev/null
	expect_status 5
	contains "/dev/pts/0"
	contains stdin-tty
	[[ -z $(calyx list -q) ]]
}

@test "terminal: create without --console-socket is refused and leaves nothing" {
	cfg '.process.terminal = true'
	run calyx create -b "$BUNDLE" "$ID"
	[[ $status -ne 0 ]]
	calyx_only
	contains "console-socket"
	[[ ${#lines[@]} -eq 1 ]]
	assert_nothing_left "$ID"
}

@test "terminal: a console socket that does not exist or is not a socket" {
	cfg '.process.terminal = true'
	run calyx create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/nope" "$ID"
	[[ $status -ne 0 ]]
	assert_nothing_left "$ID"
	touch "$BATS_TEST_TMPDIR/file"
	run calyx create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/file" "$ID"
	[[ $status -ne 0 ]]
	calyx_only
	contains "not a socket"
	assert_nothing_left "$ID"
}

@test "terminal: exec -t with --console-socket" {
	set_args sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
	recvtty
	calyx exec -t --console-socket "$SOCK" -d "$ID" sh -c 'tty; echo exec-ok'
	wait_recvtty
	output=$(tr -d '\r' < "$OUT")
	contains "/dev/pts/"
	contains "exec-ok"
	calyx delete -f "$ID"
}

@test "terminal: foreground exec -t relays" {
	set_args sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
	run script -qec "$CALYX --root $STATE_ROOT exec -t $ID sh -c 'tty; exit 3'" /dev/null
	expect_status 3
	contains "/dev/pts/"
	calyx delete -f "$ID"
}

@test "terminal: CVE-2025-52565: a /dev/console symlink is not followed for the pty bind" {
	calyx_only
	# /dev comes from a directory the container controls, with console ->
	# a procfs file: the pty bound there would mask it (the CVE's aim)
	mkdir -p "$BATS_TEST_TMPDIR/dev"
	echo host > "$BATS_TEST_TMPDIR/target"
	ln -s /proc/sys/kernel/core_pattern "$BATS_TEST_TMPDIR/dev/console"
	mknod "$BATS_TEST_TMPDIR/dev/null" c 1 3
	mkdir "$BATS_TEST_TMPDIR/dev/pts"
	cfg --arg d "$BATS_TEST_TMPDIR/dev" '.process.terminal = true
		| .mounts = [.mounts[] | select(.destination != "/dev" and
			(.destination | startswith("/dev/") | not))]
		| .mounts += [{"destination": "/dev", "type": "bind", "source": $d,
			"options": ["rbind"]}]'
	set_args /bin/true
	recvtty
	run calyx run -d -b "$BUNDLE" --console-socket "$SOCK" "$ID"
	kill "$RECV_PID" 2>/dev/null || true
	[[ $status -ne 0 ]]
	contains "/dev/console"
	[[ $(cat "$BATS_TEST_TMPDIR/target") == host ]]
	! grep -qF "$BATS_TEST_TMPDIR/target" /proc/self/mountinfo
	assert_nothing_left "$ID"
}

# runc: the pty is chowned to the user before the switch; its group stays
# the one devpts gives it (gid=5 in the config's /dev/pts options).
@test "terminal: with process.user 1000:1000 the pty and /dev/console belong to uid 1000" {
	cfg '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'stat -c "tty %u:%g" $(tty); stat -c "console %u:%g" /dev/console; echo "w:$(echo x > $(tty) && echo ok)"'
	recvtty
	calyx run -d -b "$BUNDLE" --console-socket "$SOCK" "$ID"
	wait_recvtty
	output=$(tr -d '\r' < "$OUT")
	contains "tty 1000:5"
	contains "console 1000:5"
	contains "w:ok"
	calyx delete -f "$ID"
}

@test "terminal: exec -t --user 1000:1000 gets a pty of uid 1000" {
	set_args sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
	recvtty
	calyx exec -t --console-socket "$SOCK" -d -u 1000:1000 "$ID" sh -c 'stat -c "tty %u:%g" $(tty)'
	wait_recvtty
	output=$(tr -d '\r' < "$OUT")
	contains "tty 1000:5"
	calyx delete -f "$ID"
}
