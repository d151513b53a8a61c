#!/usr/bin/env bats
# Docker 20.10 drives the runtime as an extra runtime (--add-runtime calyx=...)
# through its own containerd and the runc shim: a private dockerd (data root,
# exec root, socket, pid file, empty config under $ENG; no iptables, no
# bridge) with containers under the cgroup parent /$ENG_TAG-docker, or with
# native.cgroupdriver=systemd (the systemd VM tier) as docker-ID.scope in
# the slice $ENG_SLICE.

load helpers
. "$BATS_TEST_DIRNAME/../helpers/engines.sh"

IMG=calyx-test

setup_file()
{
	common_setup_file
	command -v dockerd >/dev/null 2>&1 || return 0
	engine_begin
	mkdir -p "$ENG/d"
	echo '{}' > "$ENG/d/daemon.json"
	local cgroups=(--cgroup-parent "/$ENG_TAG-docker")
	engine_systemd && cgroups=(--exec-opt native.cgroupdriver=systemd
				   --cgroup-parent "$ENG_SLICE")
	dockerd --config-file "$ENG/d/daemon.json" --data-root "$ENG/d/root" \
		--exec-root "$ENG/d/exec" --pidfile "$ENG/d/pid" \
		-H "unix://$ENG/d/sock" --iptables=false --ip-masq=false \
		--bridge=none --userland-proxy=false "${cgroups[@]}" \
		--add-runtime "calyx=$ENG_RUNTIME" > "$ENG/d/log" 2>&1 3>&- &
	echo $! > "$ENG/d/dockerd.pid"
	engine_wait_socket "$ENG/d/sock" "$ENG/d/dockerd.pid"
	local i
	for ((i = 0; i < 100; i++)); do
		d version >/dev/null 2>&1 && break
		sleep 0.1
	done
	engine_rootfs_tar | d import - "$IMG" >/dev/null
}

teardown_file()
{
	if [[ -n ${ENG:-} ]]; then
		remove_all
		engine_stop_pidfile "$ENG/d/dockerd.pid"
		engine_cleanup
	fi
	common_teardown_file
}

setup()
{
	engine_requires dockerd
	[[ -n ${ENG:-} ]] || skip "dockerd setup failed"
}

teardown()
{
	remove_all
}

# The 20.10 client that comes with dockerd (a newer one may be first in PATH).
docker_cli()
{
	if [[ -x /usr/bin/docker ]]; then
		echo /usr/bin/docker
	else
		command -v docker
	fi
}

d()
{
	"$(docker_cli)" -H "unix://$ENG/d/sock" "$@"
}

remove_all()
{
	local ids
	ids=$(d ps -aq 2>/dev/null)
	# bounded: a runtime that cannot kill must not hang the suite
	[[ -n $ids ]] && timeout 60 /usr/bin/env DOCKER_HOST="unix://$ENG/d/sock" \
		"$(docker_cli)" rm -f $ids >/dev/null 2>&1
	return 0
}

# d run --runtime calyx --network none [OPTIONS] IMAGE ARGS...
drun()
{
	d run --runtime calyx --network none \
		-e "CALYX_TEST_MARK=$CALYX_TEST_RUN" "$@"
}

@test "docker run --rm: output and exit codes" {
	engine_expect 0 drun --rm "$IMG" echo hello-from-docker
	has_line hello-from-docker
	engine_expect 7 drun --rm "$IMG" sh -c 'exit 7'
	engine_expect 0 drun --rm "$IMG" sh -c 'cat /proc/net/dev'
	[[ $output != *eth0* ]] || fail "eth0 with --network none: $output"
}

@test "docker run: a missing command shows the runtime's own error" {
	engine_expect 127 drun --rm "$IMG" nosuchcmd
	contains "OCI runtime create failed"
	contains "$ENGINE_NOEXEC_MSG"
}

