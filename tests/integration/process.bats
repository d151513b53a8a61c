#!/usr/bin/env bats
# process.*, hostname, domainname, sysctl, and the fds the process inherits.

load helpers

@test "args are passed as given" {
	run_probe /bin/sh -c 'echo "[$0] [$1] [$2]"' zero "one two" ""
	expect_status 0
	[ "$output" = "[zero] [one two] []" ]
}

@test "args[0] is looked up in the container's PATH" {
	run_probe probe exit 0
	expect_status 0
}

@test "a missing executable fails" {
	run_probe /bin/nope
	[ "$status" -ne 0 ]
	assert_nothing_left "$ID"
}

@test "env is exactly process.env" {
	cfg '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]'
	LEAK_CHECK=1 run_probe /usr/bin/env
	expect_status 0
	has_line "FOO=bar baz"
	has_line "EMPTY="
	has_line "PATH=/bin:/usr/bin"
	for l in "${lines[@]}"; do
		case $l in
		PATH=*|FOO=*|EMPTY=*|HOME=*|TERM=*|container=*|CALYX_TEST_MARK=*) ;;
		*) fail "unexpected variable: $l" ;;
		esac
	done
}

@test "cwd" {
	cfg '.process.cwd = "/tmp"'
	run_probe /bin/probe cwd
	expect_status 0
	has_line cwd=/tmp
}

@test "user: uid, gid and additionalGids" {
	cfg '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [5, 6]}'
	run_probe /bin/probe ids
	expect_status 0
	has_line uid=1000
	has_line euid=1000
	has_line gid=1001
	has_line egid=1001
	has_line groups=5,6
}

@test "root has no supplementary groups unless asked" {
	run_probe /bin/probe ids
	expect_status 0
	has_line uid=0
	has_line groups=
}

@test "umask" {
	run_probe /bin/probe umask
	has_line umask=0022
	cfg '.process.user.umask = 63'
	run_probe /bin/probe umask
	expect_status 0
	has_line umask=0077
}

@test "rlimits" {
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456},
		{"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
	run_probe /bin/probe rlimit NOFILE
	expect_status 0
	has_line soft=123
	has_line hard=456
	run_probe /bin/probe rlimit CORE
	has_line soft=0
	has_line hard=0
}

@test "oomScoreAdj" {
	cfg '.process.oomScoreAdj = 123'
	run_probe /bin/probe oom_score_adj
	expect_status 0
	has_line oom_score_adj=123
}

@test "capabilities: the sets from the config, nothing else" {
	run_probe /bin/probe caps
	expect_status 0
	# CAP_KILL(5) | CAP_NET_BIND_SERVICE(10) | CAP_AUDIT_WRITE(29)
	has_line CapBnd=0000000020000420
	has_line CapEff=0000000020000420
	has_line CapPrm=0000000020000420
	has_line CapInh=0000000000000000
	has_line CapAmb=0000000000000000
}

@test "noNewPrivileges" {
	run_probe /bin/probe nnp
	has_line NoNewPrivs=1
	cfg '.process.noNewPrivileges = false'
	run_probe /bin/probe nnp
	has_line NoNewPrivs=0
}

@test "hostname" {
	cfg '.hostname = "box"'
	run_probe /bin/probe hostname
	expect_status 0
	has_line hostname=box
	[ "$(hostname)" != box ]
}

@test "domainname" {
	if [[ $(runtime_name) == runc ]] && runc --version | grep -q 'version 1\.[01]\.'; then
		skip "runc before 1.2 ignores domainname"
	fi
	cfg '.domainname = "example.org"'
	run_probe /bin/probe hostname
	expect_status 0
	has_line domainname=example.org
}

@test "sysctl" {
	cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1",
		"kernel.shmmni": "1234"}'
	run_probe /bin/probe sysctl net.ipv4.ip_forward
	expect_status 0
	has_line net.ipv4.ip_forward=1
	run_probe /bin/probe sysctl kernel.shmmni
	has_line kernel.shmmni=1234
	[ "$(cat /proc/sys/kernel/shmmni)" != 1234 ]
}

@test "no fds but 0-2 reach the process" {
	exec 7< /etc/hostname
	run_probe /bin/probe fds
	exec 7<&-
	expect_status 0
	[ -z "$output" ] || fail "leaked fds: $output"
}

@test "--preserve-fds passes fds 3.. on" {
	set_args /bin/probe fds
	echo a > "$BATS_TEST_TMPDIR/f3"
	echo b > "$BATS_TEST_TMPDIR/f4"
	pin_cgroup_path run -b "$BUNDLE" "$ID"
	run bash -c '"$@" 3< "$0/f3" 4< "$0/f4" 5< "$0/f3"' "$BATS_TEST_TMPDIR" \
		"$CALYX" --root "$STATE_ROOT" run --preserve-fds 2 -b "$BUNDLE" "$ID"
	expect_status 0
	has_line "fd3=$BATS_TEST_TMPDIR/f3"
	has_line "fd4=$BATS_TEST_TMPDIR/f4"
	[ "${#lines[@]}" -eq 2 ] || fail "fd 5 leaked: $output"
}

