#!/usr/bin/env bats
# The Kubernetes node path: containerd 1.6's CRI plugin drives the runtime
# through the io.containerd.runc.v2 shim, as the kubelet makes it do. A
# private containerd (own root, state, socket, runtime state root; CRI on;
# CNI bridge network) gets a `calyx` runtime handler built from the snippet
# in docs/kubernetes.md with BinaryName = the runtime under test, and the
# tests speak the CRI to it with tests/helpers/cri.py (gRPC stubs generated
# at test time). The pause image (tests/helpers/pause.c) and the test image
# (busybox + probe) are made locally and imported, never pulled. Under the
# systemd driver (the systemd VM tier) the handler has SystemdCgroup = true
# and pods get slices as their cgroup parent, as a kubelet with the systemd
# cgroup driver gives them.

load helpers
. "$BATS_TEST_DIRNAME/../helpers/engines.sh"

PAUSE_IMG=localhost/calyx-pause:test
IMG=localhost/calyx-cri:test

# What the CRI path needs beyond containerd; empty when all is there.
cri_missing()
{
	local p
	for p in containerd ctr ip; do
		command -v "$p" >/dev/null 2>&1 || { echo "$p"; return; }
	done
	# grpc_tools.protoc imports pkg_resources, which Debian 12's
	# python3-grpc-tools does not depend on
	/usr/bin/python3 -c 'import grpc, grpc_tools.protoc' 2>/dev/null ||
		{ echo "python3-grpcio, python3-grpc-tools, python3-pkg-resources"; return; }
	for p in bridge host-local loopback; do
		[[ -x /usr/lib/cni/$p ]] ||
			{ echo "containernetworking-plugins"; return; }
	done
	[[ -x $PAUSE_BIN ]] || echo "the pause program ($PAUSE_BIN)"
}

setup_file()
{
	common_setup_file
	export PAUSE_BIN=${PAUSE:-$(dirname "$(dirname "$PROBE")")/helpers/pause}
	CRI_MISSING=$(cri_missing)
	export CRI_MISSING
	[[ -z $CRI_MISSING ]] || return 0
	ENGINE_HOST_PATHS+=("${ENGINE_CRI_HOST_PATHS[@]}")
	engine_begin
	export ENG_CRI_STUBS=$ENG/cri-stubs
	engine_cri_snapshot
	# a short bridge name (IFNAMSIZ) and a subnet of its own
	export BRIDGE=cx${ENG##*.}
	export SUBNET_PREFIX=10.207.$((RANDOM % 200 + 20))
	engine_cri_cni "$BRIDGE" "$SUBNET_PREFIX.0/24"
	engine_start_containerd_cri "$PAUSE_IMG"

	mkdir -p "$ENG/pause-root"
	cp "$PAUSE_BIN" "$ENG/pause-root/pause"
	engine_image_archive_of "$ENG/pause.tar" "$PAUSE_IMG" "$ENG/pause-root" '{"Entrypoint": ["/pause"]}'
	engine_image_archive_of "$ENG/img.tar" "$IMG" "$WORK/rootfs" '{"Entrypoint": ["/bin/sh"]}'
	ctr --address "$ENG/c/sock" -n k8s.io image import "$ENG/pause.tar" >/dev/null
	ctr --address "$ENG/c/sock" -n k8s.io image import "$ENG/img.tar" >/dev/null
	touch "$ENG/ready"
}

teardown_file()
{
	if [[ -n ${ENG:-} ]]; then
		remove_all_pods
		engine_stop_pidfile "$ENG/c/pid"
		engine_cri_cleanup "${BRIDGE:-}"
		engine_cleanup
	fi
	common_teardown_file
}

setup()
{
	[[ -z ${CRI_MISSING:-} ]] || skip "not installed: $CRI_MISSING"
	[[ -e ${ENG:-/nonexistent}/ready ]] || skip "CRI setup failed"
	P=p$BATS_TEST_NUMBER
}

teardown()
{
	[[ -e ${ENG:-/nonexistent}/ready ]] && remove_all_pods
	return 0
}

remove_all_pods()
{
	cri remove-pods >/dev/null 2>&1
	return 0
}

# Runs one CRI call ($1 method, $2 request JSON); fails the test with the
# error unless it succeeds. The response is in $output.
cri_ok()
{
	engine_expect 0 cri "$@"
}

# The cgroup parent of pod $1, as the kubelet names it: a cgroupfs path,
# or under the systemd driver a slice (kubepods-...-pod<uid>.slice there).
pod_cgroup_parent()
{
	if engine_systemd; then
		echo "${ENG_SLICE%.slice}-$1.slice"
	else
		echo "/$ENG_TAG/$1"
	fi
}

# A PodSandboxConfig as the kubelet writes it: pod $1, network mode $2
# (NODE or POD), pid mode $3 (CONTAINER or POD). The kubelet sets a
# hostname only for pods with their own network (and UTS) namespace.
pod_config()
{
	local name=$1 net=$2 pid=$3
	mkdir -p "$ENG/logs/$name"
	jq -nc --arg n "$name" --arg net "$net" --arg pid "$pid" \
		--arg logs "$ENG/logs/$name" --arg cg "$(pod_cgroup_parent "$name")" '{
		metadata: {name: $n, uid: ("uid-" + $n), namespace: "calyx-test"},
		log_directory: $logs,
		linux: {cgroup_parent: $cg,
			security_context: {namespace_options:
				{network: $net, pid: $pid, ipc: "POD"}}}}
		| if $net == "POD" then .hostname = ("host-" + $n) else . end'
}

