#!/usr/bin/env bats
# podman (with conmon) drives the runtime as it drives runc: a private
# storage root, run root and tmpdir under $ENG, the cgroupfs manager (the
# systemd one in the systemd VM tier, see engines.sh), and an image
# imported from the tests' busybox rootfs. The runtime keeps its
# default state root: podman's cleanup process (`podman container cleanup`,
# run by conmon) drops --runtime-flag, so a private --root would make its
# `delete --force` miss the container.

load helpers
. "$BATS_TEST_DIRNAME/../helpers/engines.sh"

IMG=localhost/calyx-test

setup_file()
{
	common_setup_file
	command -v podman >/dev/null 2>&1 || return 0
	engine_begin
	# root lacks CAP_SYS_RESOURCE here: podman's default rlimits (its own,
	# raised) could not be set by any runtime, so pin them lower
	engine_podman_config 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' \
		"env = [\"CALYX_TEST_MARK=$CALYX_TEST_RUN\"]"
	# podman hands --log FILE --log-format json only to runtimes it lists
	sed 's/^\[engine\]$/&\nruntime_supports_json = ["'"${ENG_RUNTIME##*/}"'"]/' \
		"$ENG/p/containers.conf" > "$ENG/p/json.conf"
	# ... and --cgroups disabled (crun's --cgroup-manager disabled); podman
	# 4.3 reads the key in the singular, whatever its docs say
	sed 's/^\[engine\]$/&\nruntime_supports_nocgroup = ["'"${ENG_RUNTIME##*/}"'"]/' \
		"$ENG/p/containers.conf" > "$ENG/p/nocg.conf"
	engine_podman_import "$IMG"
}

teardown_file()
{
	if [[ -n ${ENG:-} ]]; then
		pm rm -af -t 0 >/dev/null 2>&1 || true
		engine_cleanup
	fi
	common_teardown_file
}

setup()
{
	engine_requires podman conmon
	[[ -n ${ENG:-} ]] || skip "podman setup failed"
	# conmon drops files (e.g. "oom") into its cwd
	cd "$ENG" || return 1
}

teardown()
{
	# bounded: a runtime that cannot kill must not hang the suite
	timeout 60 env CONTAINERS_CONF="$ENG/p/containers.conf" \
		CONTAINERS_STORAGE_CONF="$ENG/p/storage.conf" \
		podman --root "$ENG/p/root" --runroot "$ENG/p/run" \
		--tmpdir "$ENG/p/tmp" --runtime "$ENG_RUNTIME" \
		--cgroup-manager="$ENGINE_CGROUP_DRIVER" rm -af -t 0 >/dev/null 2>&1 || true
	pm pod rm -af -t 0 >/dev/null 2>&1 || true
}

# pm run --rm --network none [OPTIONS] IMAGE ARGS...
prun()
{
	pm run --rm --network none "$@"
}

@test "podman run --rm: output and exit codes" {
	engine_expect 0 prun "$IMG" echo hello-from-podman
	has_line hello-from-podman
	engine_expect 7 prun "$IMG" sh -c 'exit 7'
	engine_expect 0 prun "$IMG" sh -c 'echo out; echo err >&2'
	has_line out
	has_line err
}

@test "podman run: a missing command shows the runtime's own error" {
	# read from the runtime's stderr
	engine_expect 127 prun "$IMG" nosuchcmd
	contains "$ENGINE_NOEXEC_MSG"
	# read from its --log file in JSON
	PM_CONF=$ENG/p/json.conf engine_expect 127 prun "$IMG" nosuchcmd
	contains "$ENGINE_NOEXEC_MSG"
	PM_CONF=$ENG/p/json.conf engine_expect 0 pm run -d --name j \
		--network none "$IMG" sleep 100
	PM_CONF=$ENG/p/json.conf engine_expect 127 pm exec j nosuchcmd
	contains "$ENGINE_NOEXEC_MSG"
}

