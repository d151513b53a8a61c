#!/usr/bin/env bats
# Container escapes of runc/crun's history, each reproduced against calyx.
# Every test names its CVE; where calyx's design already holds, the test
# documents it.

load helpers
bats_require_minimum_version 1.5.0

ALL_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_DAC_READ_SEARCH","CAP_FOWNER",
"CAP_FSETID","CAP_KILL","CAP_SETGID","CAP_SETUID","CAP_SETPCAP",
"CAP_LINUX_IMMUTABLE","CAP_NET_BIND_SERVICE","CAP_NET_BROADCAST",
"CAP_NET_ADMIN","CAP_NET_RAW","CAP_IPC_LOCK","CAP_IPC_OWNER","CAP_SYS_MODULE",
"CAP_SYS_RAWIO","CAP_SYS_CHROOT","CAP_SYS_PTRACE","CAP_SYS_PACCT",
"CAP_SYS_ADMIN","CAP_SYS_BOOT","CAP_SYS_NICE","CAP_SYS_RESOURCE",
"CAP_SYS_TIME","CAP_SYS_TTY_CONFIG","CAP_MKNOD","CAP_LEASE","CAP_AUDIT_WRITE",
"CAP_AUDIT_CONTROL","CAP_SETFCAP","CAP_MAC_OVERRIDE","CAP_MAC_ADMIN",
"CAP_SYSLOG","CAP_WAKE_ALARM","CAP_BLOCK_SUSPEND","CAP_AUDIT_READ",
"CAP_PERFMON","CAP_BPF","CAP_CHECKPOINT_RESTORE"]'

setup_file()
{
	common_setup_file
	# the attacker of CVE-2019-5736 / CVE-2016-9962, static like the probe
	cc -O2 -static -o "$BATS_FILE_TMPDIR/exe-attack" \
		"$TOP/tests/helpers/exe-attack.c"
}