@test "docker run -d, exec, exec -d, top, logs" {
	engine_expect 0 drun -d --name dt "$IMG" sh -c 'echo started; exec sleep 1000'
	engine_expect 0 d exec dt sh -c 'echo in-exec; cat /proc/1/comm'
	has_line in-exec
	has_line sleep
	engine_expect 3 d exec dt sh -c 'exit 3'
	engine_expect 126 d exec dt nosuchcmd
	contains "$ENGINE_NOEXEC_MSG"
	engine_expect 0 d exec -u 65534 -e FOO=bar -w /tmp dt sh -c 'echo "$FOO $(pwd) $(id -u)"'
	has_line "bar /tmp 65534"
	engine_expect 0 d exec -d dt sleep 777
	sleep 0.3
	# top runs the runtime's `ps`
	engine_expect 0 d top dt
	contains "sleep 777"
	engine_expect 0 d logs dt
	has_line started
}

@test "docker stop: SIGTERM, then SIGKILL when ignored; kill; rm -f; nothing left" {
	engine_expect 0 drun -d --name trap "$IMG" \
		sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
	sleep 0.3
	engine_expect 0 d stop -t 10 trap
	engine_expect 0 d inspect trap --format '{{.State.ExitCode}}'
	has_line 42

	engine_expect 0 drun -d --name deaf "$IMG" sleep 1000
	local id t0=$SECONDS
	id=$(d inspect deaf --format '{{.Id}}')
	engine_expect 0 d stop -t 1 deaf
	((SECONDS - t0 < 8)) || fail "stop took $((SECONDS - t0))s"
	engine_expect 0 d inspect deaf --format '{{.State.ExitCode}}'
	has_line 137
	engine_expect 0 d rm deaf
	engine_assert_gone "$id"
	[[ -z $(find "$ENG/d/exec" -name "$id" -path '*runtime-calyx*' 2>/dev/null) ]] ||
		fail "runtime state of $id left"

	engine_expect 0 drun -d --name dk "$IMG" sleep 1000
	engine_expect 0 d kill dk
	engine_expect 0 d wait dk
	has_line 137
	engine_expect 0 drun -d --name df "$IMG" sleep 1000
	engine_expect 0 d rm -f df
}

@test "docker pause / unpause" {
	engine_runtime_lacks pause && skip "runtime has no pause command"
	engine_expect 0 drun -d --name dp "$IMG" sleep 1000
	engine_expect 0 d pause dp
	engine_expect 0 d inspect dp --format '{{.State.Status}}'
	has_line paused
	engine_expect 0 d unpause dp
	engine_expect 0 d exec dp true
	# a paused container can be removed by force
	engine_expect 0 d pause dp
	engine_expect 0 d rm -f dp
	[[ -z $(d ps -aq) ]] || fail "containers left: $(d ps -a)"
}

@test "docker run --memory --pids-limit --cap-drop --user --read-only -v" {
	engine_expect 0 drun --rm --memory 64m --pids-limit 77 "$IMG" sh -c '
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null ||
			cat /sys/fs/cgroup/memory.max
		cat /sys/fs/cgroup/pids/pids.max 2>/dev/null ||
			cat /sys/fs/cgroup/pids.max'
	has_line 67108864
	has_line 77
	engine_expect 0 drun --rm --cap-drop all --cap-add chown "$IMG" sh -c \
		'grep -E "^CapEff" /proc/self/status'
	has_line $'CapEff:\t0000000000000001'
	engine_expect 0 drun --rm --user 65534:65534 "$IMG" id -u
	has_line 65534
	engine_expect 0 drun --rm --read-only "$IMG" sh -c \
		'touch /x 2>/dev/null && echo wrote-root; echo done'
	no_line wrote-root
	has_line done
	local vol=$ENG/vol
	mkdir -p "$vol"
	echo data > "$vol/f"
	engine_expect 0 drun --rm -v "$vol:/vol" "$IMG" sh -c 'cat /vol/f; echo w > /vol/g'
	has_line data
	[[ $(cat "$vol/g") == w ]]
	engine_expect 1 drun --rm -v "$vol:/vol:ro" "$IMG" sh -c 'echo w > /vol/h'
}