# Runs pod $1 (network $2, pid $3; $4 a jq filter adding to its config):
# sets $POD (its id) and $POD_CFG.
run_pod()
{
	POD_CFG=$(pod_config "$1" "$2" "$3" | jq -c "${4:-.}")
	cri_ok RunPodSandbox "{\"config\": $POD_CFG, \"runtime_handler\": \"calyx\"}"
	POD=$(jq -r .pod_sandbox_id <<< "$output")
}

# A ContainerConfig named $1 running "$2" with sh -c, logging to <name>.log
# in the pod's log directory; $3 is a jq filter adding to it.
ctr_config()
{
	jq -nc --arg n "$1" --arg img "$IMG" --arg cmd "$2" '{
		metadata: {name: $n}, image: {image: $img},
		command: ["sh", "-c", $cmd], log_path: ($n + ".log"),
		envs: [{key: "CALYX_TEST_MARK", value: env.CALYX_TEST_RUN}]}
		| '"${3:-.}"
}

# Creates and starts container $1 in $POD (command $2, extra filter $3):
# sets $CID. Like the kubelet, it gives the container the pod's namespace
# options (a container without them joins the pause's pid namespace).
run_ctr()
{
	local cfg
	cfg=$(ctr_config "$1" "$2" "${3:-.}" | jq -c --argjson pod "$POD_CFG" '
		.linux.security_context.namespace_options //=
			$pod.linux.security_context.namespace_options')
	# CreateContainer + StartContainer
	cri_ok run-container "$POD" "$cfg" "$POD_CFG"
	CID=$(jq -r .container_id <<< "$output")
}

# ExecSync in container $1 with a timeout of 10s: "$@" after it.
xsync()
{
	local cid=$1
	shift
	cri exec-sync "$cid" 10 "$@"
}

# The container's status ($1 id) as JSON, verbose (with its OCI spec).
ctr_status()
{
	cri ContainerStatus "{\"container_id\": \"$1\", \"verbose\": true}"
}

# Waits (up to 20s) until container $1 has exited; its status in $output.
wait_exited()
{
	local i
	for ((i = 0; i < 80; i++)); do
		output=$(ctr_status "$1")
		[[ $(jq -r .status.state <<< "$output") == CONTAINER_EXITED ]] &&
			return 0
		sleep 0.25
	done
	fail "container $1 did not exit: $output"
}

# The host path of cgroup file $2 (v1) / $3 (v2) of container $1, found
# through its pid (the CRI's verbose status). Controller $4 on v1.
ctr_cgroup_file()
{
	local pid cg
	pid=$(ctr_status "$1" | jq -r '.info.info | fromjson | .pid')
	cg=$(engine_cgroup_dir "$pid" "$4")
	[[ -n $cg && -d $cg ]] || fail "no cgroup of $1 (pid $pid)"
	if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
		echo "$cg/$3"
	else
		echo "$cg/$2"
	fi
}

# Processes (shims, containers) whose command line names $1.
pids_naming()
{
	local p
	for p in /proc/[0-9]*; do
		grep -qsaF -- "$1" "$p/cmdline" && echo "${p#/proc/}"
	done
	return 0
}

@test "host-network pod: the pause container and a container run; ExecSync output and exit codes; logs where the CRI asks" {
	run_pod "$P" NODE CONTAINER
	# the pause asks for oomScoreAdj -998; restrict_oom_score_adj (see
	# docs/kubernetes.md) raises it to containerd's own, which the
	# runtime then wrote
	cri_ok PodSandboxStatus "{\"pod_sandbox_id\": \"$POD\", \"verbose\": true}"
	local pause_pid want_oom spec_oom
	pause_pid=$(jq -r '.info.info | fromjson | .pid' <<< "$output")
	spec_oom=$(jq -r '.info.info | fromjson | .runtimeSpec.process.oomScoreAdj' <<< "$output")
	want_oom=$(cat "/proc/$(cat "$ENG/c/pid")/oom_score_adj")
	((spec_oom == (want_oom > -998 ? want_oom : -998))) ||
		fail "pause oomScoreAdj $spec_oom, containerd has $want_oom"
	[[ $(cat "/proc/$pause_pid/oom_score_adj") == "$spec_oom" ]] ||
		fail "pause oom_score_adj $(cat "/proc/$pause_pid/oom_score_adj"), spec $spec_oom"
	run_ctr c1 'echo hello-log; echo err-log >&2; exec sleep 1000'
	engine_expect 3 xsync "$CID" sh -c 'echo out-$((1 + 2)); echo to-err >&2; exit 3'
	has_line out-3
	has_line to-err
	engine_expect 0 xsync "$CID" /bin/probe hostname
	has_line "hostname=$(hostname)"
	# its own pid namespace (pid mode CONTAINER): pid 1 is its command
	engine_expect 0 xsync "$CID" cat /proc/1/comm
	[[ $output == sleep ]] || fail "pid 1 is $output"
	engine_expect 0 xsync "$CID" cat /proc/net/dev
	local host_if
	host_if=$(awk -F: 'NR > 2 { gsub(/ /, "", $1); if ($1 != "lo") { print $1; exit } }' \
		/proc/net/dev)
	[[ -z $host_if ]] || contains "$host_if:"
	# a command the image lacks fails the exec, not the container
	engine_expect 0 xsync "$CID" true
	status=0
	xsync "$CID" nosuchcmd >/dev/null 2>&1 || status=$?
	[[ $status -ne 0 ]] || fail "nosuchcmd succeeded"
	cri_ok ContainerStatus "{\"container_id\": \"$CID\"}"
	[[ $(jq -r .status.state <<< "$output") == CONTAINER_RUNNING ]]

	# the CRI log format: <time> <stream> <F|P> <line>
	local log=$ENG/logs/$P/c1.log
	[[ $(jq -r .status.log_path <<< "$output") == "$log" ]]
	grep -qE '^[0-9T:.+Z-]+ stdout F hello-log$' "$log" || fail "$(cat "$log")"
	grep -qE '^[0-9T:.+Z-]+ stderr F err-log$' "$log" || fail "$(cat "$log")"
}

@test "restrict_oom_score_adj: without it the pause's -998 needs CAP_SYS_RESOURCE (docs/kubernetes.md)" {
	# a second containerd with the documented snippet, the setting off
	local main=$ENG pod_cfg rc=0 out
	ENG=$main/noclamp
	mkdir -p "$ENG"
	engine_cri_cni "$BRIDGE" "$SUBNET_PREFIX.0/24"
	engine_cri_config "$(engine_free_port)" "$PAUSE_IMG"
	sed -i 's/^  restrict_oom_score_adj = true$/  restrict_oom_score_adj = false/' \
		"$ENG/c/config.toml"
	grep -q '^  restrict_oom_score_adj = false$' "$ENG/c/config.toml"
	engine_cri_launch
	ctr --address "$ENG/c/sock" -n k8s.io image import "$main/pause.tar" >/dev/null
	pod_cfg=$(ENG=$main pod_config "$P" NODE CONTAINER)
	out=$(cri RunPodSandbox "{\"config\": $pod_cfg, \"runtime_handler\": \"calyx\"}" 2>&1) ||
		rc=$?
	cri remove-pods >/dev/null 2>&1
	engine_stop_pidfile "$ENG/c/pid"
	ENG=$main
	if (( (0x$(awk '/^CapBnd:/ { print $2 }' /proc/self/status) >> 24) & 1 )); then
		# CAP_SYS_RESOURCE: the pause gets what it asked for
		[[ $rc -eq 0 ]] || fail "RunPodSandbox failed: $out"
	else
		[[ $rc -ne 0 ]] || fail "RunPodSandbox set -998 without CAP_SYS_RESOURCE: $out"
		# calyx names the field (runc's shim error only says "can't
		# get final child's PID from pipe: EOF")
		[[ $(runtime_name) != calyx* ]] ||
			[[ $out == *"process.oomScoreAdj: write -998: Permission denied"* ]] ||
			fail "calyx's message: $out"
	fi
}

@test "CNI pod network: two containers share the pause container's network, IPC and UTS; a pid-shared pod sees one pid namespace; pod sysctls" {
	run_pod "$P" POD POD '.linux.sysctls = {
		"net.ipv4.ip_unprivileged_port_start": "81",
		"kernel.shm_rmid_forced": "1"}'
	cri_ok PodSandboxStatus "{\"pod_sandbox_id\": \"$POD\", \"verbose\": true}"
	local ip pause_pid
	ip=$(jq -r .status.network.ip <<< "$output")
	[[ $ip == "$SUBNET_PREFIX".* ]] || fail "pod IP $ip is not from the CNI network"
	pause_pid=$(jq -r '.info.info | fromjson | .pid' <<< "$output")
	run_ctr a 'exec sleep 1001'
	local a=$CID
	run_ctr b 'exec sleep 1002'
	local b=$CID

	local t want have
	for t in net ipc uts; do
		want=$(readlink "/proc/$pause_pid/ns/$t")
		engine_expect 0 xsync "$a" readlink "/proc/self/ns/$t"
		[[ $output == "$want" ]] || fail "a: $t is $output, pause has $want"
		engine_expect 0 xsync "$b" readlink "/proc/self/ns/$t"
		[[ $output == "$want" ]] || fail "b: $t is $output, pause has $want"
		have=$(readlink "/proc/self/ns/$t")
		[[ $want != "$have" ]] || fail "the pod shares the host's $t namespace"
	done
	engine_expect 0 xsync "$a" ip -o -4 addr show
	contains " $ip/"
	engine_expect 0 xsync "$b" hostname
	has_line "host-$P"
	# the pod's sysctls, set in the pause's namespaces, seen by both
	engine_expect 0 xsync "$b" cat /proc/sys/net/ipv4/ip_unprivileged_port_start \
		/proc/sys/kernel/shm_rmid_forced
	[[ $output == $'81\n1' ]] || fail "pod sysctls: $output"
	# the host reaches the pod through the bridge
	cri exec-sync "$a" 10 sh -c 'echo pong | nc -l -p 8080' >/dev/null 2>&1 &
	local reply="" i
	for ((i = 0; i < 40; i++)); do
		reply=$(timeout 2 bash -c "exec 3<>/dev/tcp/$ip/8080 && cat <&3" 2>/dev/null) &&
			[[ -n $reply ]] && break
		sleep 0.1
	done
	wait
	[[ $reply == pong ]] || fail "no reply from $ip:8080: '$reply'"

	# pid mode POD: the pause program is pid 1 of both, each sees the other
	engine_expect 0 xsync "$a" cat /proc/1/comm
	[[ $output == pause ]] || fail "pid 1 of a is $output"
	engine_expect 0 xsync "$b" ps -o args
	contains "sleep 1001"
	contains "sleep 1002"
	want=$(readlink "/proc/$pause_pid/ns/pid")
	engine_expect 0 xsync "$b" readlink /proc/self/ns/pid
	[[ $output == "$want" ]] || fail "b: pid ns $output, pause has $want"
}

