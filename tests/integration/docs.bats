#!/usr/bin/env bats
# The engine set-up pages in docs/ are what the suite runs: each test takes
# its snippet from the page (tests/helpers/engines.sh engine_doc_snippet,
# the doc's /usr/local/bin/calyx replaced by the runtime under test) and
# runs a private engine with it.  CRI-O is not in Debian 12: its snippet
# is only checked for the fields CRI-O reads.

load helpers
. "$BATS_TEST_DIRNAME/../helpers/engines.sh"

IMG=localhost/calyx-docs

setup_file()
{
	common_setup_file
	engine_begin
}

teardown_file()
{
	if [[ -n ${ENG:-} ]]; then
		if [[ -d $ENG/p ]]; then
			timeout 60 env CONTAINERS_CONF="$ENG/p/containers.conf" \
				CONTAINERS_STORAGE_CONF="$ENG/p/storage.conf" \
				podman --root "$ENG/p/root" --runroot "$ENG/p/run" \
				--tmpdir "$ENG/p/tmp" rm -af -t 0 >/dev/null 2>&1 || true
		fi
		[[ -S $ENG/d/sock ]] && docker_rm_all
		engine_stop_pidfile "$ENG/d/dockerd.pid"
		engine_stop_pidfile "$ENG/c/pid"
		engine_cleanup
	fi
	common_teardown_file
}

# Python's TOML reader (3.11+), to check a snippet as an engine would.
toml_check()
{
	python3 -c 'import tomllib' 2>/dev/null || skip "python3 lacks tomllib (3.11+)"
	python3 -c '
import json, sys, tomllib
print(json.dumps(tomllib.loads(sys.stdin.read())))' > "$BATS_TEST_TMPDIR/toml.json" ||
		fail "not valid TOML"
}

@test "docs: every page links the others and kubernetes.md" {
	local p
	for p in podman docker containerd cri-o; do
		[[ -f $TOP/docs/$p.md ]] || fail "docs/$p.md missing"
		grep -q '(kubernetes.md)' "$TOP/docs/$p.md" || fail "docs/$p.md lacks kubernetes.md"
	done
}

pm()
{
	CONTAINERS_CONF=$ENG/p/containers.conf CONTAINERS_STORAGE_CONF=$ENG/p/storage.conf \
		podman --root "$ENG/p/root" --runroot "$ENG/p/run" --tmpdir "$ENG/p/tmp" \
		--cgroup-manager=cgroupfs "$@"
}

podman_setup()
{
	engine_requires podman conmon
	# root lacks CAP_SYS_RESOURCE here (see engines-podman.bats)
	engine_podman_config 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' \
		"env = [\"CALYX_TEST_MARK=$CALYX_TEST_RUN\"]"
	pm images -q "$IMG" 2>/dev/null | grep -q . ||
		engine_rootfs_tar | pm import - "$IMG" >/dev/null
	cd "$ENG" || return 1
}

@test "docs/podman.md: podman runs calyx by name with the documented containers.conf" {
	podman_setup
	engine_doc_snippet podman.md podman-containers.conf > "$ENG/p/snippet.toml"
	engine_toml_merge "$ENG/p/containers.conf" "$ENG/p/snippet.toml"
	# no --runtime: the snippet makes calyx the default, by name
	engine_expect 0 pm info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
	[[ $output == "calyx $ENG_RUNTIME" ]] || fail "podman's runtime: $output"
	engine_expect 0 pm run --rm --network none "$IMG" echo hello-from-docs
	has_line hello-from-docs
	# runtime_supports_json: calyx's own message, not "calyx: calyx: ..."
	engine_expect 127 pm run --rm --network none "$IMG" nosuchcmd
	[[ $output != *"calyx: calyx:"* ]] || fail "the runtime's error was not relayed as JSON: $output"
	# runtime_supports_nocgroup(s): --cgroups disabled is accepted for calyx
	# (podman passes crun's --cgroup-manager disabled, which runc lacks)
	calyx_only
	engine_expect 0 pm run --rm --network none --cgroups disabled "$IMG" echo nocg
	has_line nocg
}

@test "docs/podman.md: calyx only on PATH is not found, as the page says" {
	podman_setup
	local bin=$ENG/bin want
	mkdir -p "$bin"
	ln -sf "$ENG_RUNTIME" "$bin/calyx"
	want=$(engine_doc_snippet podman.md podman-not-found | sed 's/^ *//')
	status=0
	output=$(PATH=$bin:$PATH pm --runtime calyx run --rm --network none "$IMG" true 2>&1) ||
		status=$?
	[[ $status -ne 0 ]] || fail "podman found calyx on PATH: the page is wrong"
	[[ $output == *"$want"* ]] || fail "podman said: $output; the page says: $want"
}

docker_cli()
{
	if [[ -x /usr/bin/docker ]]; then echo /usr/bin/docker; else command -v docker; fi
}

d()
{
	"$(docker_cli)" -H "unix://$ENG/d/sock" "$@"
}

docker_rm_all()
{
	local ids
	ids=$(d ps -aq 2>/dev/null)
	# shellcheck disable=SC2086
	[[ -n $ids ]] && timeout 60 "$(docker_cli)" -H "unix://$ENG/d/sock" rm -f $ids >/dev/null 2>&1
	return 0
}