@test "podman run -d, exec, exec -d, logs, top" {
	engine_expect 0 pm run -d --name t --network none "$IMG" \
		sh -c 'echo started; exec sleep 1000'
	engine_expect 0 pm exec t sh -c 'echo in-exec; echo "pid1=$(cat /proc/1/comm)"'
	has_line in-exec
	has_line pid1=sleep
	# the exec's exit status, not a SIGKILL from the runtime's exit
	engine_expect 3 pm exec t sh -c 'exit 3'
	engine_expect 127 pm exec t nosuchcmd
	contains "$ENGINE_NOEXEC_MSG"
	engine_expect 0 pm exec -e FOO=bar -w /tmp t sh -c 'echo "$FOO $(pwd)"'
	has_line "bar /tmp"
	# a detached exec outlives the runtime process that started it
	engine_expect 0 pm exec -d t sleep 777
	sleep 0.3
	engine_expect 0 pm top t args
	contains "sleep 777"
	engine_expect 0 pm logs t
	has_line started
	engine_expect 0 pm inspect t --format '{{.State.Status}}'
	has_line running
}

@test "podman stop: SIGTERM, then SIGKILL when ignored" {
	engine_expect 0 pm run -d --name trap --network none "$IMG" \
		sh -c 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.1; done'
	sleep 0.3
	engine_expect 0 pm stop -t 10 trap
	engine_expect 0 pm inspect trap --format '{{.State.ExitCode}}'
	has_line 42
	engine_expect 0 pm logs trap
	has_line got-term

	# a pid 1 without a handler ignores SIGTERM: podman escalates
	engine_expect 0 pm run -d --name deaf --network none "$IMG" sleep 1000
	local t0=$SECONDS
	engine_expect 0 pm stop -t 1 deaf
	((SECONDS - t0 < 8)) || fail "stop took $((SECONDS - t0))s"
	engine_expect 0 pm inspect deaf --format '{{.State.ExitCode}}'
	has_line 137
}

@test "podman kill, rm -f of a running container; nothing left" {
	engine_expect 0 pm run -d --name k --network none "$IMG" sleep 1000
	local id
	id=$(pm inspect k --format '{{.Id}}')
	engine_expect 0 pm kill -s USR1 k
	sleep 0.2
	engine_expect 0 pm inspect k --format '{{.State.Status}}'
	has_line running
	engine_expect 0 pm kill k
	engine_expect 0 pm wait k
	has_line 137

	engine_expect 0 pm run -d --name f --network none "$IMG" sleep 1000
	local fid
	fid=$(pm inspect f --format '{{.Id}}')
	engine_expect 0 pm rm -f -t 0 f
	engine_expect 0 pm rm k
	# no cgroup (libpod-ID, systemd: libpod-ID.scope), no unit, conmon's
	# (libpod-conmon-ID.scope) included
	engine_assert_gone "$id" "$fid"
	! "$ENG_RUNTIME" state "$id" >/dev/null 2>&1 ||
		fail "runtime state of $id left"
	! "$ENG_RUNTIME" state "$fid" >/dev/null 2>&1 ||
		fail "runtime state of $fid left"
}

@test "podman run --memory --pids-limit: cgroup limits inside" {
	engine_expect 0 prun --memory 64m --pids-limit 77 "$IMG" sh -c '
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null ||
			cat /sys/fs/cgroup/memory.max
		cat /sys/fs/cgroup/pids/pids.max 2>/dev/null ||
			cat /sys/fs/cgroup/pids.max'
	has_line 67108864
	has_line 77
}

@test "podman run --cap-drop --cap-add, --user, --read-only" {
	engine_expect 0 prun --cap-drop all --cap-add chown "$IMG" sh -c \
		'grep -E "^Cap(Eff|Bnd)" /proc/self/status'
	has_line $'CapEff:\t0000000000000001'
	has_line $'CapBnd:\t0000000000000001'
	# a non-root user must still pass the runtime's create/start handshake
	engine_expect 0 prun --user 65534:65534 "$IMG" id -u
	has_line 65534
	engine_expect 0 prun --read-only "$IMG" sh -c \
		'touch /x 2>/dev/null && echo wrote-root; touch /tmp/y && echo wrote-tmp'
	no_line wrote-root
	has_line wrote-tmp
}

