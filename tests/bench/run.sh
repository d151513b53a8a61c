#!/bin/bash
# Benchmark (not a test, not part of tests/run): calyx beside runc, crun,
# bubblewrap and the engines that drive them.
#
#   tests/bench/run.sh [--runs N] [--repeat K] [--only LIST] [--density N]
#                      [--runtimes LIST] [N]
#
#   --runs N      timed runs per row (default 50; the sequential batch is 2N)
#   --repeat K    measure every section K times (interleaved) and keep each
#                 row's best median: the host is shared, noise only adds
#   --only LIST   comma-separated sections (default run,limits,exec,bundleless)
#   --density N   containers per runtime in the density section (default 500)
#   --runtimes L  the runtimes compared (default calyx,runc,crun)
#
# Sections:
#   run         `run` of /bin/true on the example bundle: median of one run,
#               wall time of 2N sequential runs, peak RSS, binary size; and
#               the floor (tests/bench/floor.c: one clone with the same
#               namespaces, pivot_root, /proc, exec, wait), without and with
#               a cgroup in every hierarchy
#   limits      the same with linux.resources memory.limit 64 MiB and
#               pids.limit 64 (checked in the cgroup before timing)
#   exec        `exec ID /bin/true` into a running container; calyx also
#               into one with CAP_SYS_PTRACE in its bounding set, where it
#               re-execs through a read-only copy of itself (CVE-2019-5736)
#   bundleless  `calyx run --rootfs DIR -- /bin/true` beside bundle runs
#               (also with the default seccomp profile it applies) and
#               bubblewrap with (nearly) the same isolation
#   density     per runtime, N detached sleepers (`run -d`, absolute
#               cgroupsPath below one parent): start time per batch as they
#               accumulate; `list`, `state`, `exec`, `delete -f` with N
#               running; the kernel's memory per container; two launchers
#               at once; all torn down and checked after each runtime.
#               Measured once (--repeat does not apply); only when named
#   engines     podman and ctr (private storage, daemon and roots) driving
#               each runtime; slow, so only when named in --only
#   cri         pod start through containerd's CRI, a handler per runtime,
#               and the runtime's share of it; only when named in --only
#
# Times come from hyperfine (-N: no shell in between) when installed, else
# from a loop over $EPOCHREALTIME; always medians.
#
# crun 1.8 refuses this hybrid-cgroup host because cgroup2 at
# /sys/fs/cgroup/unified lists controllers; everything runs inside a private
# mount namespace with an empty file over that cgroup.controllers, so all
# runtimes see the same host and the host itself is untouched.  Every
# bundle has an absolute cgroupsPath: runc and crun would otherwise nest
# their cgroups below this session's own.  Cgroups and container IDs carry
# calyx-bench-<CALYX_TEST_TAG><digits>, so runs side by side never meet.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=50
repeat=1
only=run,limits,exec,bundleless
density=500
runtimes_wanted=calyx,runc,crun
args=("$@")

usage()
{
	sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while (($#)); do
	case $1 in
	--runs) runs=${2:?--runs N}; shift 2 ;;
	--runs=*) runs=${1#*=}; shift ;;
	--repeat) repeat=${2:?--repeat K}; shift 2 ;;
	--repeat=*) repeat=${1#*=}; shift ;;
	--only) only=${2:?--only LIST}; shift 2 ;;
	--only=*) only=${1#*=}; shift ;;
	--density) density=${2:?--density N}; shift 2 ;;
	--density=*) density=${1#*=}; shift ;;
	--runtimes) runtimes_wanted=${2:?--runtimes LIST}; shift 2 ;;
	--runtimes=*) runtimes_wanted=${1#*=}; shift ;;
	-h|--help) usage ;;
	[0-9]*) runs=$1; shift ;;
	*) echo "unknown argument: $1" >&2; usage 2 >&2 ;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $repeat =~ ^[1-9][0-9]*$ &&
   $density =~ ^[1-9][0-9]*$ ]] ||
	{ echo "--runs, --repeat and --density take positive numbers" >&2; exit 2; }
for s in ${only//,/ }; do
	case $s in
	run|limits|exec|bundleless|density|engines|cri) ;;
	*) echo "unknown section: $s" >&2; usage 2 >&2 ;;
	esac