@test "docs/docker.md: dockerd with the documented daemon.json runs calyx by default" {
	engine_requires dockerd
	mkdir -p "$ENG/d"
	engine_doc_snippet docker.md docker-daemon.json > "$ENG/d/daemon.json"
	jq -e . "$ENG/d/daemon.json" >/dev/null || fail "not JSON: $(cat "$ENG/d/daemon.json")"
	# the suite's private-daemon flags (engines-docker.bats), nothing of the
	# runtime on the command line: that comes from the file alone
	dockerd --config-file "$ENG/d/daemon.json" --data-root "$ENG/d/root" \
		--exec-root "$ENG/d/exec" --pidfile "$ENG/d/pid" \
		-H "unix://$ENG/d/sock" --iptables=false --ip-masq=false \
		--bridge=none --userland-proxy=false \
		--cgroup-parent "/$ENG_TAG-docker" > "$ENG/d/log" 2>&1 3>&- &
	echo $! > "$ENG/d/dockerd.pid"
	engine_wait_socket "$ENG/d/sock" "$ENG/d/dockerd.pid"
	local i
	for ((i = 0; i < 100; i++)); do
		d version >/dev/null 2>&1 && break
		sleep 0.1
	done
	engine_expect 0 d info --format '{{.DefaultRuntime}}'
	[[ $output == calyx ]] || fail "default runtime: $output"
	engine_rootfs_tar | d import - "$IMG" >/dev/null
	engine_expect 0 d run --rm --network none \
		-e "CALYX_TEST_MARK=$CALYX_TEST_RUN" "$IMG" echo hello-from-docker-docs
	has_line hello-from-docker-docs
	engine_expect 0 d run -d --name docs-d --network none \
		-e "CALYX_TEST_MARK=$CALYX_TEST_RUN" "$IMG" sleep 1000
	engine_expect 0 d inspect --format '{{.HostConfig.Runtime}} {{.Id}}' docs-d
	[[ $output == "calyx "* ]] || fail "container runtime: $output"
	local id=${output#calyx }
	# the state root the page names, under this daemon's exec root
	# the state root the page names, under this daemon's exec root
	engine_expect 0 "$ENG_RUNTIME" --root "$ENG/d/exec/runtime-runc/moby" list -q
	has_line "$id"
	# --runtime calyx: the same
	engine_expect 0 d run -d --runtime calyx --name docs-d2 --network none \
		-e "CALYX_TEST_MARK=$CALYX_TEST_RUN" "$IMG" sleep 1000
	engine_expect 0 d inspect --format '{{.Id}}' docs-d2
	id=$output
	engine_expect 0 "$ENG_RUNTIME" --root "$ENG/d/exec/runtime-runc/moby" list -q
	has_line "$id"
	engine_expect 0 d rm -f docs-d2
	engine_expect 0 d rm -f docs-d
}

@test "docs/containerd.md: the documented ctr run" {
	engine_requires containerd ctr
	[[ -S $ENG/c/sock ]] || engine_start_containerd
	local ns=$ENG_TAG img=docker.io/library/busybox:latest cmd
	engine_docker_archive "$ENG/img.tar" "$img"
	ctr --address "$ENG/c/sock" -n "$ns" image import "$ENG/img.tar" >/dev/null
	cmd=$(engine_doc_snippet containerd.md containerd-ctr-run |
		sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |
		sed -e "s|^ctr |ctr --address $ENG/c/sock -n $ns |" \
		    -e "s|--runc-root /run/calyx|--runc-root $ENG/c/rt|" \
		    -e "s| --rm | --rm --env CALYX_TEST_MARK=$CALYX_TEST_RUN |")
	[[ $cmd == *"--runc-binary $ENG_RUNTIME "* ]] || fail "snippet changed shape: $cmd"
	engine_expect 0 bash -c "$cmd"
	has_line "hello from calyx"
	[[ -z $(ctr --address "$ENG/c/sock" -n "$ns" container ls -q) ]] || fail "container left"
	[[ -z $(find "$ENG/c/rt" -mindepth 2 -maxdepth 2 2>/dev/null) ]] ||
		fail "runtime state left: $(find "$ENG/c/rt")"
}

@test "docs/containerd.md: the CRI handler has the shim's options" {
	engine_doc_snippet containerd.md containerd-config.toml | toml_check
	jq -e --arg rt "$ENG_RUNTIME" '
		.version == 2 and
		(.plugins["io.containerd.grpc.v1.cri"].containerd.runtimes.calyx |
		 .runtime_type == "io.containerd.runc.v2" and
		 .options.BinaryName == $rt and (.options.Root | startswith("/")) and
		 (.options.SystemdCgroup | type) == "boolean" and
		 (.options | keys - ["BinaryName", "Root", "SystemdCgroup"] | length) == 0)' \
		"$BATS_TEST_TMPDIR/toml.json" >/dev/null ||
		fail "unexpected handler: $(cat "$BATS_TEST_TMPDIR/toml.json")"
}

@test "docs/cri-o.md: the runtime handler is TOML with the fields CRI-O reads" {
	engine_doc_snippet cri-o.md crio-calyx.conf | toml_check
	# the keys of CRI-O's RuntimeHandler (internal/config: runtime_path ...)
	jq -e --arg rt "$ENG_RUNTIME" '
		.crio.runtime.default_runtime == "calyx" and
		(.crio.runtime.runtimes.calyx |
		 .runtime_path == $rt and .runtime_type == "oci" and
		 (.runtime_root | startswith("/")) and
		 (keys - ["runtime_path", "runtime_type", "runtime_root",
			  "runtime_config_path", "monitor_path", "monitor_cgroup",
			  "monitor_env", "monitor_exec_cgroup", "allowed_annotations",
			  "privileged_without_host_devices", "platform_runtime_paths",
			  "default_annotations", "container_min_memory", "no_sync_log"] |
		  length) == 0)' "$BATS_TEST_TMPDIR/toml.json" >/dev/null ||
		fail "unexpected handler: $(cat "$BATS_TEST_TMPDIR/toml.json")"
}