@test "podman run --privileged, --device, --pid/--ipc/--uts host, --tmpfs, --sysctl, --init, -i" {
	# podman hands over host devices with st_mode file modes (S_IFCHR|...)
	engine_expect 0 prun --privileged "$IMG" ls -l /dev/null
	contains "1,   3"
	engine_expect 0 prun --device /dev/null:/dev/mynull "$IMG" sh -c \
		'echo x > /dev/mynull && echo wrote'
	has_line wrote
	engine_expect 0 prun --pid host --ipc host --uts host "$IMG" sh -c \
		'hostname; [ -d /proc/$PPID ] && echo host-pids'
	has_line "$(hostname)"
	engine_expect 0 prun --tmpfs /scratch:size=1m \
		--sysctl net.ipv4.ip_unprivileged_port_start=0 "$IMG" sh -c \
		'grep " /scratch " /proc/mounts; cat /proc/sys/net/ipv4/ip_unprivileged_port_start'
	contains "size=1024k"
	has_line 0
	if [[ -x /usr/libexec/podman/catatonit ]]; then
		engine_expect 0 prun --init "$IMG" cat /proc/1/comm
		[[ $output != cat ]] || fail "--init: pid 1 is $output"
	fi
	status=0
	output=$(echo piped | pm run --rm -i --network none "$IMG" cat 2>&1) || status=$?
	[[ $status -eq 0 && $output == piped ]] || fail "run -i: $status $output"
}

@test "podman restart, update, stats" {
	engine_expect 0 pm run -d --name r --network none "$IMG" sleep 1000
	engine_expect 0 pm restart -t 0 r
	engine_expect 0 pm exec r true
	engine_expect 0 pm update --memory 32m r
	engine_expect 0 pm exec r sh -c \
		'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null ||
			cat /sys/fs/cgroup/memory.max'
	has_line 33554432
	# the systemd driver updates the unit too
	engine_unit_prop "libpod-$(pm inspect r --format '{{.Id}}').scope" MemoryMax 33554432
	engine_expect 0 pm stats --no-stream --format '{{.Name}} {{.PIDs}}' r
	has_line "r 1"
}

@test "podman pod and --pid/--network container: join another container's namespaces" {
	engine_expect 0 pm pod create --name pd --network none
	engine_expect 0 pm run -d --pod pd --name pa "$IMG" sleep 1000
	# a pod shares the infra container's uts, ipc and net namespaces
	local uts ipc
	uts=$(pm exec pa readlink /proc/self/ns/uts)
	ipc=$(pm exec pa readlink /proc/self/ns/ipc)
	engine_expect 0 pm run --rm --pod pd "$IMG" sh -c \
		'readlink /proc/self/ns/uts; readlink /proc/self/ns/ipc'
	has_line "$uts"
	has_line "$ipc"
	engine_expect 0 pm pod rm -f -t 0 pd

	engine_expect 0 pm run -d --name ns1 --network none "$IMG" sleep 1000
	engine_expect 0 pm run --rm --pid container:ns1 --network container:ns1 \
		"$IMG" cat /proc/1/comm
	has_line sleep
	engine_expect 0 pm exec --privileged ns1 grep CapEff /proc/self/status
	[[ $output != *0000000000000000* ]] || fail "exec --privileged: $output"
	engine_expect 0 pm exec -u 65534 ns1 id -u
	has_line 65534
	# commit pauses the container (the runtime's pause/resume) by default
	if ! engine_runtime_lacks pause; then
		engine_expect 0 pm commit ns1 localhost/calyx-committed
		engine_expect 0 pm exec ns1 true
		engine_expect 0 pm rmi -f localhost/calyx-committed
	fi
}

@test "podman run --uidmap (user namespace), --security-opt, --cpus, --cpuset-cpus, --oom-score-adj, --cgroupns" {
	engine_expect 0 prun --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
		"$IMG" sh -c 'cat /proc/self/uid_map; id -u; touch /tmp/x && echo wrote'
	contains "100000"
	has_line 0
	has_line wrote
	engine_expect 0 prun --security-opt seccomp=unconfined \
		--security-opt no-new-privileges "$IMG" \
		grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status
	has_line $'Seccomp:\t0'
	has_line $'NoNewPrivs:\t1'
	engine_expect 0 prun --cpus 0.5 --cpuset-cpus 0 --oom-score-adj 100 "$IMG" sh -c '
		cat /proc/self/oom_score_adj
		cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null ||
			cut -d" " -f1 /sys/fs/cgroup/cpu.max
		cat /sys/fs/cgroup/cpuset/cpuset.cpus 2>/dev/null ||
			cat /sys/fs/cgroup/cpuset.cpus'
	has_line 100
	has_line 50000
	has_line 0
	engine_expect 0 prun --cgroupns private "$IMG" cat /proc/self/cgroup
	[[ $output != *libpod* ]] || fail "cgroupns private shows the host path: $output"
}