@test "stdio is passed through when terminal is false" {
	run_probe /bin/sh -c 'echo out; echo err >&2'
	expect_status 0
	has_line out
	has_line err
	pin_cgroup_path run -b "$BUNDLE" "$ID-stdin"
	run bash -c 'echo piped | "$@"' _ "$CALYX" --root "$STATE_ROOT" run \
		-b "$BUNDLE" "$ID-stdin"
	expect_status 0
}

@test "stdin reaches the process" {
	set_args /bin/cat
	pin_cgroup_path run -b "$BUNDLE" "$ID"
	run bash -c 'echo piped | "$@"' _ "$CALYX" --root "$STATE_ROOT" run \
		-b "$BUNDLE" "$ID"
	expect_status 0
	[ "$output" = piped ]
}

@test "stdio that is the host's /dev/null becomes the container's own /dev/null, read-write (runc's reopen)" {
	# what engines give a detached container; CRIU can dump only files
	# of the container's own mounts
	set_args /bin/sh -c 'dev=$(awk '\''$5 == "/dev" { print $1 }'\'' /proc/self/mountinfo)
		for fd in 0 1 2; do
			echo "fd$fd mnt=$(awk '\''$1 == "mnt_id:" { print $2 }'\'' /proc/$$/fdinfo/$fd) dev=$dev" \
				"flags=$(awk '\''$1 == "flags:" { print $2 }'\'' /proc/$$/fdinfo/$fd)" >> /fds
		done'
	pin_cgroup_path run -b "$BUNDLE" "$ID"
	calyx run -d -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1 || fail "run -d failed"
	wait_for_status "$ID" stopped
	output=$(cat "$BUNDLE/rootfs/fds")
	local fd mnt dev flags
	for fd in 0 1 2; do
		read -r _ mnt dev flags < <(grep "^fd$fd " <<< "$output") || fail "no line for fd $fd: $output"
		[[ -n ${dev#dev=} && ${mnt#mnt=} == "${dev#dev=}" ]] ||
			fail "fd $fd is not on the container's /dev mount: $output"
		# O_RDWR (2) in the octal access mode
		(((8#${flags#flags=} & 3) == 2)) || fail "fd $fd is not read-write: $output"
	done
}

@test "linux.memoryPolicy is applied with set_mempolicy; a bad mode names the field" {
	calyx_only
	cfg '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
	run_probe /bin/sh -c 'head -1 /proc/self/numa_maps'
	expect_status 0
	contains "bind:0"
	cfg '.linux.memoryPolicy = {"mode": "MPOL_NOPE"}'
	run calyx run -b "$BUNDLE" "$ID"
	[[ $status -ne 0 ]]
	contains "linux.memoryPolicy.mode"
	assert_nothing_left "$ID"
	cfg '.linux.memoryPolicy = {"mode": "MPOL_BIND"}'
	run calyx run -b "$BUNDLE" "$ID"
	[[ $status -ne 0 ]]
	contains "linux.memoryPolicy.nodes"
}

@test "linux.intelRdt is refused clearly (no resctrl support), nothing left" {
	calyx_only
	cfg '.linux.intelRdt = {"closID": "calyx"}'
	run calyx run -b "$BUNDLE" "$ID"
	[[ $status -ne 0 ]]
	contains "linux.intelRdt"
	assert_nothing_left "$ID"
}

@test "process.execCPUAffinity: exec runs on the final CPU list" {
	calyx_only
	set_args /bin/probe sleep 100
	cfg '.process.execCPUAffinity = {"initial": "0-1", "final": "0"}'
	calyx run -d -b "$BUNDLE" "$ID"
	# not for the init (config.md)
	pid=$(state_field "$ID" pid)
	[[ $(awk '/Cpus_allowed_list/ { print $2 }' /proc/$pid/status) != 0 ]] ||
		[[ $(nproc) -eq 1 ]]
	run calyx exec "$ID" /bin/sh -c 'grep Cpus_allowed_list /proc/self/status'
	expect_status 0
	[[ $output == *$'\t0' ]] || fail "$output"
	calyx delete -f "$ID"
}

@test "HOME comes from the container's /etc/passwd when process.env has none, else /" {
	cfg '.process.env = ["PATH=/bin:/usr/bin"]'
	run_probe /bin/sh -c 'echo "home=$HOME"'
	expect_status 0
	has_line "home=/root"
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	run_probe /bin/sh -c 'echo "home=$HOME"'
	expect_status 0
	has_line "home=/"
	cfg '.process.env += ["HOME=/given"]'
	run_probe /bin/sh -c 'echo "home=$HOME"'
	expect_status 0
	has_line "home=/given"
}

@test "exec gets HOME the same way" {
	cfg '.process.env = ["PATH=/bin:/usr/bin"]'
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
	run calyx exec "$ID" /bin/sh -c 'echo "home=$HOME"'
	expect_status 0
	has_line "home=/root"
	run calyx exec --user 65534:65534 "$ID" /bin/sh -c 'echo "home=$HOME"'
	expect_status 0
	has_line "home=/nonexistent"
	calyx delete -f "$ID"
}

@test "a process.cwd missing from the rootfs is made (root's, 0755), read-only root too" {
	cfg '.process.cwd = "/work/dir"'
	run_probe /bin/sh -c 'pwd; stat -c "%u %a" .'
	expect_status 0
	has_line /work/dir
	has_line "0 755"
	[[ -d $BUNDLE/rootfs/work/dir ]]
	cfg '.process.cwd = "/other/dir" | .root.readonly = true'
	run_probe /bin/sh -c 'pwd; touch x 2>/dev/null || echo read-only'
	expect_status 0
	has_line /other/dir
	has_line read-only
}

@test "the container starts with default signal actions and a session of its own" {
	set_args /bin/sh -c 'grep SigIgn /proc/self/status; echo "sid=$(cut -d" " -f6 /proc/self/stat)"'
	# what a caller under nohup, or a shell's trap, ignores is not inherited
	run bash -c 'trap "" INT QUIT HUP PIPE; exec "$0" --root "$1" run -b "$2" "$3"' \
		"$CALYX" "$STATE_ROOT" "$BUNDLE" "$ID"
	expect_status 0
	has_line "SigIgn:	0000000000000000"
	has_line "sid=1"
}

@test "exec'd processes lead their own session too" {
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
	run calyx exec "$ID" /bin/sh -c 'echo "sid=$(cut -d" " -f6 /proc/self/stat) pid=$$"'
	expect_status 0
	read -r sid pid <<<"${lines[0]}"
	[[ ${sid#sid=} == "${pid#pid=}" ]] || fail "${lines[0]}"
	calyx delete -f "$ID"
}

# runc enters process.cwd before it switches to the user, and again after
# only when root was refused.
@test "cwd the user cannot reach but root can (/root for uid 1000)" {
	cfg '.process.cwd = "/root" | .process.user = {"uid": 1000, "gid": 1000}'
	run_probe /bin/probe cwd
	expect_status 0
	has_line cwd=/root
}

# Older engine profiles predate close_range, openat2, execveat; without
# no_new_privs the filter goes in before the runtime is done.
@test "seccomp: a profile without close_range, openat2 and execveat runs with noNewPrivileges false" {
	cfg --slurpfile d "$TOP/seccomp/default.json" '
		.process.noNewPrivileges = false
		| .linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO",
			"syscalls": [{"action": "SCMP_ACT_ALLOW",
				"names": ([$d[0].syscalls[] | select(.action == "SCMP_ACT_ALLOW")
					| .names[]] | unique
					- ["close_range", "openat2", "execveat"])}]}'
	run_probe sh -c 'echo ran; grep Seccomp: /proc/self/status'
	expect_status 0
	has_line ran
	has_line $'Seccomp:\t2'
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1
	run calyx exec "$ID" sh -c 'echo exec-ran'
	expect_status 0
	has_line exec-ran
	calyx delete -f "$ID"
}

# runc: with a deny-by-default profile, a syscall newer than every one the
# profile names is ENOSYS (libc then falls back), a named one keeps its action.
@test "seccomp: syscalls newer than the profile knows get ENOSYS, named ones their action" {
	[[ $(uname -m) == x86_64 ]] || skip "syscall numbers below are x86_64's"
	# runc adds the ENOSYS stub for the architectures the profile lists
	cfg --slurpfile d "$TOP/seccomp/default.json" '
		.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO",
			"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
			"syscalls": [{"action": "SCMP_ACT_ALLOW",
				"names": ([$d[0].syscalls[] | select(.action == "SCMP_ACT_ALLOW")
					| .names[]] | unique - ["kcmp", "tkill"])},
				{"names": ["kcmp"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	# 1000 and 100000: no such syscall; kcmp (312) named; tkill (200) the default
	run_probe sh -c 'probe syscall 1000; probe syscall 100000; probe syscall 312; probe syscall 200'
	expect_status 0
	[[ ${lines[0]} == syscall=ENOSYS ]] || fail "syscall 1000: $output"
	[[ ${lines[1]} == syscall=ENOSYS ]] || fail "syscall 100000: $output"
	[[ ${lines[2]} == syscall=EPERM ]] || fail "kcmp: $output"
	[[ ${lines[3]} == syscall=EPERM ]] || fail "tkill: $output"
}
