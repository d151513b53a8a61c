#!/usr/bin/env bats
# containerd 1.6 with its runc shim (io.containerd.runc.v2) drives the
# runtime through `ctr --runc-binary`: a private daemon (own root, state,
# socket and config under $ENG, CRI plugin off), its own namespace and a
# private runtime state root (--runc-root). Under the systemd driver (the
# systemd VM tier) ctr adds --runc-systemd-cgroup, which wants a
# slice:prefix:name --cgroup: the containers are ctr-ID.scope in $ENG_SLICE.

load helpers
. "$BATS_TEST_DIRNAME/../helpers/engines.sh"

IMG=localhost/calyx-test:latest

setup_file()
{
	common_setup_file
	command -v containerd >/dev/null 2>&1 || return 0
	engine_begin
	# the namespace names the containers' cgroup parent: /$NS/<id>
	export NS=$ENG_TAG
	engine_start_containerd
	engine_docker_archive "$ENG/img.tar" "$IMG"
	c image import "$ENG/img.tar" >/dev/null
}

teardown_file()
{
	if [[ -n ${ENG:-} ]]; then
		remove_all
		engine_stop_pidfile "$ENG/c/pid"
		engine_cleanup
	fi
	common_teardown_file
}

setup()
{
	engine_requires containerd ctr
	[[ -n ${ENG:-} ]] || skip "containerd setup failed"
	C=c$BATS_TEST_NUMBER
}

teardown()
{
	remove_all
}

c()
{
	ctr --address "$ENG/c/sock" -n "$NS" "$@"
}

# ctr run with the runtime under test: crun_ [OPTIONS] IMAGE ID [ARGS...]
crun_()
{
	local a sd=()
	if engine_systemd; then
		# the container ID follows the image
		for ((a = 1; a < $#; a++)); do
			[[ ${!a} == "$IMG" ]] || continue
			a=$((a + 1))
			sd=(--runc-systemd-cgroup --cgroup "$ENG_SLICE:ctr:${!a}")
			break
		done
	fi
	c run --runc-binary "$ENG_RUNTIME" --runc-root "$ENG/c/rt" \
		--env "CALYX_TEST_MARK=$CALYX_TEST_RUN" "${sd[@]}" "$@"
}

# The host cgroup dir of container $1 (driver-independent: by its pid)
# carrying controller $2.
ct_cgroup_dir()
{
	engine_cgroup_dir "$(c task ls | awk -v id="$1" '$1 == id { print $2 }')" "$2"
}

remove_all()
{
	local id
	# bounded: a runtime that cannot kill must not hang the suite
	for id in $(c task ls -q 2>/dev/null); do
		timeout 20 ctr --address "$ENG/c/sock" -n "$NS" task kill \
			-s SIGKILL "$id" >/dev/null 2>&1 || true
	done
	for id in $(c task ls -q 2>/dev/null); do
		wait_task_stopped "$id" || true
		timeout 20 ctr --address "$ENG/c/sock" -n "$NS" task delete \
			-f "$id" >/dev/null 2>&1 || true
	done
	for id in $(c container ls -q 2>/dev/null); do
		c container delete "$id" >/dev/null 2>&1 || true
	done
}

task_status()
{
	c task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'
}

wait_task_stopped()
{
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(task_status "$1") != RUNNING && $(task_status "$1") != PAUSED ]] &&
			return 0
		sleep 0.05
	done
	fail "task $1 still $(task_status "$1")"
}

@test "ctr run --rm: output and exit codes" {
	engine_expect 0 crun_ --rm "$IMG" "$C" echo hello-from-ctr
	has_line hello-from-ctr
	engine_expect 7 crun_ --rm "$IMG" "$C" sh -c 'exit 7'
}

@test "ctr run: a missing command shows the runtime's own error" {
	engine_expect 1 crun_ --rm "$IMG" "$C" nosuchcmd
	contains "OCI runtime create failed"
	contains "$ENGINE_NOEXEC_MSG"
}

@test "ctr run -d, task exec, task ps, task metrics" {
	engine_expect 0 crun_ -d "$IMG" "$C" sleep 1000
	[[ $(task_status "$C") == RUNNING ]]
	engine_expect 0 c task exec --exec-id e1 "$C" sh -c 'echo in-exec; cat /proc/1/comm'
	has_line in-exec
	has_line sleep
	engine_expect 4 c task exec --exec-id e2 "$C" sh -c 'exit 4'
	engine_expect 1 c task exec --exec-id e3 "$C" nosuchcmd
	contains "$ENGINE_NOEXEC_MSG"
	local pid
	pid=$(c task ls | awk -v id="$C" '$1 == id { print $2 }')
	engine_expect 0 c task ps "$C"
	contains "$pid"
	# the shim reads the container's cgroup itself
	engine_expect 0 c task metrics "$C"
	contains pids.current
}