@test "podman: a pod with a user namespace (containers join it and get their own pid namespace); an :idmap volume" {
	[[ ${ENG_RUNTIME##*/} == calyx* ]] ||
		skip "runc 1.1 has no idmapped mounts nor pid namespaces in a joined user namespace"
	engine_expect 0 pm pod create --name pu --network none --uidmap 0:100000:65536 --gidmap 0:100000:65536
	engine_expect 0 pm run -d --pod pu --name pua "$IMG" sleep 1000
	local userns
	userns=$(pm exec pua readlink /proc/self/ns/user)
	# not --rm: its cleanup would race with the pod's removal below
	engine_expect 0 pm run --name pub --pod pu "$IMG" sh -c \
		'readlink /proc/self/ns/user; echo "pid=$$"; cat /proc/self/uid_map'
	has_line "$userns"
	has_line pid=1
	contains 100000
	engine_expect 0 pm rm pub
	engine_expect 0 pm pod stop -t 0 pu
	# the kernel may still be tearing the stopped containers' namespaces
	# down, which keeps the pod's shm mount busy for a moment (podman
	# does not retry its unmount): retry only that
	local try
	for ((try = 0; try < 20; try++)); do
		output=$(pm pod rm pu 2>&1) && break
		[[ $output == *"device or resource busy"* ]] || fail "pod rm: $output"
		echo "# pod rm retried: busy shm" >&3
		sleep 0.2
	done
	((try < 20)) || fail "pod rm: $output"

	local vol=$ENG/vol-$BATS_TEST_NUMBER
	mkdir -p "$vol"
	echo data > "$vol/f"
	engine_expect 0 prun --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
		-v "$vol:/vol:idmap" "$IMG" sh -c 'stat -c "owner=%u" /vol/f; echo w > /vol/g && echo wrote'
	has_line owner=0
	has_line wrote
	[[ $(stat -c %u "$vol/g") == 0 ]]
}

@test "podman run --cgroups disabled: no cgroup of its own" {
	[[ ${ENG_RUNTIME##*/} != runc ]] || skip "runc has no --cgroup-manager disabled"
	local pid
	PM_CONF=$ENG/p/nocg.conf engine_expect 0 pm run -d --name nocg --network none \
		--cgroups disabled "$IMG" sleep 1000
	pid=$(pm inspect --format '{{.State.Pid}}' nocg)
	[[ $pid -gt 0 ]] || fail "no pid: $pid"
	# with a cgroup it would sit in libpod-<id> (cgroupfs manager)
	! grep -q libpod "/proc/$pid/cgroup" || fail "in a container cgroup: $(< "/proc/$pid/cgroup")"
	engine_expect 0 pm rm -f -t 0 nocg
}

@test "podman run -v: bind mounts rw and ro" {
	local vol=$ENG/vol-$BATS_TEST_NUMBER
	mkdir -p "$vol"
	echo data > "$vol/f"
	engine_expect 0 prun -v "$vol:/vol" "$IMG" sh -c 'cat /vol/f; echo w > /vol/g'
	has_line data
	[[ $(cat "$vol/g") == w ]]
	engine_expect 1 prun -v "$vol:/vol:ro" "$IMG" sh -c 'echo w > /vol/h'
	[[ ! -e $vol/h ]]
}

@test "podman run --network none: loopback only" {
	engine_expect 0 prun "$IMG" cat /proc/net/dev
	contains "lo:"
	[[ $output != *eth0* ]] || fail "eth0 with --network none: $output"
}

@test "podman run on the default network (netavark bridge)" {
	command -v iptables-save >/dev/null ||
		skip "iptables not installed: netavark needs it"
	[[ -x /usr/lib/podman/netavark ]] || skip "netavark not installed"
	local had_chains=0
	iptables-save 2>/dev/null | grep -q NETAVARK && had_chains=1
	status=0
	output=$(pm run --rm "$IMG" sh -c 'ip -4 addr show eth0' 2>&1) || status=$?
	((had_chains)) || remove_netavark_rules
	mapfile -t lines <<< "$output"
	[[ $status -eq 0 ]] || fail "default network: $output"
	contains "inet 10."
}

# netavark's iptables chains, when this test created them.
remove_netavark_rules()
{
	local t chain
	iptables -D FORWARD -m comment --comment "netavark firewall plugin rules" \
		-j NETAVARK_FORWARD 2>/dev/null || true
	iptables -t nat -D PREROUTING -m addrtype --dst-type LOCAL \
		-j NETAVARK-HOSTPORT-DNAT 2>/dev/null || true
	iptables -t nat -D OUTPUT -m addrtype --dst-type LOCAL \
		-j NETAVARK-HOSTPORT-DNAT 2>/dev/null || true
	iptables -t nat -D POSTROUTING -j NETAVARK-HOSTPORT-MASQ 2>/dev/null || true
	for t in filter nat; do
		for chain in $(iptables-save -t "$t" 2>/dev/null |
			       sed -n 's/^:\(NETAVARK[^ ]*\) .*/\1/p'); do
			iptables -t "$t" -F "$chain" 2>/dev/null || true
		done
		for chain in $(iptables-save -t "$t" 2>/dev/null |
			       sed -n 's/^:\(NETAVARK[^ ]*\) .*/\1/p'); do
			iptables -t "$t" -X "$chain" 2>/dev/null || true
		done
	done
	ip link del podman0 2>/dev/null || true
}

@test "podman pause / unpause" {
	engine_runtime_lacks pause && skip "runtime has no pause command"
	engine_expect 0 pm run -d --name p --network none "$IMG" sleep 1000
	engine_expect 0 pm pause p
	engine_expect 0 pm inspect p --format '{{.State.Status}}'
	has_line paused
	engine_expect 0 pm unpause p
	engine_expect 0 pm exec p true
	# a paused container can be removed by force
	engine_expect 0 pm pause p
	engine_expect 0 pm rm -f -t 1 p
	[[ -z $(find /sys/fs/cgroup -maxdepth 3 -name 'libpod-*') ]] ||
		fail "cgroups left: $(find /sys/fs/cgroup -maxdepth 3 -name 'libpod-*')"
}

@test "podman run -it through a pty; exec -it" {
	command -v script >/dev/null || skip "script(1) not installed"
	# the sleeps: podman (with runc too) may drop the output of a process
	# that exits at once
	local cmd
	printf -v cmd '%q ' env CONTAINERS_CONF="$ENG/p/containers.conf" \
		CONTAINERS_STORAGE_CONF="$ENG/p/storage.conf" \
		podman --root "$ENG/p/root" --runroot "$ENG/p/run" \
		--tmpdir "$ENG/p/tmp" --runtime "$ENG_RUNTIME" \
		--cgroup-manager="$ENGINE_CGROUP_DRIVER" \
		run --rm -it --network none "$IMG" \
		sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; sleep 0.3; exit 5'
	in_pty "$cmd"
	engine_skip_if_no_tty "$output"
	[[ $status -eq 5 ]] || fail "run -it: exit $status: $output"
	contains /dev/pts/
	contains both-tty

	engine_expect 0 pm run -d --name tt --network none "$IMG" sleep 1000
	printf -v cmd '%q ' env CONTAINERS_CONF="$ENG/p/containers.conf" \
		CONTAINERS_STORAGE_CONF="$ENG/p/storage.conf" \
		podman --root "$ENG/p/root" --runroot "$ENG/p/run" \
		--tmpdir "$ENG/p/tmp" --runtime "$ENG_RUNTIME" \
		--cgroup-manager="$ENGINE_CGROUP_DRIVER" \
		exec -it tt sh -c '[ -t 0 ] && echo exec-tty; sleep 0.3; exit 6'
	in_pty "$cmd"
	engine_skip_if_no_tty "$output"
	[[ $status -eq 6 ]] || fail "exec -it: exit $status: $output"
	contains exec-tty
}