done
for s in ${runtimes_wanted//,/ }; do
	case $s in
	calyx|runc|crun) ;;
	*) echo "unknown runtime: $s (calyx, runc, crun)" >&2; usage 2 >&2 ;;
	esac
done
batch=$((runs * 2))

if [[ -z ${CALYX_BENCH_INNER:-} ]]; then
	# the runtimes compared against (crun, bwrap, hyperfine) and, for the
	# engines section, podman and containerd: the project's install list
	# shellcheck source=../helpers/deps.sh
	. "$top/tests/helpers/deps.sh"
	calyx_install_deps build test bench || exit 1
	[[ -n ${CALYX:-} ]] || calyx_build "$top/build" || exit 1
	export CALYX_BENCH_INNER=1
	exec unshare -m --propagation private "$0" "${args[@]}"
fi

want() { [[ ,$only, == *,$1,* ]]; }

calyx=$(realpath -e "${CALYX:-$top/build/src/cli/calyx}")
declare -A bins=([calyx]=$calyx [runc]=$(command -v runc || true)
		 [crun]=$(command -v crun || true))
runtimes=()
for name in ${runtimes_wanted//,/ }; do
	if [[ -n ${bins[$name]} && -x ${bins[$name]} ]]; then
		runtimes+=("$name")
	else
		printf '%s is not installed: left out\n' "$name"
	fi
done

# the floor program, from calyx's build dir (or FLOOR=PATH)
floor=${FLOOR:-$(dirname "$calyx")/../../tests/bench/floor}
[[ -x $floor ]] || floor=$top/build/tests/bench/floor
if [[ -x $floor ]]; then
	floor=$(realpath -e "$floor")
else
	echo "the floor program is not built (tests/bench/floor.c): left out"
	floor=
fi

"$top/examples/hello/make-bundle.sh" >/dev/null
rootfs=$top/examples/hello/rootfs
work=$(mktemp -d /tmp/calyx-bench.XXXXXX)
# Every runtime's --root (and the bundles) on a tmpfs, as /run and
# $XDG_RUNTIME_DIR are on a systemd host (this VM's /run is on its disk);
# private to this mount namespace.
mount -t tmpfs -o mode=0700 calyx-bench "$work"
# names this run's cgroups and containers, so benchmarks side by side never
# share one; tests/run's residue check knows calyx-<suite>-<its tag><digit>
tag=calyx-bench-${CALYX_TEST_TAG:-}$$$RANDOM

# What exists before we start, so cleanup removes only what we made.
snapshot_paths=(/sys/fs/cgroup/*/calyx /run/calyx /run/runc /run/crun)
before=$(ls -d "${snapshot_paths[@]}" /sys/fs/cgroup/* 2>/dev/null || true)
existed() { grep -qxF "$1" <<< "$before"; }

controllers=/sys/fs/cgroup/unified/cgroup.controllers
if [[ -e $controllers ]]; then
	empty=$work/empty-controllers
	: > "$empty"
	mount --bind "$empty" "$controllers"
fi

# Containers still up (a failed exec section), their state, our cgroups
# (bottom-up, rmdir only), plain dirs runtimes made in /sys/fs/cgroup for
# unmounted controllers, default-root dirs we caused, then $work.
cleanup()
{
	local name root id d
	set +e
	[[ $(type -t engines_teardown) == function ]] && engines_teardown
	for name in "${runtimes[@]}"; do
		for root in "$work"/root-"$name"*; do
			[[ -d $root ]] || continue
			for id in "$root"/*/; do
				[[ -d $id ]] || continue
				id=${id%/}
				id=${id##*/}
				timeout 20 "${bins[$name]}" --root "$root" \
					delete -f "$id" >/dev/null 2>&1
			done
		done
	done
	while read -r d; do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d \
		-name "$tag-*" 2>/dev/null)
	for d in /sys/fs/cgroup/* "${snapshot_paths[@]}"; do
		[[ -d $d ]] && ! existed "$d" && ! mountpoint -q "$d" &&
			rmdir "$d" 2>/dev/null
	done
	umount -l "$work" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# One bundle per runtime and variant, each with its own absolute
# cgroupsPath.  crun 1.8 refuses ociVersion 1.3.0: all get 1.0.2.
#   make_bundle NAME VARIANT (run|limits|exec|ptrace|seccomp)  -> prints the dir
make_bundle()
{
	local dir=$work/bundle-$1-$2 args='["/bin/true"]' extra=.
	case $2 in
	limits) extra='.linux.resources.memory = {limit: 67108864}
		       | .linux.resources.pids = {limit: 64}' ;;
	exec) args='["sleep", "1000000"]' ;;
	ptrace) args='["sleep", "1000000"]'
		extra='.process.capabilities.bounding += ["CAP_SYS_PTRACE"]' ;;
	seccomp) extra='.linux.seccomp = '\$sec ;;
	esac
	mkdir -p "$dir"
	jq --arg r "$rootfs" --arg cg "/$tag-$1-$2" --argjson a "$args" \
		--argjson sec "${default_seccomp:-null}" \
		'.root.path = $r | .process.args = $a
		 | .ociVersion = "1.0.2" | .linux.cgroupsPath = $cg | '"$extra" \
		"$top/examples/hello/config.json" > "$dir/config.json"
	echo "$dir"
}

have_hyperfine=
# engines: what is installed, the image they run (globals: cleanup uses them)
have_podman='' have_ctr='' default_seccomp='' img=localhost/calyx-bench:latest
command -v hyperfine >/dev/null 2>&1 && have_hyperfine=1

# median_ms N CMD... : runs CMD once to warm up (and fail early), then N
# times; prints the median wall time in ms, or fails with CMD's error.
median_ms()
{
	local n=$1 i t0 t1 times=()
	shift
	if ! "$@" < /dev/null > /dev/null 2> "$work/err"; then
		echo "failed: $(head -1 "$work/err")"
		return 1
	fi
	if [[ -n $have_hyperfine ]]; then
		if ! hyperfine -N --style none -r "$n" \
			--export-json "$work/hf.json" -- "$(printf '%q ' "$@")" \
			> "$work/err" 2>&1; then
			echo "failed: $(grep -m1 -i error "$work/err")"
			return 1
		fi
		jq -r '.results[0].median * 1000' "$work/hf.json" |
			awk '{ printf "%.1f\n", $1 }'
		return 0
	fi
	for ((i = 0; i < n; i++)); do
		t0=${EPOCHREALTIME/./}
		"$@" < /dev/null > /dev/null 2>&1 ||
			{ echo "failed: exit $?"; return 1; }
		t1=${EPOCHREALTIME/./}
		times+=($((t1 - t0)))
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 }
		END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
		      printf "%.1f\n", m / 1000 }'
}

# batch_ms N CMD... : wall time of N sequential runs of CMD, in ms
batch_ms()
{
	local n=$1 i t0 t1
	shift
	t0=${EPOCHREALTIME/./}
	for ((i = 0; i < n; i++)); do
		"$@" < /dev/null > /dev/null 2>&1 || true
	done
	t1=${EPOCHREALTIME/./}
	echo $(((t1 - t0) / 1000))
}

# peak_kib CMD... : peak RSS of CMD (the runtime process itself)
peak_kib()
{
	/usr/bin/time -f %M -o "$work/rss" "$@" < /dev/null > /dev/null 2>&1 ||
		true
	tail -1 "$work/rss" 2>/dev/null
}

# Best-of-rounds bookkeeping: best[ROW,COL] keeps the smallest number seen;
# a failure text sticks unless a later round succeeds.
declare -A best
keep_best()
{
	local key=$1 val=$2 old=${best[$1]:-}
	if [[ -z $old || ! $old =~ ^[0-9.]+$ ]] ||
		{ [[ $val =~ ^[0-9.]+$ ]] &&
		  awk -v a="$val" -v b="$old" 'BEGIN { exit !(a < b) }'; }; then
		best[$key]=$val
	fi
}

# row_line LABEL COL... : one aligned table line from best[LABEL,COL]
row_line()
{
	local label=$1 col v line
	shift
	line=$(printf '%-22s' "$label")
	for col in "$@"; do
		v=${best[$label,$col]:--}
		if [[ $v == failed* ]]; then
			printf '%s  %s\n' "$line" "$v"
			return
		fi
		line+=$(printf '  %12s' "$v")
	done
	printf '%s\n' "$line"
}

header()
{
	local h c
	printf '\n== %s\n' "$1"
	shift
	h=$(printf '%-22s' row)
	for c in "$@"; do
		h+=$(printf '  %12s' "$c")
	done
	printf '%s\n' "$h"
}

# ratio A B : "A/B: R x (A ms vs B ms)" from the medians of rows A and B
ratio()
{
	local a=${best[$1,median]:-} b=${best[$2,median]:-}
	if [[ $a =~ ^[0-9.]+$ && $b =~ ^[0-9.]+$ ]]; then
		awk -v a="$a" -v b="$b" -v na="$1" -v nb="$2" 'BEGIN {
			printf "%s/%s: %.2fx (%.1f ms vs %.1f ms)\n",
			       na, nb, a / b, a, b }'
	else
		printf '%s/%s: n/a\n' "$1" "$2"
	fi
}

# --- run, limits ---------------------------------------------------------

check_limits()
{
	local name=$1 bin=$2 bundle=$3 root=$work/root-$1 cg mem pids
	cg=/$tag-$name-limits
	"$bin" --root "$root" create -b "$bundle" "chk-$name" \
		< /dev/null > /dev/null 2>&1 || return 0	# median_ms reports it
	mem=$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes" 2>/dev/null ||
	      cat "/sys/fs/cgroup/unified$cg/memory.max" 2>/dev/null || echo none)
	pids=$(cat "/sys/fs/cgroup/pids$cg/pids.max" 2>/dev/null ||
	       cat "/sys/fs/cgroup/unified$cg/pids.max" 2>/dev/null || echo none)
	"$bin" --root "$root" delete -f "chk-$name" >/dev/null 2>&1 || true
	if [[ $mem != 67108864 || $pids != 64 ]]; then
		echo "warning: $name: limits not in the cgroup (memory $mem, pids $pids)" >&2
	fi
}

section_run()
{
	local variant=$1 title=$2 round name bin root bundle m
	best=()
	for ((round = 0; round < repeat; round++)); do
		for name in "${runtimes[@]}"; do
			bin=${bins[$name]}
			root=$work/root-$name
			mkdir -p "$root"
			bundle=$(make_bundle "$name" "$variant")
			((round == 0)) && [[ $variant == limits ]] &&
				check_limits "$name" "$bin" "$bundle"
			m=$(median_ms "$runs" "$bin" --root "$root" run \
				-b "$bundle" "b-$name") || true
			keep_best "$name,median" "$m"
			[[ $m == failed* ]] && continue
			keep_best "$name,batch" "$(batch_ms "$batch" "$bin" \
				--root "$root" run -b "$bundle" "s-$name")"
			keep_best "$name,rss" "$(peak_kib "$bin" --root "$root" \
				run -b "$bundle" "rss-$name")"
			best[$name,size]=$(( $(stat -L -c %s "$bin") / 1024 ))
		done
		[[ $variant == run && -n $floor ]] && floor_rows
	done
	header "$title ($runs runs for the median, $batch sequential, best of $repeat)" \
		"median ms" "${batch}x ms" "peak KiB" "size KiB"
	for name in "${runtimes[@]}"; do
		row_line "$name" median batch rss size
	done
	if [[ $variant == run && -n $floor ]]; then
		row_line floor median batch rss size
		row_line floor+cgroups median batch rss size
	fi
	ratio calyx crun
	if [[ $variant == run && -n $floor ]]; then
		ratio calyx floor+cgroups
		ratio calyx floor
		echo "(floor: clone3 with the bundle's namespaces, pivot_root, /proc,"
		echo " exec, wait; +cgroups: a cgroup made, joined and removed in every"
		echo " hierarchy, $(floor_hierarchies) here; the breakdown section shows"
		echo " where the rest of calyx's time goes)"
	fi
}

# The floor rows of the run section: what any runtime must do at least.
floor_rows()
{
	local m label args
	for label in floor floor+cgroups; do
		args=("$floor")
		[[ $label == floor+cgroups ]] && args+=(--cgroup "$tag-floor")
		args+=("$rootfs" /bin/true)
		m=$(median_ms "$runs" "${args[@]}") || true
		keep_best "$label,median" "$m"
		[[ $m == failed* ]] && continue
		keep_best "$label,batch" "$(batch_ms "$batch" "${args[@]}")"
		keep_best "$label,rss" "$(peak_kib "${args[@]}")"
		best[$label,size]=$(( $(stat -L -c %s "$floor") / 1024 ))
	done
}

# how many cgroup hierarchies are mounted (what floor --cgroup joins)
floor_hierarchies()
{
	awk '{ sub(/.* - /, ""); if ($1 == "cgroup" || $1 == "cgroup2") n++ }
	     END { print n + 0 }' /proc/self/mountinfo
}

# --- exec ----------------------------------------------------------------

# exec_row LABEL RUNTIME VARIANT : exec latency into a running container
exec_row()
{
	local label=$1 name=$2 bin=${bins[$2]} root=$work/root-$2-exec
	local bundle id=x-$3 m
	mkdir -p "$root"
	bundle=$(make_bundle "$name" "$3")
	if ! "$bin" --root "$root" run -d -b "$bundle" "$id" \
		< /dev/null > /dev/null 2> "$work/err"; then
		keep_best "$label,median" "failed: $(head -1 "$work/err")"
		return
	fi
	m=$(median_ms "$runs" "$bin" --root "$root" exec "$id" /bin/true) || true
	keep_best "$label,median" "$m"
	if [[ $m != failed* ]]; then
		keep_best "$label,batch" "$(batch_ms "$batch" "$bin" \
			--root "$root" exec "$id" /bin/true)"
		keep_best "$label,rss" "$(peak_kib "$bin" --root "$root" \
			exec "$id" /bin/true)"
		# the guard's mark: proof that the ptrace row took that path
		[[ $3 != ptrace || -e $root/$id/ptrace-capable ]] ||
			echo "warning: $label: calyx did not mark the container ptrace-capable" >&2
	fi
	timeout 20 "$bin" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
}

section_exec()
{
	local round name rows=()
	best=()
	for ((round = 0; round < repeat; round++)); do
		for name in "${runtimes[@]}"; do
			exec_row "$name" "$name" exec
		done
		if [[ " ${runtimes[*]} " == *" calyx "* ]]; then
			exec_row calyx+ptrace calyx ptrace
		fi
	done
	header "exec ID /bin/true into a running container ($runs runs, $batch sequential, best of $repeat)" \
		"median ms" "${batch}x ms" "peak KiB"
	rows=("${runtimes[@]}")
	[[ " ${runtimes[*]} " == *" calyx "* ]] && rows+=(calyx+ptrace)
	for name in "${rows[@]}"; do
		row_line "$name" median batch rss
	done
	ratio calyx crun
	ratio calyx+ptrace crun
}

# --- bundleless ----------------------------------------------------------

section_bundleless()
{
	local round m name bwrap_bin rows=() sbx=()
	best=()
	local caps=(--cap-drop ALL --cap-add CAP_AUDIT_WRITE --cap-add CAP_KILL
		    --cap-add CAP_NET_BIND_SERVICE)
	bwrap_bin=$(command -v bwrap || true)
	# The bundle-less default seccomp profile, for bundle rows that carry
	# it too: it is what that mode spends most of its time on (compiling).
	default_seccomp=$("$calyx" run --rootfs "$rootfs" --print-spec \
		-- /bin/true | jq -c .linux.seccomp)
	# What `calyx run --rootfs` sets up, as far as bwrap can: the same
	# namespaces (bwrap's --unshare-all would add a user namespace),
	# capabilities, hostname and mounts; sysfs only as a read-only bind;
	# no seccomp (bwrap takes only a compiled BPF program), no cgroup.
	local -a bwrap_plain=("$bwrap_bin" --unshare-all --die-with-parent
			      --bind "$rootfs" / --proc /proc --dev /dev /bin/true)
	local -a bwrap_match=("$bwrap_bin" --unshare-pid --unshare-net
			      --unshare-ipc --unshare-uts --unshare-cgroup
			      --die-with-parent --hostname calyx "${caps[@]}"
			      --bind "$rootfs" / --proc /proc --dev /dev
			      --tmpfs /dev/shm --mqueue /dev/mqueue
			      --ro-bind /sys /sys --tmpfs /tmp /bin/true)
	sbx=("$calyx" --root "$work/root-calyx-sbx" run --rootfs "$rootfs"
	     --name "$tag-r")
	mkdir -p "$work/root-calyx-sbx"
	for ((round = 0; round < repeat; round++)); do
		for name in calyx crun; do
			[[ " ${runtimes[*]} " == *" $name "* ]] || continue
			mkdir -p "$work/root-$name"
			m=$(median_ms "$runs" "${bins[$name]}" --root \
				"$work/root-$name" run -b "$(make_bundle "$name" run)" \
				"b-$name") || true
			keep_best "$name bundle,median" "$m"
			m=$(median_ms "$runs" "${bins[$name]}" --root \
				"$work/root-$name" run \
				-b "$(make_bundle "$name" seccomp)" "c-$name") || true
			keep_best "$name bundle+seccomp,median" "$m"
		done
		m=$(median_ms "$runs" "${sbx[@]}" -- /bin/true) || true
		keep_best "calyx --rootfs,median" "$m"
		m=$(median_ms "$runs" "${sbx[@]}" --seccomp unconfined \
			-- /bin/true) || true
		keep_best "calyx --rootfs nosec,median" "$m"
		if [[ -n $bwrap_bin ]]; then
			m=$(median_ms "$runs" "${bwrap_plain[@]}") || true
			keep_best "bwrap,median" "$m"
			m=$(median_ms "$runs" "${bwrap_match[@]}") || true
			keep_best "bwrap matched,median" "$m"
		fi
	done
	header "bundle-less run of /bin/true ($runs runs, best of $repeat)" "median ms"
	for name in calyx crun; do
		[[ " ${runtimes[*]} " == *" $name "* ]] &&
			rows+=("$name bundle" "$name bundle+seccomp")
	done
	rows+=("calyx --rootfs" "calyx --rootfs nosec")
	if [[ -n $bwrap_bin ]]; then
		rows+=(bwrap "bwrap matched")
	else
		echo "(bwrap is not installed: apt-get install bubblewrap)"
	fi
	for name in "${rows[@]}"; do
		row_line "$name" median
	done
	echo "(+seccomp: the bundle carries calyx's default profile, as --rootfs"
	echo " applies it; nosec: --seccomp unconfined, as bwrap has none)"
	ratio "calyx --rootfs" "crun bundle+seccomp"
	ratio "calyx bundle" "crun bundle"
	[[ -n $bwrap_bin ]] && ratio "calyx --rootfs nosec" "bwrap matched"
	return 0
}

# --- engines -------------------------------------------------------------

section_engines()
{
	local round name n m
	best=()
	command -v podman >/dev/null 2>&1 && command -v conmon >/dev/null 2>&1 &&
		have_podman=1
	command -v containerd >/dev/null 2>&1 && command -v ctr >/dev/null 2>&1 &&
		have_ctr=1
	if [[ -z $have_podman && -z $have_ctr ]]; then
		printf '\n== engines: neither podman nor containerd is installed\n'
		return 0
	fi
	# engines.sh expects the tests' helpers: the little it uses of them
	fail() { echo "engines: $*" >&2; return 1; }
	skip() { echo "engines: $*" >&2; return 1; }
	export WORK=$work
	ln -s "$rootfs" "$work/rootfs"
	CALYX=$calyx
	# shellcheck source=/dev/null
	. "$top/tests/helpers/engines.sh"
	engine_begin
	engines_teardown()
	{
		local id
		if [[ -n $have_podman ]]; then
			for name in "${runtimes[@]}"; do
				timeout 60 pm "$name" rm -af -t 0 >/dev/null 2>&1
			done
			timeout 60 pm calyx rmi -af >/dev/null 2>&1
		fi
		if [[ -n $have_ctr && -S $ENG/c/sock ]]; then
			for id in $(c task ls -q 2>/dev/null); do
				timeout 20 c task kill -s SIGKILL "$id" >/dev/null 2>&1
				timeout 20 c task delete -f "$id" >/dev/null 2>&1
			done
			for id in $(c container ls -q 2>/dev/null); do
				c container delete "$id" >/dev/null 2>&1
			done
			c image rm "$img" >/dev/null 2>&1
			engine_stop_pidfile "$ENG/c/pid"
		fi
		engine_cleanup
	}
	n=$(( runs / 2 > 10 ? runs / 2 : 10 ))
	if [[ -n $have_podman ]]; then
		engine_podman_config
		# pm RUNTIME ARGS... (the runtimes keep their default state root:
		# podman's cleanup process drops --runtime-flag)
		pm()
		{
			local rt=${bins[$1]}
			shift
			CONTAINERS_CONF=$ENG/p/containers.conf \
			CONTAINERS_STORAGE_CONF=$ENG/p/storage.conf \
			podman --root "$ENG/p/root" --runroot "$ENG/p/run" \
				--tmpdir "$ENG/p/tmp" --runtime "$rt" \
				--cgroup-manager=cgroupfs "$@"
		}
		engine_rootfs_tar | pm calyx import - "$img" > /dev/null \
			2> "$work/err" || fail "podman import: $(cat "$work/err")"
	fi
	if [[ -n $have_ctr ]]; then
		engine_start_containerd
		c() { ctr --address "$ENG/c/sock" -n "$ENG_TAG" "$@"; }
		engine_docker_archive "$ENG/img.tar" "$img"
		c image import "$ENG/img.tar" >/dev/null
	fi
	# conmon drops files into its cwd
	pushd "$ENG" >/dev/null
	for ((round = 0; round < repeat; round++)); do
		for name in "${runtimes[@]}"; do
			if [[ -n $have_podman ]]; then
				m=$(median_ms "$n" env \
					CONTAINERS_CONF="$ENG/p/containers.conf" \
					CONTAINERS_STORAGE_CONF="$ENG/p/storage.conf" \
					podman --root "$ENG/p/root" --runroot "$ENG/p/run" \
					--tmpdir "$ENG/p/tmp" --runtime "${bins[$name]}" \
					--cgroup-manager=cgroupfs run --rm --network none \
					--cgroup-parent "/$ENG_TAG-podman" \
					--ulimit nofile=20000:20000 \
					--ulimit nproc=32768:32768 \
					"$img" /bin/true) || true
				keep_best "podman $name,median" "$m"
			fi
			if [[ -n $have_ctr ]]; then
				m=$(median_ms "$n" ctr --address "$ENG/c/sock" \
					-n "$ENG_TAG" run --rm \
					--runc-binary "${bins[$name]}" \
					--runc-root "$ENG/c/rt-$name" \
					"$img" "b-$name" /bin/true) || true
				keep_best "ctr $name,median" "$m"
			fi
		done
	done
	popd >/dev/null
	header "engines: run --rm IMAGE /bin/true ($n runs, best of $repeat)" "median ms"
	for e in podman ctr; do
		[[ $e == podman && -z $have_podman ]] && continue
		[[ $e == ctr && -z $have_ctr ]] && continue
		for name in "${runtimes[@]}"; do
			row_line "$e $name" median
		done
	done
	[[ -n $have_podman ]] && ratio "podman calyx" "podman crun"
	[[ -n $have_ctr ]] && ratio "ctr calyx" "ctr crun"
	return 0
}

# --- cri -------------------------------------------------------------------

# Pod start through containerd's CRI (what the kubelet does): RunPodSandbox
# (host network: CNI time is the engine's, not the runtime's) +
# CreateContainer + StartContainer of /bin/true, timed by tests/helpers/
# cri.py over one connection, one private containerd with a handler per
# runtime, interleaved. A second pass runs each runtime through a wrapper
# that logs how long each of its calls took: that is the runtime's share.
# In a subshell: its own engine dir, and its own cleanup on every exit.
section_cri()
(
	local round name n m h log out total handlers=() traced=()
	local pause=$top/build/tests/helpers/pause
	best=()
	if ! command -v containerd >/dev/null 2>&1 ||
	   ! /usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null ||
	   [[ ! -x $pause ]]; then
		printf '\n== cri: needs containerd, python3-grpcio, python3-grpc-tools and build/tests/helpers/pause\n'
		exit 0
	fi
	fail() { echo "cri: $*" >&2; exit 1; }
	skip() { echo "cri: $*" >&2; exit 1; }
	export WORK=$work TOP=$top CALYX=$calyx
	# shellcheck source=/dev/null
	. "$top/tests/helpers/engines.sh"
	engine_begin
	engine_cri_snapshot
	cri_teardown()
	{
		set +e
		cri remove-pods >/dev/null 2>&1
		engine_stop_pidfile "$ENG/c/pid"
		engine_cri_cleanup
		engine_cleanup
	}
	trap cri_teardown EXIT
	for name in "${runtimes[@]}"; do
		handlers+=("bench-$name=${bins[$name]}")
		# the wrapper: "SUBCOMMAND START END" per call, in seconds
		cat > "$ENG/wrap-$name" <<-EOF
		#!/bin/bash
		t0=\$EPOCHREALTIME
		"${bins[$name]}" "\$@"
		rc=\$?
		for a; do
			case \$a in create|start|delete|kill|state|update|exec) break ;; esac
		done
		echo "\$a \$t0 \$EPOCHREALTIME" >> "$ENG/trace-$name"
		exit \$rc
		EOF
		chmod 755 "$ENG/wrap-$name"
		traced+=("traced-$name=$ENG/wrap-$name")
	done
	mkdir -p "$ENG/pause-root" "$ENG/logs"
	cp "$pause" "$ENG/pause-root/pause"
	engine_start_containerd_cri localhost/calyx-pause:bench \
		"${handlers[@]}" "${traced[@]}"
	engine_image_archive_of "$ENG/pause.tar" localhost/calyx-pause:bench \
		"$ENG/pause-root" '{"Entrypoint": ["/pause"]}'
	engine_image_archive_of "$ENG/img.tar" "$img" "$rootfs" '{"Entrypoint": ["/bin/sh"]}'
	ctr --address "$ENG/c/sock" -n k8s.io image import "$ENG/pause.tar" >/dev/null
	ctr --address "$ENG/c/sock" -n k8s.io image import "$ENG/img.tar" >/dev/null
	n=$(( runs / 5 > 5 ? runs / 5 : 5 ))
	for ((round = 0; round < repeat; round++)); do
		if out=$(cri bench-pods "$n" "$img" "/$ENG_TAG" "$ENG/logs" \
			"${handlers[@]%%=*}" 2> "$work/err"); then
			while read -r h m; do
				keep_best "${h#bench-},median" "$m"
			done <<< "$out"
		else
			for name in "${runtimes[@]}"; do
				keep_best "$name,median" "failed: $(tail -1 "$work/err")"
			done
		fi
	done
	# the traced pass: once, its own numbers (the wrapper adds a bash)
	cri bench-pods "$n" "$img" "/$ENG_TAG" "$ENG/logs" "${traced[@]%%=*}" \
		> "$ENG/traced" 2> "$work/err" || fail "traced: $(tail -1 "$work/err")"
	header "cri: pod start = RunPodSandbox + CreateContainer + StartContainer ($n pods, best of $repeat)" "median ms"
	for name in "${runtimes[@]}"; do
		row_line "$name" median
	done
	ratio calyx runc
	[[ " ${runtimes[*]} " == *" crun "* ]] && ratio calyx crun
	echo "where the time goes (traced pass: the runtime's create and start"
	echo "calls, for the pause and the container, per pod start):"
	for name in "${runtimes[@]}"; do
		log=$ENG/trace-$name
		[[ -s $log ]] || continue
		total=$(awk -v h="traced-$name" '$1 == h { print $2 }' "$ENG/traced")
		awk -v n="$n" -v name="$name" -v total="$total" '
			$1 == "create" || $1 == "start" {
				t[$1] += ($3 - $2) * 1000; c[$1]++ }
			END {
				s = (t["create"] + t["start"]) / n
				printf "  %-6s pod start %7.1f ms: runtime %6.1f ms (create %5.1f ms x%d, start %5.1f ms x%d), containerd + shim + CRI %6.1f ms\n",
					name, total, s, t["create"] / c["create"], c["create"] / n,
					t["start"] / c["start"], c["start"] / n, total - s }' "$log"
	done
)

timer='bash loop (EPOCHREALTIME)'
[[ -n $have_hyperfine ]] && timer="hyperfine -N ($(hyperfine --version))"
printf '%s; timing: %s; medians; state roots on a tmpfs\n' "$("$calyx" --version | head -1)" "$timer"
want run && section_run run 'run of /bin/true'
want limits && section_run limits 'run of /bin/true, memory 64 MiB + pids 64'
want exec && section_exec
want bundleless && section_bundleless
want engines && section_engines
want cri && section_cri
exit 0