@test "docker run -it and exec -it through a pty" {
	command -v script >/dev/null || skip "script(1) not installed"
	local cli cmd
	cli=$(docker_cli)
	printf -v cmd '%q ' "$cli" -H "unix://$ENG/d/sock" run --rm -it \
		--runtime calyx --network none "$IMG" \
		sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; sleep 0.3; exit 5'
	in_pty "$cmd"
	engine_skip_if_no_tty "$output"
	[[ $status -eq 5 ]] || fail "run -it: exit $status: $output"
	contains /dev/pts/
	contains both-tty

	engine_expect 0 drun -d --name tt "$IMG" sleep 1000
	printf -v cmd '%q ' "$cli" -H "unix://$ENG/d/sock" exec -it tt \
		sh -c '[ -t 0 ] && echo exec-tty; sleep 0.3; exit 6'
	in_pty "$cmd"
	[[ $status -eq 6 ]] || fail "exec -it: exit $status: $output"
	contains exec-tty
}

@test "docker update (zeros for what it leaves alone), restart, stats" {
	engine_expect 0 drun -d --name du "$IMG" sleep 1000
	local id pid cg
	id=$(d inspect du --format '{{.Id}}')
	pid=$(d inspect du --format '{{.State.Pid}}')
	engine_expect 0 d update --memory 32m --memory-swap 64m --pids-limit 50 du
	# the JSON Docker sends carries cpu shares/quota/period 0: unset
	engine_expect 0 d update --cpus 0.5 --cpu-shares 512 du
	cg=$(engine_cgroup_dir "$pid" memory)
	if engine_systemd; then
		[[ $cg == */"$ENG_SLICE/docker-$id.scope" ]] || fail "cgroup $cg"
	else
		[[ $cg == */"$ENG_TAG-docker/$id" ]] || fail "cgroup $cg"
	fi
	if [[ -f $cg/memory.max ]]; then
		[[ $(cat "$cg/memory.max") == 33554432 ]]
		# memory+swap 64m: 32m of swap
		[[ $(cat "$cg/memory.swap.max") == 33554432 ]]
		[[ $(cat "$cg/pids.max") == 50 ]]
		[[ $(cat "$cg/cpu.max") == "50000 100000" ]]
		# runc's shares -> weight: 1 + (512 - 2) * 9999 / 262142
		[[ $(cat "$cg/cpu.weight") == 20 ]]
	else
		[[ $(cat "$cg/memory.limit_in_bytes") == 33554432 ]]
		[[ $(cat "$(engine_cgroup_dir "$pid" pids)/pids.max") == 50 ]]
		cg=$(engine_cgroup_dir "$pid" cpu)
		[[ $(cat "$cg/cpu.cfs_quota_us") == 50000 ]]
		[[ $(cat "$cg/cpu.shares") == 512 ]]
	fi
	# and the systemd driver's unit
	engine_unit_prop "docker-$id.scope" MemoryMax 33554432
	engine_unit_prop "docker-$id.scope" TasksMax 50
	engine_unit_prop "docker-$id.scope" CPUQuotaPerSecUSec 500ms
	engine_expect 0 d stats --no-stream --format '{{.Name}} {{.PIDs}}' du
	has_line "du 1"
	engine_expect 0 d restart -t 0 du
	engine_expect 0 d exec du true
}

@test "docker run --memory: an OOM kill is reported" {
	engine_expect 137 drun --name oom --memory 16m --memory-swap 16m "$IMG" \
		sh -c 'x=a; while :; do x=$x$x; done'
	engine_expect 0 d inspect oom --format '{{.State.OOMKilled}}'
	has_line true
}