# Every capability we have (ALL_CAPS is in bit order), no user namespace:
# the "privileged" container.
privileged()
{
	local bnd c
	bnd=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
	c=$(jq -c --argjson b "$bnd" 'to_entries
		| map(select((($b / pow(2; .key)) | floor) % 2 == 1) | .value)' \
		<<< "$ALL_CAPS")
	cfg --argjson c "$c" '.process.capabilities =
		{"bounding": $c, "effective": $c, "permitted": $c}
		| .process.noNewPrivileges = false'
}

# Nothing may be mounted at or below a host path.
not_mounted()
{
	! grep -qF " $1" /proc/self/mountinfo ||
		fail "mounted on the host: $(grep -F " $1" /proc/self/mountinfo)"
}

# Lets the attacker in the container (tests/helpers/exe-attack.c, waiting for
# /go) finish, shows what it wrote to $1 and fails if it reached the host: a
# host path through /proc/PID/{root,cwd,fd}, or an exe opened for writing.
attack_verdict()
{
	local i
	touch "$BUNDLE/rootfs/go"
	for ((i = 0; i < 100; i++)); do
		grep -q '^caught=' "$1" && break
		sleep 0.05
	done
	output=$(cat "$1")
	echo "$output"
	[[ $output == *caught=* ]] || fail "the attacker never finished"
	[[ $output != *escape=* ]] || fail "host paths reached through /proc"
	[[ $output != *write=OK* ]] || fail "an exe was opened for writing"
}

@test "CVE-2019-5736, CVE-2016-9962: exec into a privileged container leaks neither the runtime binary nor host paths" {
	calyx_only
	local copy=$BATS_TEST_TMPDIR/calyx-copy marker=$BATS_TEST_TMPDIR/host-secret
	local before i pid
	cp "$CALYX" "$copy"
	before=$(sha256sum < "$copy")
	echo secret > "$marker"
	mkdir -p "$BATS_TEST_TMPDIR/cwd"
	echo secret > "$BATS_TEST_TMPDIR/cwd/host-secret"
	cp "$BATS_FILE_TMPDIR/exe-attack" "$BUNDLE/rootfs/bin/exe-attack"
	privileged
	set_args /bin/exe-attack /go "$marker"
	"$copy" --root "$STATE_ROOT" run -d -b "$BUNDLE" "$ID" \
		< /dev/null > "$BATS_TEST_TMPDIR/attack.out" 2>&1 ||
		fail "run: $(cat "$BATS_TEST_TMPDIR/attack.out")"
	# the runtime's own exe is a read-only view while `exec` runs
	"$copy" --root "$STATE_ROOT" exec "$ID" /bin/sleep 2 &
	pid=$!
	sleep 0.2
	python3 -c 'import os, sys
sys.exit(0 if os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY else 1)' \
		"/proc/$pid/exe" || fail "calyx exec runs from a writable binary"
	wait "$pid"
	# the attacker scans /proc while execs come and go; cwd and root of
	# calyx are where the marker is
	for ((i = 0; i < 25; i++)); do
		(cd "$BATS_TEST_TMPDIR/cwd" &&
			"$copy" --root "$STATE_ROOT" exec "$ID" /bin/true)
	done
	attack_verdict "$BATS_TEST_TMPDIR/attack.out"
	[[ $output == *"escapes=0"* ]]
	[ "$(sha256sum < "$copy")" = "$before" ]
	"$copy" --root "$STATE_ROOT" delete -f "$ID"
}

@test "CVE-2024-21626: no fd but stdio reaches the container process (run and exec)" {
	run_probe /bin/probe fds
	expect_status 0
	[[ $output != *fd* ]] || fail "leaked fds: $output"
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	run calyx exec "$ID" /bin/probe fds
	expect_status 0
	[[ $output != *fd* ]] || fail "leaked fds in exec: $output"
}

@test "CVE-2024-21626: process.cwd through /proc/self/fd/N cannot escape" {
	local n
	for n in 3 4 5 6 7 8; do
		cfg --arg c "/proc/self/fd/$n" '.process.cwd = $c'
		run_probe /bin/probe cwd
		if [[ $status -eq 0 ]]; then
			[[ $output == cwd=/* && $output != *unreachable* ]] ||
				fail "cwd outside the root: $output"
		fi
	done
}

@test "CVE-2021-30465: a mount destination that is a symlink out of the rootfs lands inside it" {
	local host=$BATS_TEST_TMPDIR/host-target
	mkdir -p "$host"
	ln -s "$host" "$BUNDLE/rootfs/evil"
	ln -s ../../../../../../../.. "$BUNDLE/rootfs/up"
	add_mount /evil tmpfs tmpfs
	add_mount /up/tmp/x tmpfs tmpfs
	run_probe /bin/probe exit 0
	not_mounted "$host"
	[ -z "$(ls -A "$host")" ] || fail "created on the host: $(ls -A "$host")"
	[ ! -e /tmp/x ] || ! grep -q ' /tmp/x ' /proc/self/mountinfo
}

@test "CVE-2021-30465, CVE-2019-19921: a dir swapped with a symlink while mounting stays inside" {
	local host=$BATS_TEST_TMPDIR/host-target i
	mkdir -p "$host"
	add_mount /race/sub tmpfs tmpfs
	mkdir -p "$BUNDLE/rootfs/race"
	(
		for ((i = 0; i < 4000; i++)); do
			rm -rf "$BUNDLE/rootfs/race.tmp"
			ln -sfn "$host" "$BUNDLE/rootfs/race.tmp" &&
				mv -T "$BUNDLE/rootfs/race.tmp" "$BUNDLE/rootfs/race"
			rm -f "$BUNDLE/rootfs/race"
			mkdir -p "$BUNDLE/rootfs/race"
			[[ -e $BATS_TEST_TMPDIR/stop ]] && break
		done
	) &
	for ((i = 0; i < 15; i++)); do
		calyx run -b "$BUNDLE" "$ID-$i" > /dev/null 2>&1 || true
		not_mounted "$host"
	done
	touch "$BATS_TEST_TMPDIR/stop"
	wait
	not_mounted "$host"
	[ -z "$(ls -A "$host")" ] || fail "created on the host: $(ls -A "$host")"
}

@test "CVE-2019-16884, CVE-2023-27561: /proc as a symlink in the rootfs lands on real procfs" {
	rmdir "$BUNDLE/rootfs/proc"
	mkdir -p "$BUNDLE/rootfs/fakeproc"
	ln -s /fakeproc "$BUNDLE/rootfs/proc"
	cfg '.linux.sysctl = {"kernel.domainname": "calyx"}'
	run_probe /bin/probe mounts
	# refused, or followed inside the root: procfs at /fakeproc, masked
	if [[ $status -eq 0 ]]; then
		[[ $(mount_line /fakeproc) == "/fakeproc proc "* ]] ||
			fail "/proc is not procfs: $output"
		[[ $(mount_line /fakeproc/sys) == "/fakeproc/sys proc ro,"* ]] ||
			fail "/proc/sys not read-only: $output"
	fi
	[ -z "$(ls -A "$BUNDLE/rootfs/fakeproc")" ]
}

@test "CVE-2019-16884: a tmpfs mounted over /proc is refused before sysctl writes" {
	add_mount /proc tmpfs tmpfs
	cfg '.linux.sysctl = {"kernel.domainname": "calyx"}'
	run_probe /bin/probe exit 0
	[ "$status" -ne 0 ]
	contains "procfs"
}

@test "CVE-2025-52881: a bind mount over a /proc/sys file does not take the sysctl write" {
	echo original > "$BUNDLE/rootfs/fake-domainname"
	cfg '.mounts += [{"destination": "/proc/sys/kernel/domainname",
		"type": "bind", "source": "'"$BUNDLE/rootfs/fake-domainname"'",
		"options": ["bind"]}]
		| .linux.sysctl = {"kernel.domainname": "calyx-evil"}'
	run_probe /bin/probe exit 0
	[ "$status" -ne 0 ] || true
	[ "$(cat "$BUNDLE/rootfs/fake-domainname")" = original ] ||
		fail "the sysctl write went to the bind-mounted file"
}

@test "CVE-2025-31133: /dev/null replaced by a symlink does not unmask paths" {
	local host=$BATS_TEST_TMPDIR/host-file
	echo host > "$host"
	# the rootfs's own /dev (no tmpfs over it), /dev/null a symlink
	cfg '.mounts |= map(select(.destination | startswith("/dev") | not))'
	mkdir -p "$BUNDLE/rootfs/dev"
	rm -f "$BUNDLE/rootfs/dev/null"
	ln -s "$host" "$BUNDLE/rootfs/dev/null"
	run_probe /bin/probe read /proc/kcore
	[[ $output != *"bytes=5"* ]] || fail "masked path shows the host file"
	[ "$(cat "$host")" = host ]
	not_mounted "$host"
}

@test "CVE-2022-29162: the inheritable capability set is empty unless configured" {
	run_probe /bin/probe caps
	expect_status 0
	has_line CapInh=0000000000000000
	has_line CapAmb=0000000000000000
	set_args /bin/probe sleep 100
	run_detached "$ID"
	run calyx exec "$ID" /bin/probe caps
	expect_status 0
	has_line CapInh=0000000000000000
}

@test "masked and read-only /proc and /sys paths" {
	# (this kernel may have no /proc/kcore: ENOENT is as good)
	run_probe /bin/probe read /proc/kcore
	[[ $output == *"bytes=0"* || $output == *"read=E"* ]] ||
		fail "/proc/kcore readable: $output"
	run_probe /bin/probe read /proc/timer_list
	[[ $output == *"bytes=0"* || $output == *"read=E"* ]] ||
		fail "/proc/timer_list readable: $output"
	run_probe /bin/probe read /proc/keys
	[[ $output == *"bytes=0"* || $output == *"read=E"* ]] || fail "/proc/keys: $output"
	run_probe /bin/probe write /proc/sysrq-trigger
	[[ $output != *"write=OK"* ]] ||
		fail "/proc/sysrq-trigger writable: $output"
	run_probe /bin/probe write /proc/sys/kernel/hostname
	[[ $output == *"write=EROFS"* ]] || fail "/proc/sys writable: $output"
	run_probe /bin/probe stat /sys/firmware
	expect_status 0
	run_probe /bin/probe mounts
	[[ $(mount_line /sys/firmware) == *tmpfs* ]] || fail "/sys/firmware: $output"
}

@test "linux.sysctl: keys of namespaces the container does not own are refused" {
	calyx_only
	cfg '.linux.namespaces |= map(select(.type != "network"))
		| .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run --separate-stderr calyx run -b "$BUNDLE" "$ID"
	expect_error 'linux\.sysctl\.net\.ipv4\.ip_forward'
	cfg '.linux.sysctl = {"kernel.panic": "1"}'
	run --separate-stderr calyx run -b "$BUNDLE" "$ID"
	expect_error 'linux\.sysctl\.kernel\.panic: not namespaced'
	cfg '.linux.sysctl = {"kernel.shmmax": "1"} | .linux.namespaces |= map(select(.type != "ipc"))'
	run --separate-stderr calyx run -b "$BUNDLE" "$ID"
	expect_error 'linux\.sysctl\.kernel\.shmmax'
}

@test "CVE-2024-45310: nested mount destinations in a volume with a symlink do not create on the host" {
	local host=$BATS_TEST_TMPDIR/host-target vol=$BATS_TEST_TMPDIR/volume
	mkdir -p "$host" "$vol"
	ln -s "$host" "$vol/sub"
	add_mount /vol bind "$vol" rbind
	add_mount /vol/sub/deep/dir tmpfs tmpfs
	run_probe /bin/probe exit 0
	not_mounted "$host"
	[ -z "$(ls -A "$host")" ] || fail "created on the host: $(ls -A "$host")"
}

@test "CVE-2023-25809: with a user namespace and no cgroup namespace /sys/fs/cgroup is read-only" {
	requires_ns user
	open_path_to_bundle
	cfg '.linux.namespaces |= map(select(.type != "cgroup"))
		| .linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .mounts |= map(select(.destination != "/sys"))
		| .mounts += [{"destination": "/sys", "type": "bind", "source": "/sys",
			"options": ["rbind", "nosuid", "noexec", "nodev", "ro"]},
			{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
			"options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
	run_probe /bin/probe mounts
	expect_status 0
	# what is visible: the configured mount and everything after it
	local l i last=-1
	for i in "${!lines[@]}"; do
		[[ ${lines[i]} == "/sys/fs/cgroup "* ]] && last=$i
	done
	((last >= 0)) || fail "no /sys/fs/cgroup mount: $output"
	for l in "${lines[@]:last}"; do
		[[ $l == /sys/fs/cgroup* ]] || continue
		[[ $l == *" ro,"* ]] || fail "writable cgroup mount: $l"
	done
	run_probe /bin/probe write /sys/fs/cgroup/cgroup.procs
	[[ $output != *"write=OK"* ]] || fail "host cgroupfs writable: $output"
}

@test "CVE-2026-41579, CVE-2026-47766: a rootfs /dev symlink to a host dir gets no device nodes" {
	local host=$BATS_TEST_TMPDIR/host-dev
	mkdir -p "$host"
	cfg '.mounts |= map(select(.destination | startswith("/dev") | not))'
	rm -rf "$BUNDLE/rootfs/dev"
	ln -s "$host" "$BUNDLE/rootfs/dev"
	run_probe /bin/probe exit 0
	[ -z "$(ls -A "$host")" ] || fail "created on the host: $(ls -A "$host")"
	not_mounted "$host"
}

@test "CVE-2026-30892: exec -u is parsed strictly" {
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	local u
	for u in "0x1" "1:" ":1" "1 " " 1" "-1" "+1" "4294967296" "1:2:3" "" "a" "1:a"; do
		run calyx exec -u "$u" "$ID" /bin/probe ids
		[ "$status" -ne 0 ] || fail "exec -u '$u' was accepted: $output"
	done
	run calyx exec -u 1000:1000 "$ID" /bin/probe ids
	expect_status 0
	has_line uid=1000
	has_line gid=1000
}

@test "no device rule: mknod of a disk fails, and with CAP_MKNOD the device cgroup denies opening it" {
	run_probe /bin/probe mknod /dev/sda-like b 8 0
	[[ $output == *"mknod=EPERM"* ]] || fail "mknod without CAP_MKNOD: $output"
	cfg '.process.capabilities.bounding += ["CAP_MKNOD"]
		| .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]'
	set_args /bin/sh -c '/bin/probe mknod /dev/sda-like b 8 0; /bin/probe read /dev/sda-like'
	run calyx run -b "$BUNDLE" "$ID"
	[[ $output != *"read=OK"* ]] || fail "host disk readable: $output"
}

# What tests/helpers/seccomp-listener.py wrote to $1: one notify fd, the
# metadata, this container in status $2.  Leaves $output and $lines set.
expect_listener_facts()
{
	output=$(cat "$1")
	mapfile -t lines <<< "$output"
	has_line fds=1
	has_line fd_fields=seccompFd
	has_line metadata=calyx-test
	has_line "id=$ID"
	has_line "status=$2"
}

@test "seccomp SCMP_ACT_NOTIFY: the listener gets the notify fd and the container state" {
	local sock=$BATS_TEST_TMPDIR/listener.sock out=$BATS_TEST_TMPDIR/listener.out
	python3 "$TOP/tests/helpers/seccomp-listener.py" "$sock" "$out" &
	local lpid=$! i
	for ((i = 0; i < 100; i++)); do
		[[ -S $sock ]] && break
		sleep 0.05
	done
	cfg --arg s "$sock" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"listenerPath": $s, "listenerMetadata": "calyx-test",
		"syscalls": [{"names": ["mknodat"], "action": "SCMP_ACT_NOTIFY"}]}'
	run_probe /bin/probe exit 0
	wait "$lpid"
	expect_status 0
	expect_listener_facts "$out" creating
	[[ $(value_of pid) -gt 0 ]]
}

@test "seccomp SCMP_ACT_NOTIFY: exec hands its own listener fd to the agent too" {
	runc_deviates "runc 1.1 does not send the exec's listener"
	local sock=$BATS_TEST_TMPDIR/listener.sock out=$BATS_TEST_TMPDIR/listener
	local lpid i init
	start_listener() {
		rm -f "$sock"
		python3 "$TOP/tests/helpers/seccomp-listener.py" "$sock" "$out.$1" &
		lpid=$!
		for ((i = 0; i < 100; i++)); do
			[[ -S $sock ]] && break
			sleep 0.05
		done
	}
	start_listener create
	cfg --arg s "$sock" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"listenerPath": $s, "listenerMetadata": "calyx-test",
		"syscalls": [{"names": ["mknodat"], "action": "SCMP_ACT_NOTIFY"}]}'
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
	wait "$lpid"
	init=$(state_field "$ID" pid)
	start_listener exec
	run calyx exec "$ID" /bin/probe exit 0
	wait "$lpid"
	expect_status 0
	expect_listener_facts "$out.exec" running
	# the process is the exec'd one, not the container's init
	[[ $(value_of pid) -gt 0 && $(value_of pid) -ne $init ]] || fail "pid: $output (init $init)"
}

@test "CVE-2019-5736 guard costs no memory in the container: a 512 KiB memory limit still starts (run and exec)" {
	# crun copies itself into a memfd charged to the container and needs
	# more; calyx never copies its binary into the container's cgroup
	[[ -z ${CALYX_TEST_SANITIZED:-} ]] ||
		skip "ASan's shadow memory alone is over a 512 KiB limit"
	cfg '.linux.resources.memory = {"limit": 524288}'
	set_args /bin/probe sleep 100
	calyx run -d -b "$BUNDLE" "$ID"
	[[ $(state_field "$ID" status) == running ]]
	run calyx exec "$ID" /bin/probe exit 5
	expect_status 5
	calyx delete -f "$ID"
	# and through the guard (CAP_SYS_PTRACE: re-exec via a read-only view)
	privileged
	cfg '.linux.resources.memory = {"limit": 524288}'
	calyx run -d -b "$BUNDLE" "$ID"
	run calyx exec "$ID" /bin/probe exit 6
	expect_status 6
	calyx delete -f "$ID"
}

@test "LSM labels: apparmorProfile / selinuxLabel on a host without that LSM fail create clearly, nothing left" {
	calyx_only
	if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]] ||
		[[ -d /sys/fs/selinux ]]; then
		skip "an LSM is enabled here: labels would be applied"
	fi
	cfg '.process.apparmorProfile = "calyx-test"'
	run calyx create -b "$BUNDLE" "$ID"
	[[ $status -ne 0 ]]
	[[ ${#lines[@]} -eq 1 ]] || fail "$output"
	contains 'process.apparmorProfile "calyx-test": AppArmor is not enabled'
	assert_nothing_left "$ID"
	cfg 'del(.process.apparmorProfile) | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
	run calyx run -b "$BUNDLE" "$ID"
	[[ $status -ne 0 ]]
	contains "SELinux is not enabled"
	assert_nothing_left "$ID"
}

@test "issue 11.5: with CAP_SYS_PTRACE + CAP_CHECKPOINT_RESTORE an exec opens no host library of the waiting runtime through map_files" {
	# (runc 1.1.5 fails: its waiting `runc init` maps the host's libc and
	# libseccomp, which map_files opens for writing)
	local maps
	set_args /bin/probe exit 0
	create_ct "$ID"
	expect_status 0
	# exactly that pair: no CAP_SYS_ADMIN is needed for map_files
	run calyx exec --cap CAP_SYS_PTRACE --cap CAP_CHECKPOINT_RESTORE "$ID" \
		/bin/sh -c 'grep -c . /proc/1/maps >/dev/null || echo maps=unreadable
		awk "\$6 ~ /^\\// { print \"mapped=\" \$6 }" /proc/1/maps | sort -u
		for f in /proc/1/map_files/*; do
			[ -e "$f" ] || continue
			echo "entry=$(readlink "$f")"
			if (exec 3<>"$f") 2>/dev/null; then
				echo "writable=$(readlink "$f")"
			fi
		done'
	echo "$output"
	expect_status 0
	[[ $output != *maps=unreadable* ]] || fail "the attack did not run: $output"
	# the waiting init is a calyx process and its mappings were readable
	[[ $output == *entry=* ]] || fail "map_files showed nothing: $output"
	# no shared library at all: the only mapped file is the runtime itself
	maps=$(grep '^mapped=' <<< "$output" | sort -u)
	[[ $(grep -c . <<< "$maps") -eq 1 ]] || fail "more than one mapped file: $maps"
	[[ $output != *writable=* ]] || fail "a host file opened for writing: $output"
	calyx delete -f "$ID"
}

@test "hardening: calyx is fully static, PIE, full RELRO, BIND_NOW, with stack protector" {
	calyx_only
	local bin=${CALYX%% *}
	command -v readelf >/dev/null || skip "readelf (binutils) not installed"
	# static: no interpreter, no NEEDED library (nothing for map_files)
	! readelf -lW "$bin" | grep -q 'INTERP' || fail "has a dynamic loader"
	! readelf -dW "$bin" | grep -q '(NEEDED)' ||
		fail "needs: $(readelf -dW "$bin" | grep NEEDED)"
	# PIE (static-pie is ET_DYN)
	readelf -hW "$bin" | grep -q 'Type:.*DYN' || fail "not PIE"
	# full RELRO: a GNU_RELRO segment and BIND_NOW
	readelf -lW "$bin" | grep -q 'GNU_RELRO' || fail "no RELRO segment"
	readelf -dW "$bin" | grep -Eq 'BIND_NOW|FLAGS_1.*NOW' || fail "lazy binding"
	# no executable stack
	readelf -lW "$bin" | grep 'GNU_STACK' | grep -qv 'RWE' || fail "executable stack"
	# the rest reads the symbol table, which an installed binary may lack
	readelf -SW "$bin" | grep -q '\.symtab' ||
		skip "stripped binary: stack protector and FORTIFY not checkable"
	# stack protector: canary checks are compiled in, and calyx's own code
	# uses them (a function with a char array loads the canary, %fs:0x28)
	readelf -sW "$bin" | grep -q '__stack_chk_fail' || fail "no stack protector"
	if command -v objdump >/dev/null && [[ $(uname -m) == x86_64 ]]; then
		objdump -d --disassemble=calyx_write_pid_file "$bin" | grep -q '%fs:0x28' ||
			fail "calyx_write_pid_file has no stack canary"
	fi
	# FORTIFY_SOURCE: checked variants are linked
	readelf -sW "$bin" | grep -Eq '__[a-z]+_chk' || fail "no _FORTIFY_SOURCE"
}

@test "issue 11.9: a device rule of type a with numbers and access grants only those (no /dev/kmsg write, no disk read)" {
	# (runc 1.1.5 fails on cgroup v1: it writes the rule as "a", which the
	# kernel reads as "allow everything")
	cfg '.linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "a", "major": 1, "minor": 3, "access": "r"}]
		| .process.capabilities.bounding += ["CAP_MKNOD"]
		| .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]'
	set_args /bin/sh -c '
		/bin/probe mknod /dev/kmsg-like c 1 11 && /bin/probe write /dev/kmsg-like
		/bin/probe mknod /dev/loop-like b 7 0 && /bin/probe read /dev/loop-like
		/bin/probe read /dev/null'
	run calyx run -b "$BUNDLE" "$ID"
	echo "$output"
	[[ $(grep -c '^mknod=OK' <<< "$output") -eq 2 ]] || fail "mknod: $output"
	# the device cgroup refuses before any driver is asked: EPERM
	has_line write=EPERM
	[[ $(grep -c '^read=EPERM' <<< "$output") -eq 1 ]] || fail "b 7:0 read: $output"
	# what the rule (and the default rules) do grant
	[[ $output == *read=OK* ]] || fail "/dev/null unreadable: $output"
}

@test "issue 11.3: a container joining another's pid namespace never shows it the host's root, cwd or fds" {
	# (runc 1.1.5 and crun fail: their init sets up inside the joined
	# namespace, reachable through /proc/<pid>/root before pivot_root)
	local copy=$BATS_TEST_TMPDIR/rt-copy marker=$BATS_TEST_TMPDIR/host-secret
	local b=$BATS_TEST_TMPDIR/joiner before i apid ns
	cp "$(command -v "${CALYX%% *}")" "$copy"
	before=$(sha256sum < "$copy")
	echo secret > "$marker"
	mkdir -p "$BATS_TEST_TMPDIR/cwd"
	echo secret > "$BATS_TEST_TMPDIR/cwd/host-secret"
	# the joiner: an ordinary container in A's pid namespace
	mkdir -p "$b"
	cp -a "$BUNDLE/rootfs" "$b/rootfs"
	# A: privileged, scanning /proc for what a joiner leaks
	cp "$BATS_FILE_TMPDIR/exe-attack" "$BUNDLE/rootfs/bin/exe-attack"
	privileged
	set_args /bin/exe-attack /go "$marker"
	run_detached "$ID"
	expect_status 0
	apid=$(state_field "$ID" pid)
	ns=/proc/$apid/ns/pid
	jq --arg p "$ns" '.process.args = ["/bin/probe", "exit", "0"]
		| .linux.namespaces |= map(if .type == "pid" then .path = $p else . end)
		| .linux.cgroupsPath = null | del(.linux.cgroupsPath)' \
		"$TOP/examples/hello/config.json" > "$b/config.json"
	for ((i = 0; i < 20; i++)); do
		(cd "$BATS_TEST_TMPDIR/cwd" &&
			"$copy" --root "$STATE_ROOT" run -b "$b" "$ID-j$i" \
			< /dev/null > "$BATS_TEST_TMPDIR/joiner.out" 2>&1) ||
			fail "joiner $i: $(cat "$BATS_TEST_TMPDIR/joiner.out")"
	done
	# the joiner really was in A's namespace: A's procfs showed it (its
	# probe's exe was caught, or at least some process other than A's)
	attack_verdict "$BATS_TEST_TMPDIR/$ID.out"
	[ "$(sha256sum < "$copy")" = "$before" ]
	calyx delete -f "$ID"
}

@test "issue 11.3: joined late, the pid namespace is still A's: /proc, state pid, exec, kill and exit status" {
	local b=$BATS_TEST_TMPDIR/joiner apid bpid
	mkdir -p "$b"
	cp -a "$BUNDLE/rootfs" "$b/rootfs"
	set_args /bin/probe sleep 100
	run_detached "$ID"
	expect_status 0
	apid=$(state_field "$ID" pid)
	jq --arg p "/proc/$apid/ns/pid" '.process.args = ["/bin/sh", "-c",
			"echo a_init=$(ls /proc | grep -c ^1$); echo self=$(readlink /proc/self); exit 7"]
		| .process.oomScoreAdj = 100
		| del(.linux.cgroupsPath)
		| .linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' \
		"$BUNDLE/config.json" > "$b/config.json"
	run calyx run -b "$b" "$ID-j"
	echo "$output"
	# exit status of the process that stayed; A's pid 1 in its /proc
	expect_status 7
	has_line a_init=1
	[[ $output =~ self=[0-9]+ && $output != *self=1$'\n'* ]] || fail "/proc/self: $output"
	# detached: state pid is the process in A's namespace, exec joins it
	jq '.process.args = ["/bin/probe", "sleep", "100"]' "$b/config.json" > "$b/c" &&
		mv "$b/c" "$b/config.json"
	calyx create -b "$b" "$ID-d" < /dev/null > /dev/null 2>&1
	[[ $(state_field "$ID-d" status) == created ]]
	calyx start "$ID-d"
	bpid=$(state_field "$ID-d" pid)
	[ "$(stat -L -c %i "/proc/$bpid/ns/pid")" = "$(stat -L -c %i "/proc/$apid/ns/pid")" ] ||
		fail "state pid $bpid is not in A's pid namespace"
	[ "$(cat "/proc/$bpid/oom_score_adj")" = 100 ]
	run calyx exec "$ID-d" /bin/sh -c 'echo a_init=$(ls /proc | grep -c ^1$)'
	expect_status 0
	has_line a_init=1
	calyx kill "$ID-d" KILL
	wait_for_status "$ID-d" stopped
	calyx delete "$ID-d"
	assert_nothing_left "$ID-d" "$bpid"
	calyx delete -f "$ID"
}