@test "CreateContainer: resources, mounts, env, run_as_user/group, capabilities, read-only root, masked paths, no_new_privs, seccomp RuntimeDefault and Unconfined" {
	run_pod "$P" NODE CONTAINER
	mkdir -p "$ENG/vol-$P"
	echo volume-data > "$ENG/vol-$P/f"
	run_ctr sec 'exec sleep 1000' '
		.envs += [{key: "GREETING", value: "hello cri"}]
		| .mounts = [{host_path: "'"$ENG/vol-$P"'", container_path: "/vol",
			      readonly: true}]
		| .linux = {
			resources: {memory_limit_in_bytes: 67108864,
				    cpu_period: 100000, cpu_quota: 50000,
				    cpu_shares: 256, oom_score_adj: 500},
			security_context: {
				run_as_user: {value: 1000},
				run_as_group: {value: 2000},
				supplemental_groups: [3000],
				capabilities: {add_capabilities: ["NET_ADMIN"],
					       drop_capabilities: ["CHOWN"]},
				readonly_rootfs: true,
				masked_paths: ["/proc/kcore", "/proc/keys",
					       "/sys/firmware"],
				readonly_paths: ["/proc/sys", "/proc/sysrq-trigger"],
				no_new_privs: true,
				seccomp: {profile_type: "RuntimeDefault"}}}'
	local sec=$CID
	engine_expect 0 xsync "$sec" sh -c '[ -c /proc/keys ] && echo keys-masked
		[ -z "$(ls /sys/firmware)" ] && echo firmware-masked
		grep -qE "^([^ ]+ ){4}/proc/sys ro[ ,]" /proc/self/mountinfo && echo proc-sys-ro
		echo "g=$GREETING"; id -u; cat /vol/f
		echo "groups=$(id -g) $(id -G)"; echo "oom=$(cat /proc/1/oom_score_adj)"
		echo x > /vol/g 2>/dev/null && echo wrote-vol
		touch /newfile 2>/dev/null && echo wrote-root
		grep -E "^(NoNewPrivs|Seccomp|CapBnd):" /proc/1/status'
	has_line "g=hello cri"
	# masked and read-only paths (the kubelet sends its defaults)
	[[ ! -e /proc/keys ]] || has_line keys-masked
	[[ -z $(ls /sys/firmware 2>/dev/null) ]] || has_line firmware-masked
	has_line proc-sys-ro
	has_line 1000
	has_line volume-data
	has_line "groups=2000 2000 3000"
	has_line oom=500
	no_line wrote-vol
	no_line wrote-root
	has_line $'NoNewPrivs:\t1'
	has_line $'Seccomp:\t2'
	local bnd
	bnd=$(awk '/^CapBnd:/ { print $2 }' <<< "$output")
	(( (0x$bnd >> 12) & 1 )) || fail "NET_ADMIN not in the bounding set: $bnd"
	(( !((0x$bnd >> 0) & 1) )) || fail "CHOWN still in the bounding set: $bnd"

	# resources on the host's cgroup of the container
	local f
	f=$(ctr_cgroup_file "$sec" memory.limit_in_bytes memory.max memory)
	[[ $(cat "$f") == 67108864 ]] || fail "$f: $(cat "$f")"
	f=$(ctr_cgroup_file "$sec" cpu.cfs_quota_us cpu.max cpu)
	[[ $(cat "$f") == 50000 || $(cat "$f") == "50000 100000" ]] || fail "$f: $(cat "$f")"

	# Unconfined: no filter, and no no_new_privs unless asked
	run_ctr unconf 'exec sleep 1000' '.linux.security_context.seccomp =
		{profile_type: "Unconfined"}'
	engine_expect 0 xsync "$CID" grep -E '^(Seccomp|NoNewPrivs):' /proc/1/status
	has_line $'Seccomp:\t0'
	has_line $'NoNewPrivs:\t0'
}

