#!/usr/bin/env bats
# The default /dev, linux.devices, /dev/pts and /dev/shm.

load helpers

@test "default device nodes have the right type, numbers and mode" {
	for dev in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		IFS=: read -r name maj min <<< "$dev"
		run_probe /bin/probe stat "/dev/$name"
		expect_status 0
		has_line type=char
		has_line "dev=$maj:$min"
		has_line mode=0666
	done
}

@test "default /dev symlinks" {
	for l in fd:/proc/self/fd stdin:/proc/self/fd/0 stdout:/proc/self/fd/1 \
		 stderr:/proc/self/fd/2 ptmx:pts/ptmx; do
		run_probe /bin/probe stat "/dev/${l%%:*}"
		expect_status 0
		has_line type=symlink
		has_line "target=${l#*:}"
	done
}

@test "/dev is a tmpfs holding only the expected entries" {
	run_probe /bin/ls -A /dev
	expect_status 0
	for want in null zero full random urandom tty pts shm mqueue; do
		has_line "$want"
	done
	no_line sda
	no_line kmsg
	no_line mem
}

@test "/dev/null works and /dev/zero reads zeros" {
	run_probe /bin/sh -c 'echo x > /dev/null && head -c 4 /dev/zero | od -An -tx1'
	expect_status 0
	[[ $(echo $output) == "00 00 00 00" ]] || fail "$output"
}

@test "linux.devices creates nodes with mode, uid and gid" {
	cfg '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1,
		"minor": 3, "fileMode": 416, "uid": 1000, "gid": 1001},
		{"path": "/dev/sub/myblk", "type": "b", "major": 7, "minor": 200,
		"fileMode": 432, "uid": 0, "gid": 6}]'
	run_probe /bin/probe stat /dev/mynull
	expect_status 0
	has_line type=char
	has_line dev=1:3
	has_line mode=0640
	has_line uid=1000
	has_line gid=1001
	run_probe /bin/probe stat /dev/sub/myblk
	expect_status 0
	has_line type=block
	has_line dev=7:200
	has_line mode=0660
	has_line gid=6
}

@test "linux.devices entry allowed by the cgroup can be used" {
	cfg '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1,
		"minor": 3, "fileMode": 438}]
		| .linux.resources.devices += [{"allow": true, "type": "c",
		"major": 1, "minor": 3, "access": "rwm"}]'
	run_probe /bin/probe write /dev/mynull
	expect_status 0
	has_line write=OK
}

@test "/dev/pts is a new devpts instance with ptmx" {
	run_probe /bin/probe stat /dev/pts/ptmx
	expect_status 0
	has_line type=char
	has_line dev=5:2
	run_probe /bin/ls -A /dev/pts
	[[ $(echo $output) == ptmx ]] || fail "host ptys visible: $output"
}

@test "/dev/shm is a writable sticky tmpfs" {
	run_probe /bin/probe stat /dev/shm
	has_line mode=1777
	run_probe /bin/probe write /dev/shm/x
	expect_status 0
	has_line write=OK
}

@test "mknod is refused without CAP_MKNOD" {
	run_probe /bin/probe mknod /tmp/node c 1 3
	[ "$status" -ne 0 ]
	has_line mknod=EPERM
}

@test "/dev symlinks: fd, stdin, stdout, stderr, ptmx; core only with a /proc/kcore" {
	run_probe /bin/sh -c 'for l in fd stdin stdout stderr ptmx core; do
		[ -L /dev/$l ] && echo "$l -> $(readlink /dev/$l)"; done; true'
	expect_status 0
	has_line "fd -> /proc/self/fd"
	has_line "stdin -> /proc/self/fd/0"
	has_line "stdout -> /proc/self/fd/1"
	has_line "stderr -> /proc/self/fd/2"
	has_line "ptmx -> pts/ptmx"
	if [[ -e /proc/kcore ]]; then
		has_line "core -> /proc/kcore"
	else
		[[ $output != *"core ->"* ]] || fail "dangling /dev/core: $output"
	fi
}

@test "a ro /dev: /dev/pts, /dev/shm, /dev/mqueue and the nodes are made, then /dev is read-only" {
	cfg '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
	run_probe /bin/sh -c 'ls /dev; touch /dev/new 2>&1; touch /dev/shm/new && echo shm=OK
		grep -w /dev /proc/self/mountinfo'
	expect_status 0
	for want in null zero full random urandom tty pts shm mqueue ptmx fd; do
		has_line "$want"
	done
	contains "Read-only file system"
	has_line shm=OK
	[[ $output == *" /dev ro,"* ]] || fail "/dev is not read-only: $output"
}

@test "a ro /dev with process.terminal: /dev/console is the pty" {
	cfg '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"] | .process.terminal = true'
	set_args sh -c 'tty; stat -c "console=%t:%T" /dev/console'
	run script -qec "$CALYX --root $STATE_ROOT run -b $BUNDLE $ID" /dev/null
	expect_status 0
	contains "/dev/pts/0"
	contains "console=88:0"
	assert_nothing_left "$ID"
}