@test "ctr task kill: SIGTERM reaches a handler (exit code), SIGKILL ends the task" {
	local out=$ENG/$C.out rc=0
	crun_ --rm "$IMG" "$C" sh -c \
		'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.1; done' \
		> "$out" 2>&1 &
	local ctr_pid=$!
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q ready "$out" 2>/dev/null && break
		sleep 0.05
	done
	engine_expect 0 c task kill "$C"
	wait "$ctr_pid" || rc=$?
	[[ $rc -eq 42 ]] || fail "ctr run exit $rc: $(cat "$out")"
	grep -q got-term "$out"

	engine_expect 0 crun_ -d "$IMG" "$C-k" sleep 1000
	local cg
	cg=$(ct_cgroup_dir "$C-k" pids)
	[[ -d $cg && $cg != /sys/fs/cgroup/ ]] || fail "no cgroup of $C-k: '$cg'"
	engine_expect 0 c task kill -s SIGKILL "$C-k"
	wait_task_stopped "$C-k"
	engine_expect 0 c task delete "$C-k"
	engine_expect 0 c container delete "$C-k"
	[[ ! -d $cg ]] || fail "cgroup of $C-k left: $cg"
	! engine_systemd || engine_assert_gone "$C-k"
	[[ -z $(find "$ENG/c/rt" -mindepth 1 -maxdepth 2 -name "$C-k" 2>/dev/null) ]] ||
		fail "runtime state of $C-k left"
}

@test "ctr task pause / resume" {
	engine_runtime_lacks pause && skip "runtime has no pause command"
	engine_expect 0 crun_ -d "$IMG" "$C" sleep 1000
	engine_expect 0 c task pause "$C"
	[[ $(task_status "$C") == PAUSED ]]
	engine_expect 0 c task resume "$C"
	[[ $(task_status "$C") == RUNNING ]]
	engine_expect 0 c task exec --exec-id e1 "$C" true
	# SIGKILL ends a paused task too
	engine_expect 0 c task pause "$C"
	engine_expect 0 c task kill -s SIGKILL "$C"
	wait_task_stopped "$C"
	engine_expect 0 c task delete "$C"
}

@test "ctr run -t and task exec -t through a pty" {
	command -v script >/dev/null || skip "script(1) not installed"
	local cmd
	printf -v cmd '%q ' ctr --address "$ENG/c/sock" -n "$NS" run -t --rm \
		--runc-binary "$ENG_RUNTIME" --runc-root "$ENG/c/rt" "$IMG" "$C" \
		sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; sleep 0.3; exit 3'
	in_pty "$cmd"
	engine_skip_if_no_tty "$output"
	[[ $status -eq 3 ]] || fail "run -t: exit $status: $output"
	contains /dev/pts/
	contains both-tty

	engine_expect 0 crun_ -d "$IMG" "$C-x" sleep 1000
	printf -v cmd '%q ' ctr --address "$ENG/c/sock" -n "$NS" task exec -t \
		--exec-id t1 "$C-x" sh -c '[ -t 0 ] && echo exec-tty; sleep 0.3; exit 4'
	in_pty "$cmd"
	[[ $status -eq 4 ]] || fail "exec -t: exit $status: $output"
	contains exec-tty
}

@test "ctr run --memory-limit: the limit is on the container's cgroup" {
	# ctr's default spec mounts no cgroupfs: read the host side
	engine_expect 0 crun_ -d --memory-limit 67108864 "$IMG" "$C" sleep 1000
	local cg f
	cg=$(ct_cgroup_dir "$C" memory)
	# cgroupfs: /NS/ID; systemd: ctr-ID.scope in the slice
	if engine_systemd; then
		[[ $cg == */"$ENG_SLICE/ctr-$C.scope" ]] || fail "cgroup $cg"
	else
		[[ $cg == */"$NS/$C" ]] || fail "cgroup $cg"
	fi
	f=$cg/memory.max
	[[ -f $f ]] || f=$cg/memory.limit_in_bytes
	[[ $(cat "$f") == 67108864 ]] || fail "$f: $(cat "$f")"
	engine_unit_prop "ctr-$C.scope" MemoryMax 67108864
}

@test "ctr run --privileged, --with-ns, --no-pivot, --seccomp, --read-only, --cap-drop, --mount, --net-host" {
	engine_expect 0 crun_ --rm --privileged "$IMG" "$C-p" grep CapEff /proc/self/status
	[[ $output != *0000000000000000* ]] || fail "privileged: $output"
	engine_expect 0 crun_ -d "$IMG" "$C-a" sleep 1000
	local pid
	pid=$(c task ls | awk -v id="$C-a" '$1 == id { print $2 }')
	engine_expect 0 crun_ --rm --with-ns "pid:/proc/$pid/ns/pid" "$IMG" "$C-w" \
		cat /proc/1/comm
	has_line sleep
	engine_expect 0 crun_ --rm --no-pivot "$IMG" "$C-n" echo no-pivot
	has_line no-pivot
	engine_expect 0 crun_ --rm --seccomp --read-only --cap-drop CAP_CHOWN \
		"$IMG" "$C-s" sh -c 'grep -E "^(Seccomp|CapEff):" /proc/self/status
			touch /x 2>/dev/null && echo wrote-root; chown 1 /tmp 2>/dev/null && echo chowned; echo done'
	has_line $'Seccomp:\t2'
	no_line wrote-root
	no_line chowned
	has_line done
	mkdir -p "$ENG/vol"
	echo data > "$ENG/vol/f"
	engine_expect 0 crun_ --rm --mount "type=bind,src=$ENG/vol,dst=/vol,options=rbind:ro" \
		"$IMG" "$C-m" sh -c 'cat /vol/f; echo x > /vol/g 2>/dev/null && echo wrote-vol; echo done'
	has_line data
	no_line wrote-vol
	local host_if
	host_if=$(awk -F: 'NR > 2 { gsub(/ /, "", $1); if ($1 != "lo") { print $1; exit } }' \
		/proc/net/dev)
	engine_expect 0 crun_ --rm --net-host "$IMG" "$C-h" cat /proc/net/dev
	[[ -z $host_if ]] || contains "$host_if:"
}
