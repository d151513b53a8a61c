# shellcheck shell=bash
# Shared by tests/integration/engines-*.bats: private podman, containerd and
# Docker instances that drive $CALYX as their OCI runtime, the way they drive
# runc. Everything an engine writes lives under $ENG (a short dir in /tmp:
# unix socket paths must stay under 108 bytes); what engines leave outside
# it (cgroup dirs, shim processes, runtime state roots) is removed by
# engine_cleanup, even after a failure.
#
# Sourced after tests/integration/helpers.bash ($WORK, $CALYX, fail ...).
#
# The engines use the cgroup driver the helpers do: with
# CALYX_TEST_CGROUP_DRIVER=systemd (the systemd VM tier) each engine is
# configured as on a systemd host (podman's cgroup_manager = "systemd",
# Docker's native.cgroupdriver=systemd, containerd's SystemdCgroup = true),
# so the runtime gets --systemd-cgroup and slice:prefix:name cgroup paths;
# this file's containers then go below the slice $ENG_SLICE.

# The runtime as an absolute path: engines exec it from their own cwd.
engine_runtime()
{
	local rt=${CALYX%% *}
	[[ $rt == */* ]] || rt=$(command -v "$rt") || return 1
	realpath -e "$rt"
}

# Skips the file's tests unless every command named is installed.
engine_requires()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

# The engines' cgroup driver: systemd or cgroupfs.
if [[ ${CALYX_TEST_CGROUP_DRIVER:-} == systemd ]]; then
	ENGINE_CGROUP_DRIVER=systemd
else
	ENGINE_CGROUP_DRIVER=cgroupfs
fi

engine_systemd()
{
	[[ $ENGINE_CGROUP_DRIVER == systemd ]]
}

# Top-level cgroup dirs engines create and share between their instances
# (podman's cgroupfs parent, Docker's default parent) and, for controllers
# the host does not mount, plain dirs they make in /sys/fs/cgroup itself.
# Removed (when empty) only if they appeared during the test file; this
# file's own containers go below the cgroup parent $ENG_TAG instead.
ENGINE_SHARED_CGROUPS=(libpod_parent docker)
ENGINE_PLAIN_CGROUP_DIRS=(hugetlb net_cls net_prio perf_event misc rdma)
# Host paths engines create on first use (dirs go only when empty).
ENGINE_HOST_PATHS=(/run/containerd/s /run/containerd/fifo /run/containerd/runc
		   /run/containerd /run/docker /run/containers/networks/ipam.db
		   /run/containers /run/libpod /etc/docker/key.json
		   /run/calyx /run/runc)

# Records what exists before the engine starts, so cleanup removes only
# what appeared after.
engine_snapshot()
{
	local n d
	{
		for n in "${ENGINE_SHARED_CGROUPS[@]}"; do
			find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d \
				-name "$n" 2>/dev/null
		done
		for d in "${ENGINE_PLAIN_CGROUP_DIRS[@]}"; do
			[[ -e /sys/fs/cgroup/$d ]] && echo "/sys/fs/cgroup/$d"
		done
		for d in "${ENGINE_HOST_PATHS[@]}"; do
			[[ -e $d ]] && echo "$d"
		done
	} > "$ENG/.before"
	cat /proc/sys/net/ipv4/ip_forward > "$ENG/.ip_forward" 2>/dev/null || true
	engine_systemd || return 0
	engine_units > "$ENG/.units"
}

# Under the systemd driver: the scopes and slices systemd has loaded.
engine_units()
{
	systemctl list-units --all --plain --no-legend --type=scope,slice 2>/dev/null |
		awk '{ print $1 }' | sort
}

engine_existed()
{
	grep -qxF "$1" "$ENG/.before" 2>/dev/null
}

# Removes a cgroup dir tree bottom-up (rmdir only: a cgroup with live
# processes stays). With $2 = report, what stays is reported as residue.
engine_rmdir_tree()
{
	local d
	[[ -d $1 ]] || return 0
	while read -r d; do
		rmdir "$d" 2>/dev/null && continue
		[[ ${2:-} == report ]] &&
			echo "residue: cgroup $d could not be removed" \
				>> "${CALYX_TEST_RESIDUE:-/dev/stderr}"
	done < <(find "$1" -depth -type d 2>/dev/null)
}

# Creates $ENG and records the host state. Call first in setup_file.
engine_begin()
{
	ENG=$(mktemp -d /tmp/calyx-eng.XXXXXX)
	chmod 755 "$ENG"
	# names this file's cgroup parent and containerd namespace, so test
	# runs side by side do not share them
	ENG_TAG=calyx-eng-${ENG##*.}
	# under the systemd driver, the slice of this file's containers (no
	# dash in its name: that would nest it in more slices)
	ENG_SLICE=calyxeng${ENG##*.}.slice
	export ENG ENG_TAG ENG_SLICE
	engine_snapshot
	ENG_RUNTIME=$(engine_runtime) || fail "runtime $CALYX not found"
	export ENG_RUNTIME
}

# Processes whose command line names $ENG (conmon, shims, daemons).
engine_pids()
{
	local p
	for p in /proc/[0-9]*; do
		[[ ${p#/proc/} == "$$" ]] && continue
		grep -qsaF -- "$ENG" "$p/cmdline" && echo "${p#/proc/}"
	done
	return 0
}

# Stops the daemon whose pid is in file $1: SIGTERM, then SIGKILL after 10s.
engine_stop_pidfile()
{
	local pid i
	[[ -s $1 ]] || return 0
	pid=$(cat "$1")
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# Waits (up to 10s) for a unix socket to accept; $2 is the daemon's pid file.
engine_wait_socket()
{
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -S $1 ]] && return 0
		if [[ -s $2 ]] && ! kill -0 "$(cat "$2")" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	fail "daemon socket $1 never appeared"
}

# Writes a private podman's configuration under $ENG/p (containers.conf,
# storage.conf, and the dirs they name): the cgroup manager of
# $ENGINE_CGROUP_DRIVER, file events, netavark, overlay storage.  Arguments are extra lines for [containers].
engine_podman_config()
{
	local line
	mkdir -p "$ENG/p/net" "$ENG/p/tmp"
	{
		echo "[containers]"
		for line in "$@"; do echo "$line"; done
		cat <<-EOF
		log_driver = "k8s-file"
		[engine]
		cgroup_manager = "$ENGINE_CGROUP_DRIVER"
		events_logger = "file"
		events_logfile_path = "$ENG/p/events.log"
		[network]
		network_backend = "netavark"
		network_config_dir = "$ENG/p/net"
		EOF
	} > "$ENG/p/containers.conf"
	cat > "$ENG/p/storage.conf" <<-EOF
	[storage]
	driver = "overlay"
	graphroot = "$ENG/p/root"
	runroot = "$ENG/p/run"
	EOF
}

# podman on the private instance engine_podman_config set up (PM_CONF:
# another containers.conf of it), driving $ENG_RUNTIME.
pm()
{
	CONTAINERS_CONF=${PM_CONF:-$ENG/p/containers.conf} \
	CONTAINERS_STORAGE_CONF=$ENG/p/storage.conf \
	podman --root "$ENG/p/root" --runroot "$ENG/p/run" \
		--tmpdir "$ENG/p/tmp" --runtime "$ENG_RUNTIME" \
		--cgroup-manager="$ENGINE_CGROUP_DRIVER" "$@"
}

# The tests' busybox rootfs (with the probe) as podman image $1.
engine_podman_import()
{
	engine_rootfs_tar | pm import - "$1" >/dev/null
}

# Starts a private containerd (CRI off) with root, state and socket under
# $ENG/c, and waits for its socket.
engine_start_containerd()
{
	mkdir -p "$ENG/c"
	cat > "$ENG/c/config.toml" <<-EOF
	version = 2
	root = "$ENG/c/root"
	state = "$ENG/c/state"
	disabled_plugins = ["io.containerd.grpc.v1.cri"]
	[grpc]
	  address = "$ENG/c/sock"
	[ttrpc]
	  address = "$ENG/c/sock.ttrpc"
	[debug]
	  address = ""
	[metrics]
	  address = ""
	EOF
	containerd --config "$ENG/c/config.toml" > "$ENG/c/log" 2>&1 3>&- &
	echo $! > "$ENG/c/pid"
	engine_wait_socket "$ENG/c/sock" "$ENG/c/pid"
}

# --- the CRI (engines-cri.bats) ------------------------------------------

# Host paths the CRI and its CNI plugins create on first use.
ENGINE_CRI_HOST_PATHS=(/var/lib/cni /run/netns /var/run/netns)

# The containerd snippet docs/kubernetes.md shows for a calyx handler: the
# fenced block after its "snippet: kubernetes-containerd.toml" marker.
engine_cri_doc_snippet()
{
	awk '/^<!-- snippet: kubernetes-containerd.toml / { m = 1; next }
	     m == 1 && /^```/ { m = 2; next }
	     m == 2 && /^```/ { exit }
	     m == 2 { print }' "$TOP/docs/kubernetes.md"
}

# Writes $ENG/c/config.toml: the documentation's snippet with BinaryName set
# to the runtime under test, Root to a private runtime state root and, under
# the systemd driver, SystemdCgroup = true (as the doc says to), plus this
# instance's own root, state, sockets, streaming port, pause image and CNI
# dirs ($1 = the streaming server's port, $2 = the pause image).
engine_cri_config()
{
	local port=$1 pause=$2 snippet sd=false
	snippet=$(engine_cri_doc_snippet)
	[[ $snippet == *'BinaryName = "/usr/local/bin/calyx"'* &&
	   $snippet == *'Root = "/run/calyx"'* &&
	   $snippet == *'SystemdCgroup = false'* ]] ||
		fail "docs/kubernetes.md: no calyx handler snippet"
	engine_systemd && sd=true
	mkdir -p "$ENG/c/cni" "$ENG/c/rt"
	awk -v eng="$ENG" -v rt="$ENG_RUNTIME" -v port="$port" -v pause="$pause" \
		-v sd="$sd" '
	{
		sub(/"\/usr\/local\/bin\/calyx"/, "\"" rt "\"")
		# a private state root for the runtime
		sub(/^  Root = "\/run\/calyx"$/, "  Root = \"" eng "/c/rt\"")
		sub(/^  SystemdCgroup = false$/, "  SystemdCgroup = " sd)
		print
	}
	$0 == "version = 2" {
		print "root = \"" eng "/c/root\""
		print "state = \"" eng "/c/state\""
	}
	$0 == "[plugins.\"io.containerd.grpc.v1.cri\"]" {
		print "  sandbox_image = \"" pause "\""
		print "  stream_server_address = \"127.0.0.1\""
		print "  stream_server_port = \"" port "\""
	}
	' <<< "$snippet" > "$ENG/c/config.toml"
	cat >> "$ENG/c/config.toml" <<-EOF

	[grpc]
	  address = "$ENG/c/sock"
	[ttrpc]
	  address = "$ENG/c/sock.ttrpc"
	[debug]
	  address = ""
	[metrics]
	  address = ""
	[plugins."io.containerd.internal.v1.opt"]
	  path = "$ENG/c/opt"
	[plugins."io.containerd.grpc.v1.cri".containerd]
	  default_runtime_name = "calyx"
	[plugins."io.containerd.grpc.v1.cri".cni]
	  bin_dir = "/usr/lib/cni"
	  conf_dir = "$ENG/c/cni"
	EOF
}

# Writes the CNI network: a bridge named $1 (host-local addresses from
# subnet $2, kept under $ENG; no masquerading, so no iptables rules).
engine_cri_cni()
{
	mkdir -p "$ENG/c/cni"
	jq -n --arg br "$1" --arg net "$2" --arg dir "$ENG/c/ipam" \
		--arg name "$ENG_TAG" '{
		cniVersion: "1.0.0", name: $name,
		plugins: [{type: "bridge", bridge: $br, isGateway: true,
			   ipMasq: false,
			   ipam: {type: "host-local", ranges: [[{subnet: $net}]],
				  dataDir: $dir}}]}' > "$ENG/c/cni/10-calyx.conflist"
}

# A free TCP port on 127.0.0.1 for the CRI's streaming server (containerd
# builds its URLs from the configured port, so 0 will not do).
engine_free_port()
{
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Starts a private containerd with the CRI on ($1 = pause image; more
# arguments NAME=BINARY add runtime handlers), and waits until the CRI
# answers.
engine_start_containerd_cri()
{
	local h
	mkdir -p "$ENG/c"
	engine_cri_config "$(engine_free_port)" "$1"
	for h in "${@:2}"; do
		engine_cri_add_handler "${h%%=*}" "${h#*=}"
	done
	engine_cri_launch
}

# Starts containerd with the config in $ENG/c and waits until the CRI
# answers.
engine_cri_launch()
{
	local deadline=$((SECONDS + 30)) out
	containerd --config "$ENG/c/config.toml" > "$ENG/c/log" 2>&1 3>&- &
	echo $! > "$ENG/c/pid"
	engine_wait_socket "$ENG/c/sock" "$ENG/c/pid"
	# by time: a call costs seconds in a TCG guest
	while ((SECONDS < deadline)); do
		out=$(cri Version 2>&1) && return 0
		sleep 0.05
	done
	fail "the CRI never answered: $out" $'\n'"$(tail -20 "$ENG/c/log")"
}

# The CRI client on the private containerd (its generated stubs are kept
# in $ENG_CRI_STUBS, default $ENG/cri-stubs).
cri()
{
	CRI_SOCKET=$ENG/c/sock CRI_STUBS=${ENG_CRI_STUBS:-$ENG/cri-stubs} \
		/usr/bin/python3 "$TOP/tests/helpers/cri.py" "$@"
}

# A docker-archive (what `docker save` makes, what `ctr image import`
# reads) at $1 tagged $2, with the files of dir $3 as its one layer and the
# JSON object $4 added to its config (e.g. {"Entrypoint": ["/pause"]}).
engine_image_archive_of()
{
	local out=$1 tag=$2 src=$3 extra=$4 dir diff
	dir=$(mktemp -d "$ENG/archive.XXXXXX")
	tar -C "$src" --exclude=./.complete -cf "$dir/layer.tar" .
	diff=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
	jq -n --arg d "sha256:$diff" --argjson x "$extra" '{
		architecture: "amd64", os: "linux",
		config: ({Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]} + $x),
		rootfs: {type: "layers", diff_ids: [$d]}}' > "$dir/config.json"
	jq -n --arg t "$tag" '[{Config: "config.json", RepoTags: [$t],
		Layers: ["layer.tar"]}]' > "$dir/manifest.json"
	tar -C "$dir" -cf "$out" manifest.json config.json layer.tar
	rm -rf "$dir"
}

# Records the network namespaces and links that exist before the CRI
# starts (see engine_cri_cleanup).
engine_cri_snapshot()
{
	local d
	ip netns list 2>/dev/null | awk '{ print $1 }' > "$ENG/.netns"
	for d in "${ENGINE_CRI_HOST_PATHS[@]}"; do
		[[ ! -e $d ]] || echo "$d"
	done > "$ENG/.cri-paths"
}

# What the CRI's networking left: network namespaces that appeared (CNI's
# cni-<uuid>), the bridge $1, and host paths first made during the test.
# Call before engine_cleanup.
engine_cri_cleanup()
{
	local ns d
	[[ -n ${ENG:-} && -d $ENG ]] || return 0
	while read -r ns; do
		[[ $ns == cni-* ]] || continue
		grep -qxF "$ns" "$ENG/.netns" 2>/dev/null && continue
		echo "residue: netns $ns" >> "${CALYX_TEST_RESIDUE:-/dev/stderr}"
		ip netns delete "$ns" 2>/dev/null || true
	done < <(ip netns list 2>/dev/null | awk '{ print $1 }')
	[[ -n ${1:-} ]] && ip link delete "$1" 2>/dev/null
	for d in "${ENGINE_CRI_HOST_PATHS[@]}"; do
		[[ -e $d ]] || continue
		grep -qxF "$d" "$ENG/.cri-paths" 2>/dev/null && continue
		find "$d" -depth -type d -empty -delete 2>/dev/null
	done
	return 0
}

# Adds runtime handler $1 (io.containerd.runc.v2, BinaryName $2, its own
# state root) to the config engine_cri_config wrote; before the start.
engine_cri_add_handler()
{
	local t="plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.$1"
	cat >> "$ENG/c/config.toml" <<-EOF
	[$t]
	  runtime_type = "io.containerd.runc.v2"
	[$t.options]
	  BinaryName = "$2"
	  Root = "$ENG/c/rt-$1"
	EOF
	engine_systemd && echo "  SystemdCgroup = true" >> "$ENG/c/config.toml"
	return 0
}

# Everything the engines left: processes, mounts, cgroups, state dirs.
# Call last in teardown_file, after the engine-specific removal.
engine_cleanup()
{
	local pid mnt n d fwd
	[[ -n ${ENG:-} && -d $ENG ]] || return 0
	for pid in $(engine_pids); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	while read -r mnt; do
		umount -l "$mnt" 2>/dev/null || true
	done < <(awk -v d="$ENG" 'index($5, d) == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r)
	while read -r d; do
		engine_rmdir_tree "$d" report
	done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d \
		-name "$ENG_TAG*" 2>/dev/null)
	for n in "${ENGINE_SHARED_CGROUPS[@]}"; do
		while read -r d; do
			engine_existed "$d" || engine_rmdir_tree "$d"
		done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d \
			-name "$n" 2>/dev/null)
	done
	for d in "${ENGINE_PLAIN_CGROUP_DIRS[@]}"; do
		d=/sys/fs/cgroup/$d
		[[ -d $d ]] && ! engine_existed "$d" && ! mountpoint -q "$d" &&
			engine_rmdir_tree "$d"
	done
	engine_systemd && engine_cleanup_units
	# the runc shim makes its default state root even when given another
	rmdir "/run/containerd/runc/$ENG_TAG" 2>/dev/null
	# empty dirs only: a concurrent engine may be using them
	for d in "${ENGINE_HOST_PATHS[@]}"; do
		[[ -e $d ]] && ! engine_existed "$d" || continue
		if [[ -d $d ]]; then
			find "$d" -depth -type d -empty -delete 2>/dev/null
		else
			rm -f "$d"
		fi
	done
	fwd=$(cat "$ENG/.ip_forward" 2>/dev/null)
	[[ -n $fwd ]] && echo "$fwd" > /proc/sys/net/ipv4/ip_forward 2>/dev/null
	rm -rf "$ENG"
}

# Under the systemd driver, the units that appeared since engine_begin:
# a scope (a container's or an engine's, such as conmon's) or a failed unit
# is residue, stopped; the slices systemd made for them (the engines'
# parents, such as machine.slice or $ENG_SLICE, as the kubelet makes pod
# slices) are stopped, innermost first.
engine_cleanup_units()
{
	local u
	[[ -f $ENG/.units ]] || return 0
	while read -r u; do
		if [[ $u == *.scope ]]; then
			echo "residue: unit $u left" >> "${CALYX_TEST_RESIDUE:-/dev/stderr}"
			systemctl stop "$u" 2>/dev/null
		fi
	done < <(engine_units | comm -13 "$ENG/.units" -)
	while read -r u; do
		systemctl stop "$u" 2>/dev/null
	done < <(engine_units | comm -13 "$ENG/.units" - | grep '\.slice$' |
		awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2)
	while read -r u; do
		echo "residue: failed unit $u" >> "${CALYX_TEST_RESIDUE:-/dev/stderr}"
		systemctl reset-failed "$u" 2>/dev/null
	done < <(systemctl list-units --failed --plain --no-legend 2>/dev/null |
		awk '{ print $1 }' | sort | comm -13 "$ENG/.units" -)
	return 0
}

# The host cgroup dir of process $1 that carries controller $2 (v2: its
# one cgroup; v1: the hierarchy with that controller), whatever driver or
# engine placed it: tests read a container's limits through its pid.
engine_cgroup_dir()
{
	local pid=$1 ctl=$2
	if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
		echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
		return
	fi
	awk -F: -v c="$ctl" '{
		n = split($2, a, ",")
		for (i = 1; i <= n; i++)
			if (a[i] == c) { print "/sys/fs/cgroup/" $2 $3; exit }
	}' "/proc/$pid/cgroup"
}

# Fails unless nothing is left of the containers with the (unique) IDs
# given: no cgroup dir named after one (cgroupfs: ID or PREFIX-ID;
# systemd: PREFIX-ID.scope) and, under the systemd driver, no unit.
engine_assert_gone()
{
	local id left
	for id; do
		# (find fails when a cgroup of someone else's goes meanwhile)
		left=$(find /sys/fs/cgroup -maxdepth 6 -type d \( -name "$id" -o \
			-name "*-$id" -o -name "*-$id.scope" \) 2>/dev/null || true)
		[[ -z $left ]] || fail "cgroup of $id left: $left"
		engine_systemd || continue
		left=$(systemctl list-units --all --plain --no-legend "*$id*" 2>/dev/null)
		[[ -z $left ]] || fail "unit of $id left: $left"
	done
}

# Under the systemd driver, fails unless unit $1's property $2 is $3.
engine_unit_prop()
{
	local have
	engine_systemd || return 0
	have=$(systemctl show -P "$2" "$1")
	[[ $have == "$3" ]] || fail "$1: $2=$have, want $3"
}

# A docker-archive-free image source: the tests' busybox rootfs (with the
# probe) as a tar stream on stdout.
engine_rootfs_tar()
{
	tar -C "$WORK/rootfs" --exclude=./.complete -c .
}

# A docker-archive of the tests' rootfs at $1, tagged $2 (command: sh).
engine_docker_archive()
{
	engine_image_archive_of "$1" "$2" "$WORK/rootfs" '{"Cmd": ["sh"]}'
}

# Runs "$@" and fails with its output unless it exits with status $want.
# Sets $status and $output like bats' run.
engine_expect()
{
	local want=$1
	shift
	status=0
	output=$("$@" 2>&1) || status=$?
	mapfile -t lines <<< "$output"
	[[ $status -eq $want ]] ||
		fail "expected exit $want from '$*', got $status:" $'\n'"$output"
}

# The message calyx gives for a missing executable, as engines relay it.
ENGINE_NOEXEC_MSG='exec: "nosuchcmd": executable file not found in $PATH'

# True when $CALYX lacks command $1 (e.g. pause, ps): engines shell out to
# runc's full command set.
engine_runtime_lacks()
{
	local out
	out=$("$ENG_RUNTIME" "$1" --help 2>&1)
	[[ $out == *"unknown command"* || $out == *"No help topic"* ]]
}

# Skips when the runtime reported that terminals are unsupported ($1 is the
# output of the engine command that asked for one).
engine_skip_if_no_tty()
{
	[[ $1 == *"terminals are not supported"* ]] &&
		skip "runtime lacks terminal support: $1"
	return 0
}

# Runs shell command line $1 on a fresh pty (script(1)), as a user at a
# terminal would; sets $status and $output (NUL bytes dropped).
in_pty()
{
	status=0
	timeout 30 script -qec "$1" /dev/null < /dev/null > "$ENG/pty.out" 2>&1 ||
		status=$?
	output=$(tr -d '\0' < "$ENG/pty.out")
	mapfile -t lines <<< "$output"
}

# The fenced block that follows the line "<!-- snippet: NAME ..." in
# docs/FILE, as the doc shows it, with the doc's binary path
# (/usr/local/bin/calyx) replaced by the runtime under test: the engine
# tests run exactly what the docs tell users to write.
engine_doc_snippet()
{
	local file=$TOP/docs/$1 name=$2
	[[ -f $file ]] || fail "no $file"
	awk -v name="$name" -v rt="${ENG_RUNTIME:-/usr/local/bin/calyx}" '
		index($0, "<!-- snippet: " name " ") == 1 ||
		$0 == "<!-- snippet: " name " -->" { want = 1; next }
		want && /^```/ { if (inside) exit; inside = 1; next }
		inside { gsub("/usr/local/bin/calyx", rt); print }
	' "$file" | grep '' || fail "no snippet $name in docs/$1"
}

# Merges the TOML tables of file $2 into file $1 (in place): keys of a
# table $1 has go right under its header, other tables are appended.
# Enough for the flat tables of engine configs (no arrays of tables).
engine_toml_merge()
{
	local base=$1 add=$2 tmp
	tmp=$(mktemp "$base.XXXXXX")
	awk '
		FNR == NR {
			if ($0 ~ /^\[.*\][ \t]*$/) { t = $0; next }
			if ($0 ~ /^[ \t]*(#.*)?$/) next
			if (!(t in seen)) { seen[t] = 1; order[++n] = t }
			keys[t] = keys[t] $0 "\n"
			next
		}
		FNR == 1 && ("" in keys) { printf "%s", keys[""]; done[""] = 1 }
		{ print }
		$0 ~ /^\[.*\][ \t]*$/ && ($0 in keys) { printf "%s", keys[$0]; done[$0] = 1 }
		END {
			for (i = 1; i <= n; i++)
				if (!(order[i] in done)) printf "%s\n%s", order[i], keys[order[i]]
		}
	' "$add" "$base" > "$tmp" && mv "$tmp" "$base"
}