@test "Exec and Attach: the streaming server's URLs run the command and reach the container's stdio; terminals" {
	run_pod "$P" NODE CONTAINER
	run_ctr att 'while read -r line; do echo "got:$line"; done' \
		'.stdin = true'
	cri_ok Exec "{\"container_id\": \"$CID\", \"cmd\": [\"sh\", \"-c\",
		\"echo via-exec; echo exec-err >&2; exit 5\"], \"stdout\": true,
		\"stderr\": true}"
	local url
	url=$(jq -r .url <<< "$output")
	[[ $url == http://127.0.0.1:* ]] || fail "exec URL: $url"
	engine_expect 5 cri stream "$url"
	has_line via-exec
	has_line exec-err

	cri_ok Attach "{\"container_id\": \"$CID\", \"stdin\": true,
		\"stdout\": true}"
	url=$(jq -r .url <<< "$output")
	engine_expect 0 cri stream "$url" --stdin $'attached-ok\n' --until got:attached-ok
	contains got:attached-ok

	# a terminal: the runtime gets a console socket from the shim. With
	# stdin, as kubectl exec -t comes with -i: containerd 1.6 drops a tty
	# exec's output when no stdin is streamed (runc's too)
	cri_ok Exec "{\"container_id\": \"$CID\", \"cmd\": [\"sh\", \"-c\",
		\"tty; [ -t 1 ] && echo is-a-tty; exit 4\"], \"stdout\": true,
		\"stdin\": true, \"tty\": true}"
	url=$(jq -r .url <<< "$output")
	engine_expect 4 cri stream "$url"
	contains /dev/pts/
	contains is-a-tty
	run_ctr ttyc 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; exec sleep 1000' \
		'.tty = true | .stdin = true'
	engine_expect 0 xsync "$CID" true
	local log=$ENG/logs/$P/ttyc.log i
	for ((i = 0; i < 40; i++)); do
		grep -q both-tty "$log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q 'stdout F /dev/pts/' "$log" || fail "tty container: $(cat "$log")"
	grep -q 'both-tty' "$log" || fail "tty container: $(cat "$log")"
}

@test "ContainerStats, ListContainerStats and UpdateContainerResources landing in the cgroup" {
	run_pod "$P" NODE CONTAINER
	run_ctr st 'i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; exec sleep 1000' \
		'.linux.resources = {memory_limit_in_bytes: 67108864}'
	cri_ok ContainerStats "{\"container_id\": \"$CID\"}"
	[[ $(jq -r .stats.attributes.id <<< "$output") == "$CID" ]]
	(($(jq -r '.stats.memory.working_set_bytes.value // 0' <<< "$output") > 0)) ||
		fail "no memory usage: $output"
	(($(jq -r '.stats.cpu.usage_core_nano_seconds.value // 0' <<< "$output") > 0)) ||
		fail "no cpu usage: $output"
	cri_ok ListContainerStats "{\"filter\": {\"pod_sandbox_id\": \"$POD\"}}"
	[[ $(jq -r '.stats | length' <<< "$output") == 1 ]] || fail "$output"
	[[ $(jq -r '.stats[0].attributes.id' <<< "$output") == "$CID" ]]

	cri_ok UpdateContainerResources "{\"container_id\": \"$CID\", \"linux\": {
		\"memory_limit_in_bytes\": 100663296, \"cpu_period\": 100000,
		\"cpu_quota\": 20000, \"cpu_shares\": 512, \"cpuset_cpus\": \"0\"}}"
	local f
	f=$(ctr_cgroup_file "$CID" memory.limit_in_bytes memory.max memory)
	[[ $(cat "$f") == 100663296 ]] || fail "$f: $(cat "$f")"
	f=$(ctr_cgroup_file "$CID" cpu.cfs_quota_us cpu.max cpu)
	[[ $(cat "$f") == 20000 || $(cat "$f") == "20000 100000" ]] || fail "$f: $(cat "$f")"
	f=$(ctr_cgroup_file "$CID" cpuset.cpus cpuset.cpus cpuset)
	[[ $(cat "$f") == 0 ]] || fail "$f: $(cat "$f")"
	# the systemd driver updates the unit too
	engine_unit_prop "cri-containerd-$CID.scope" MemoryMax 100663296
	engine_unit_prop "cri-containerd-$CID.scope" CPUQuotaPerSecUSec 200ms
	engine_unit_prop "cri-containerd-$CID.scope" AllowedCPUs 0
	cri_ok ContainerStatus "{\"container_id\": \"$CID\"}"
	[[ $(jq -r .status.resources.linux.memory_limit_in_bytes <<< "$output") == 100663296 ]] ||
		[[ $(jq -r .status.resources <<< "$output") == null ]] || fail "$output"
}

@test "StopContainer: SIGTERM first, SIGKILL when the grace period ends" {
	run_pod "$P" NODE CONTAINER
	run_ctr term 'trap "echo got-term; exit 42" TERM; while :; do sleep 0.1; done'
	local term=$CID
	run_ctr stubborn 'trap "" TERM; while :; do sleep 0.1; done'
	local stubborn=$CID

	cri_ok StopContainer "{\"container_id\": \"$term\", \"timeout\": 10}"
	wait_exited "$term"
	[[ $(jq -r .status.exit_code <<< "$output") == 42 ]] || fail "$output"
	grep -q 'stdout F got-term' "$ENG/logs/$P/term.log"

	local t0=$SECONDS
	cri_ok StopContainer "{\"container_id\": \"$stubborn\", \"timeout\": 2}"
	wait_exited "$stubborn"
	[[ $(jq -r .status.exit_code <<< "$output") == 137 ]] || fail "$output"
	((SECONDS - t0 >= 1)) || fail "SIGKILL came before the grace period"
	cri_ok RemoveContainer "{\"container_id\": \"$stubborn\"}"
	[[ -z $(find "$ENG/c/rt" -mindepth 2 -maxdepth 2 -name "$stubborn") ]] ||
		fail "runtime state of $stubborn left"
}

@test "privileged pod and container with the host's pid and IPC namespaces" {
	run_pod "$P" NODE NODE '.linux.security_context.privileged = true
		| .linux.security_context.namespace_options.ipc = "NODE"'
	run_ctr priv 'exec sleep 1000' '.linux.security_context.privileged = true'
	engine_expect 0 xsync "$CID" sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status
		cat /proc/1/comm; ls /dev'
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' <<< "$output")
	[[ $eff == "$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)" ]] ||
		fail "privileged CapEff $eff"
	has_line $'Seccomp:\t0'
	# the host's pid 1 and the host's devices
	has_line "$(cat /proc/1/comm)"
	[[ ! -e /dev/kmsg ]] || has_line kmsg
	[[ ! -e /dev/loop-control ]] || has_line loop-control
	# /sys writable (only looked at)
	engine_expect 0 xsync "$CID" grep -w sysfs /proc/self/mounts
	contains "sysfs /sys sysfs rw"
	engine_expect 0 xsync "$CID" readlink /proc/self/ns/ipc
	[[ $output == "$(readlink /proc/self/ns/ipc)" ]] || fail "ipc ns $output"
}

@test "an OOM kill is reported in ContainerStatus (reason OOMKilled, exit 137)" {
	run_pod "$P" NODE CONTAINER
	run_ctr oom 'a=xxxxxxxx; while :; do a=$a$a; done' \
		'.linux.resources = {memory_limit_in_bytes: 33554432,
			memory_swap_limit_in_bytes: 33554432}'
	wait_exited "$CID"
	[[ $(jq -r .status.exit_code <<< "$output") == 137 ]] || fail "$output"
	[[ $(jq -r .status.reason <<< "$output") == OOMKilled ]] || fail "$output"
}

@test "RemovePodSandbox leaves no cgroup, mount, netns or runtime state" {
	run_pod "$P" POD CONTAINER
	cri_ok PodSandboxStatus "{\"pod_sandbox_id\": \"$POD\", \"verbose\": true}"
	local netns
	netns=$(jq -r '.info.info | fromjson | .runtimeSpec.linux.namespaces[] |
		select(.type == "network") | .path' <<< "$output")
	[[ -e $netns ]] || fail "no netns at '$netns'"
	run_ctr c1 'exec sleep 1000'
	local c1=$CID
	run_ctr c2 'exec sleep 1000'
	local c2=$CID

	cri_ok StopPodSandbox "{\"pod_sandbox_id\": \"$POD\"}"
	cri_ok RemovePodSandbox "{\"pod_sandbox_id\": \"$POD\"}"
	cri_ok ListPodSandbox '{}'
	[[ $(jq -r '.items | length' <<< "$output") == 0 ]] || fail "$output"
	cri_ok ListContainers '{}'
	[[ $(jq -r '.containers | length' <<< "$output") == 0 ]] || fail "$output"

	local id
	for id in "$POD" "$c1" "$c2"; do
		! grep -qF "$id" /proc/self/mountinfo || fail "a mount of $id is left"
		# no cgroup (cgroupfs: .../ID, systemd: cri-containerd-ID.scope)
		# and no unit, failed or not
		engine_assert_gone "$id"
		[[ -z $(find "$ENG/c/rt" -mindepth 2 -maxdepth 2 -name "$id") ]] ||
			fail "runtime state of $id left"
		[[ -z $(pids_naming "$id") ]] || fail "a process of $id is left"
	done
	if engine_systemd; then
		# the kubelet stops the pod's slice: nothing of the runtime's
		# (a sub-cgroup of a scope) may keep its cgroup
		local slice
		slice=$(pod_cgroup_parent "$P")
		engine_expect 0 systemctl stop "$slice"
		[[ -z $(find /sys/fs/cgroup -type d -name "$slice") ]] ||
			fail "the cgroup of $slice is left: $(find /sys/fs/cgroup -path "*/$slice/*")"
	fi
	[[ ! -e $netns ]] || fail "netns $netns left"
	! ip netns list | grep -qF "$(basename "$netns")" ||
		fail "netns $netns still listed"
	[[ -z $(ip link show master "$BRIDGE" 2>/dev/null) ]] ||
		fail "a veth is left on $BRIDGE: $(ip link show master "$BRIDGE")"
}
