#!/bin/bash
# Benchmark (not a test; tests/run only checks that the density section
# runs, tests/integration/bench.bats): calyx beside runc, crun,
# bubblewrap and the engines that drive them.
#
#   tests/bench/run.sh [--runs N] [--repeat K] [--only LIST] [--density N]
#                      [--runtimes LIST] [N]
#
#   --runs N      timed runs per row (default 50; the sequential batch is 2N)
#   --repeat K    measure every section K times (interleaved) and keep each
#                 row's best median: the host is shared, noise only adds
#   --only LIST   comma-separated sections (default run,limits,exec,
#                 bundleless,breakdown)
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
only=run,limits,exec,bundleless,breakdown
density=500
runtimes_wanted=calyx,runc,crun
argv=("$@")

usage()
{
	sed -n '5,15p' "$0" | sed 's/^# \{0,1\}//'
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
	run|limits|exec|bundleless|breakdown|density|engines|cri) ;;
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
	exec unshare -m --propagation private "$0" "${argv[@]}"
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

# marked_pids MARK : live processes with MARK in their environment (grep
# fails on the processes that exit while it reads)
marked_pids()
{
	grep -lsazxF "$1" /proc/[0-9]*/environ | cut -d/ -f3 || true
}

# Containers still up (a failed exec section), their state, our cgroups
# (bottom-up, rmdir only), plain dirs runtimes made in /sys/fs/cgroup for
# unmounted controllers, default-root dirs we caused, then $work.
cleanup()
{
	local name root id d pid pids
	set +e
	# the density section's second launcher, then any runtime process
	# still starting a container for it (all carry this run's mark)
	for pid in $(jobs -p); do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for pid in $(marked_pids "CALYX_BENCH_LAUNCHER=$tag"); do
		((pid != $$)) && kill -9 "$pid" 2>/dev/null
	done
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
	# containers their runtime could not delete (they carry this run's
	# mark); they are not our children: wait a bounded while for them
	for ((d = 0; d < 50; d++)); do
		mapfile -t pids < <(marked_pids "CALYX_BENCH_MARK=$tag")
		((${#pids[@]})) || break
		kill -9 "${pids[@]}" 2>/dev/null
		sleep 0.1
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
#   make_bundle NAME VARIANT (run|limits|exec|ptrace|seccomp|bare|dev|
#                             mounts|masks)  -> prints the dir
# The breakdown's variants take parts of the example bundle away:
only_proc='.mounts |= map(select(.destination == "/proc"))'
only_proc_dev='.mounts |= map(select(.destination | test("^/(proc|dev)(/|$)")))'
no_masks='.linux.maskedPaths = [] | .linux.readonlyPaths = []'
no_rest='.root.readonly = false | del(.hostname) | del(.process.rlimits)
	 | .process.noNewPrivileges = false | del(.process.capabilities)
	 | .linux.resources = {}'
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
	# the breakdown's steps from the floor up to the example bundle
	bare) extra="$only_proc | $no_masks | $no_rest" ;;
	dev) extra="$only_proc_dev | $no_masks | $no_rest" ;;
	mounts) extra="$no_masks | $no_rest" ;;
	masks) extra=$no_rest ;;
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
	median_of "${times[@]}"
}

# median_of USEC... : the median of the numbers (microseconds), in ms
median_of()
{
	printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 }
		END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
		      printf "%.1f\n", m / 1000 }'
}

# interleaved_ms N CMD1... -- CMD2... [-- ...] : each CMD once in turn, N
# rounds, so that load that comes and goes on a shared host falls on all of
# them alike; prints each one's median ms, one per line, or fails
interleaved_ms()
{
	local n=$1 i k a t0 t1 cmd=''
	local -a cmds=() times=()
	shift
	for a in "$@" --; do
		if [[ $a == -- ]]; then
			cmds+=("$cmd")
			cmd=''
		else
			cmd+="$(printf '%q' "$a") "
		fi
	done
	for ((i = 0; i < n; i++)); do
		for k in "${!cmds[@]}"; do
			t0=${EPOCHREALTIME/./}
			eval "${cmds[k]}" < /dev/null > /dev/null 2>&1 || return 1
			t1=${EPOCHREALTIME/./}
			times[k]+="$((t1 - t0)) "
		done
	done
	for k in "${!cmds[@]}"; do
		# shellcheck disable=SC2086 # one word per time
		median_of ${times[k]}
	done
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
		echo "(floor: clone3 with the bundle's namespaces, pivot_root, /proc, exec,"
		echo " wait; +cgroups: a cgroup made, joined and removed in each of the"
		echo " $(floor_hierarchies) hierarchies mounted; the breakdown section shows where"
		echo " the rest of calyx's time goes)"
	fi
}

# The floor rows of the run section: what any runtime must do at least.
floor_rows()
{
	local m label cmd
	for label in floor floor+cgroups; do
		cmd=("$floor")
		[[ $label == floor+cgroups ]] && cmd+=(--cgroup "$tag-floor")
		cmd+=("$rootfs" /bin/true)
		m=$(median_ms "$runs" "${cmd[@]}") || true
		keep_best "$label,median" "$m"
		[[ $m == failed* ]] && continue
		keep_best "$label,batch" "$(batch_ms "$batch" "${cmd[@]}")"
		keep_best "$label,rss" "$(peak_kib "${cmd[@]}")"
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

# --- breakdown -----------------------------------------------------------

# cpu_ms : user + system CPU (mean ms) of the last hyperfine run, or "-"
cpu_ms()
{
	if [[ -n $have_hyperfine && -s $work/hf.json ]]; then
		jq -r '(.results[0].user + .results[0].system) * 1000' \
			"$work/hf.json" | awk '{ printf "%.1f\n", $1 }'
	else
		echo -
	fi
}

# breakdown_row LABEL CMD... : median and CPU of CMD into best[LABEL,*]
breakdown_row()
{
	local label=$1 m
	shift
	rm -f "$work/hf.json"
	m=$(median_ms "$runs" "$@") || true
	keep_best "$label,median" "$m"
	[[ $m == failed* ]] || keep_best "$label,cpu" "$(cpu_ms)"
}

# The classes of a traced run, in the order a run goes through them.
trace_classes=("runtime start (exec, libc)" config state "procfs (runtime)" cgroups
	"clone, namespaces" "network (lo up)" mounts /dev
	"masked, readonly paths" "process setup" "credentials, caps" seccomp
	"sync protocol (send)" "waiting on the other side" "exec of the command"
	"the command (/bin/true)" other)

# trace_profile ROOT BUNDLE CMD... : runs CMD under strace -f -T (-yy:
# fds shown with their paths) and prints "CLASS<TAB>CALLS<TAB>MS" per
# class of syscall, MS the time spent inside the kernel's syscalls, then
# "wall<TAB>0<TAB>MS" (the traced run, start to end).  A syscall is
# classed by what it touches: the cgroup tree, the state ROOT, the BUNDLE,
# /dev or a masked path (a new mount is classed by its target when it is
# moved into place), else by its name.
trace_profile()
{
	local root=$1 bundle=$2
	shift 2
	strace -f -qq -ttt -T -yy -s 256 -o "$work/trace" "$@" \
		< /dev/null > /dev/null 2>&1 || return 1
	awk -v root="$root" -v bundle="$bundle" '
	function class(pid, name, text) {
		if (pid in cmd)
			return "the command (/bin/true)"
		if (name ~ /^(clone3?|v?fork|unshare|setns)$/)
			return "clone, namespaces"
		if (name ~ /^execve(at)?$/)
			return pid == first ? "runtime start (exec, libc)" : "exec of the command"
		if (text ~ /NETLINK/)
			return "network (lo up)"
		if (name ~ /^(recvmsg|recvfrom|poll|ppoll|epoll_wait|waitid|wait4|pselect6)$/ ||
		    (name == "read" && text ~ /pipe:\[/))
			return "waiting on the other side"
		if (index(text, "/sys/fs/cgroup"))
			return "cgroups"
		if (index(text, root "/") || index(text, root ">") || index(text, root "\""))
			return "state"
		if (index(text, bundle "/config.json"))
			return "config"
		if (name == "seccomp" || text ~ /SECCOMP/)
			return "seccomp"
		if (text ~ /\/proc\/(self|thread-self|[0-9]+)\/|mountinfo/)
			return "procfs (runtime)"
		if (text ~ /["<]\/?(proc\/[a-rt-z]|proc\/s[a-df-z]|sys\/)/)
			return "masked, readonly paths"
		if (text ~ /([<"]|\/rootfs)\/?dev([\/>"]|$)/)
			return "/dev"
		if (name ~ /^(mount|umount2|pivot_root|fsopen|fsconfig|fsmount|move_mount|open_tree|mount_setattr)$/)
			return "mounts"
		if (name ~ /^(prctl|capset|capget|setresuid|setresgid|setgroups|setuid|setgid)$/)
			return "credentials, caps"
		if (name ~ /^(sendto|sendmsg|socketpair|pipe2?)$/)
			return "sync protocol (send)"
		if (name ~ /^(brk|mmap|munmap|mprotect|arch_prctl|set_tid_address|set_robust_list|rseq|getrandom)$/)
			return "runtime start (exec, libc)"
		if (name ~ /^(prlimit64|setrlimit|sethostname|setdomainname|keyctl|close_range|umask|setsid|rt_sigaction|rt_sigprocmask|chdir|fchdir|close)$/)
			return "process setup"
		return "other"
	}
	function add(c, dur) { n[c]++; t[c] += dur }
	$3 ~ /^(---|\+\+\+)$/ { next }
	{
		pid = $1
		if (first == "")
			first = pid
		if (start == "")
			start = $2
		end = $2
		line = $0
		sub(/^[0-9]+ +[0-9.]+ +/, "", line)
		if (line ~ /<unfinished \.\.\.>$/) {
			pend[pid] = line
			next
		}
		if (match(line, /^<\.\.\. [a-z0-9_]+ resumed>/)) {
			name = substr(line, 6, RLENGTH - 14)
			line = pend[pid] line
			delete pend[pid]
		} else {
			name = line
			sub(/\(.*/, "", name)
		}
		dur = 0
		if (match(line, /<[0-9.]+>$/))
			dur = substr(line, RSTART + 1, RLENGTH - 2) * 1000
		# a new mount is built on an fd, then moved: class it all by
		# where it lands
		if (name ~ /^(fsopen|fsconfig|fsmount|open_tree|mount_setattr)$/ &&
		    !(pid in cmd)) {
			mn[pid]++
			mt[pid] += dur
			next
		}
		c = class(pid, name, line)
		if (name == "move_mount") {
			n[c] += mn[pid]
			t[c] += mt[pid]
			mn[pid] = mt[pid] = 0
		}
		add(c, dur)
		if (name ~ /^execve(at)?$/ && pid != first && line ~ /= 0 </)
			cmd[pid] = 1
	}
	END {
		for (p in mn)
			if (mn[p]) { n["mounts"] += mn[p]; t["mounts"] += mt[p] }
		for (c in n)
			printf "%s\t%d\t%.2f\n", c, n[c], t[c]
		printf "wall\t0\t%.2f\n", (end - start) * 1000
	}' "$work/trace"
}

# trace_into PREFIX ROOT BUNDLE CMD... : trace_profile's rows, the median
# of 5 traced runs, into best[CLASS,PREFIX-n] and best[CLASS,PREFIX-ms]
trace_into()
{
	local prefix=$1 i c calls ms
	shift
	: > "$work/profiles"
	for ((i = 0; i < 5; i++)); do
		trace_profile "$@" >> "$work/profiles" || return 1
	done
	while IFS=$'\t' read -r c calls ms; do
		best[$c,$prefix-n]=$calls
		best[$c,$prefix-ms]=$ms
	done < <(sort -t$'\t' -k1,1 -k3,3n "$work/profiles" | awk -F'\t' '
		{ v[$1, ++k[$1]] = $3; calls[$1, k[$1]] = $2 }
		END { for (c in k) { m = int((k[c] + 1) / 2)
			printf "%s\t%s\t%s\n", c, calls[c, m], v[c, m] } }')
}

# Where calyx's time goes beyond the floor: the example bundle built up
# from the floor part by part (each row adds one part: its + ms is what
# that part costs), then syscalls by what they touch in traced runs.
# breakdown_interleaved ROOT BARE EXAMPLE : floor + cgroups and calyx's
# runs of the bare and the example bundle taken in turn, run by run: the
# rows above are measured one after another, and on a shared host the
# load moves between them (the floor's v1 cgroup joins wait for RCU grace
# periods, which a loaded host stretches most); these ratios are the ones
# to go by
breakdown_interleaved()
{
	local n=$((runs * repeat)) m=() i
	local labels=("floor + cgroups" "calyx, bare bundle" "calyx, example bundle")
	mapfile -t m < <(interleaved_ms "$n" "$floor" --cgroup "$tag-floor" "$rootfs" /bin/true \
		-- "$calyx" --root "$1" run -b "$2" bd -- "$calyx" --root "$1" run -b "$3" bd ||
		echo failed)
	printf '\n== breakdown: floor + cgroups and calyx in turn, run by run (%s rounds)\n' "$n"
	printf '%-28s  %10s\n' row "median ms"
	for i in 0 1 2; do
		printf '%-28s  %10s\n' "${labels[i]}" "${m[i]:--}"
	done
	for i in 1 2; do
		if [[ ${m[i]:-} =~ ^[0-9.]+$ && ${m[0]:-} =~ ^[0-9.]+$ ]]; then
			awk -v a="${m[i]}" -v b="${m[0]}" -v na="${labels[i]}" 'BEGIN {
				printf "%s / floor + cgroups: %.2fx (%.1f ms vs %.1f ms)\n",
				       na, a / b, a, b }'
		fi
	done
}

section_breakdown()
{
	local round label prev m d c root bundle rows=()
	local -A bundles
	best=()
	if [[ " ${runtimes[*]} " != *" calyx "* ]]; then
		printf '\n== breakdown: calyx is not among the runtimes\n'
		return 0
	fi
	[[ -n $default_seccomp ]] ||
		default_seccomp=$("$calyx" run --rootfs "$rootfs" --print-spec \
			-- /bin/true | jq -c .linux.seccomp)
	root=$work/root-calyx-bd
	mkdir -p "$root"
	rows=("calyx, bare bundle" "+ /dev mounts" "+ /sys, /tmp mounts"
	      "+ masked, readonly paths" "+ the rest = example" "+ default seccomp")
	bundles=(["calyx, bare bundle"]=bare ["+ /dev mounts"]=dev
		 ["+ /sys, /tmp mounts"]=mounts ["+ masked, readonly paths"]=masks
		 ["+ the rest = example"]=run ["+ default seccomp"]=seccomp)
	for label in "${rows[@]}"; do
		bundles[$label]=$(make_bundle calyx "${bundles[$label]}")
	done
	for ((round = 0; round < repeat; round++)); do
		if [[ -n $floor ]]; then
			breakdown_row floor "$floor" "$rootfs" /bin/true
			breakdown_row "floor + cgroups" "$floor" --cgroup "$tag-floor" \
				"$rootfs" /bin/true
		fi
		for label in "${rows[@]}"; do
			breakdown_row "$label" "$calyx" --root "$root" run \
				-b "${bundles[$label]}" bd
		done
	done
	[[ -n $floor ]] && rows=(floor "floor + cgroups" "${rows[@]}")
	printf '\n== breakdown: from the floor to the example bundle, part by part (%s runs, best of %s)\n' \
		"$runs" "$repeat"
	printf '%-28s  %10s  %10s  %10s\n' row "median ms" "+ ms" "CPU ms"
	prev=
	for label in "${rows[@]}"; do
		m=${best[$label,median]:--}
		d=-
		[[ $m =~ ^[0-9.]+$ && $prev =~ ^[0-9.]+$ ]] &&
			d=$(awk -v a="$m" -v b="$prev" 'BEGIN { printf "%+.1f\n", a - b }')
		printf '%-28s  %10s  %10s  %10s\n' "$label" "$m" "$d" \
			"${best[$label,cpu]:--}"
		prev=$m
	done
	echo "(bare: the example's namespaces and /proc only, no capabilities,"
	echo " rlimits, hostname, read-only root, no_new_privs or device rules;"
	echo " the rest: those back; + ms: against the row above, so floor +"
	echo " cgroups -> bare is calyx's own fixed cost: its start, config, state,"
	echo " the default /dev nodes, the sync protocol, the teardown)"
	[[ -n $floor ]] && breakdown_interleaved "$root" \
		"${bundles[calyx, bare bundle]}" "${bundles[+ the rest = example]}"

	if ! command -v strace >/dev/null 2>&1; then
		echo "(strace is not installed: no syscall profile)"
		return 0
	fi
	best=()
	bundle=$(make_bundle calyx run)
	if [[ -n $floor ]]; then
		trace_into floor "$root" "$rootfs" \
			"$floor" --cgroup "$tag-floor" "$rootfs" /bin/true || true
	fi
	trace_into calyx "$root" "$bundle" "$calyx" --root "$root" run -b "$bundle" bd ||
		{ echo "(strace failed: $(tail -1 "$work/trace"))"; return 0; }
	printf '\n== breakdown: syscalls of one run by what they touch (strace -f -T, median of 5)\n'
	printf '%-28s  %10s  %10s  %10s  %10s\n' class "floor+cg n" "floor+cg ms" "calyx n" "calyx ms"
	for c in "${trace_classes[@]}" wall; do
		[[ -n ${best[$c,calyx-n]:-}${best[$c,floor-n]:-} ]] || continue
		if [[ $c == wall ]]; then
			printf '%-28s  %10s  %10s  %10s  %10s\n' "traced run, wall" "" \
				"${best[$c,floor-ms]:--}" "" "${best[$c,calyx-ms]:--}"
		else
			printf '%-28s  %10s  %10s  %10s  %10s\n' "$c" \
				"${best[$c,floor-n]:-0}" "${best[$c,floor-ms]:-0}" \
				"${best[$c,calyx-n]:-0}" "${best[$c,calyx-ms]:-0}"
		fi
	done
	echo "(n: syscalls; ms: time inside them. strace stops the tracee at each"
	echo " syscall, so a traced run is several times slower than a plain one;"
	echo " the counts are exact, the times show where the kernel works. Waiting"
	echo " overlaps the other process's work. The example bundle has no seccomp"
	echo " profile: the part-by-part table above shows what one costs.)"
	return 0
}

# --- density -------------------------------------------------------------

# The density containers' config: a sleeper (busybox: costs nothing), a
# pids limit, and a mark in its environment by which cleanup finds it if
# its runtime cannot delete it; @CG@ stands for its cgroupsPath.
density_template()
{
	jq -c --arg r "$rootfs" --arg mark "CALYX_BENCH_MARK=$tag" \
		'.root.path = $r | .process.args = ["sleep", "1000000"]
		 | .process.env += [$mark] | .ociVersion = "1.0.2"
		 | .linux.cgroupsPath = "@CG@"
		 | .linux.resources.pids = {limit: 16}' \
		"$top/examples/hello/config.json"
}

# dens_bundles NAME PREFIX COUNT : the bundles of containers
# $tag-PREFIX1..COUNT, each with its cgroup /$dens_parent/PREFIXi
dens_bundles()
{
	local i dir
	for ((i = 1; i <= $3; i++)); do
		dir=$work/dens-$1/$2$i
		mkdir -p "$dir"
		printf '%s\n' "${dens_tmpl//@CG@//$dens_parent/$2$i}" > "$dir/config.json"
	done
}

# dens_start NAME ROOT LEAF : starts container $tag-LEAF detached and adds
# the microseconds the runtime took to dtimes
dens_start()
{
	local dir=$work/dens-$1/$3 t0 t1
	t0=${EPOCHREALTIME/./}
	"${bins[$1]}" --root "$2" run -d -b "$dir" "$tag-$3" \
		< /dev/null > /dev/null 2> "$dir/err" || return 1
	t1=${EPOCHREALTIME/./}
	dtimes+=($((t1 - t0)))
}

# dens_launch NAME ROOT PREFIX COUNT : starts PREFIX1..PREFIXCOUNT one
# after another (dens_bundles made them), stops at the first failure
dens_launch()
{
	local i
	for ((i = 1; i <= $4; i++)); do
		dens_start "$1" "$2" "$3$i" || return 1
	done
}

# dens_first_error NAME : the first error a start of NAME printed
dens_first_error()
{
	local f
	for f in "$work/dens-$1"/*/err; do
		[[ -s $f ]] && { head -1 "$f"; return; }
	done
}

# dens_delete_all NAME ROOT : delete -f of every container in ROOT
dens_delete_all()
{
	local id
	for id in $("${bins[$1]}" --root "$2" list -q 2>/dev/null); do
		timeout 20 "${bins[$1]}" --root "$2" delete -f "$id" \
			< /dev/null > /dev/null 2>&1 || true
	done
}

# kernel_mem : Slab, SUnreclaim, and Slab + KernelStack + PageTables +
# Percpu from /proc/meminfo, in KiB
kernel_mem()
{
	awk '$1 ~ /^(Slab|SUnreclaim|KernelStack|PageTables|Percpu):$/ { v[$1] = $2 }
	     END { print v["Slab:"] + 0, v["SUnreclaim:"] + 0,
		   v["Slab:"] + v["KernelStack:"] + v["PageTables:"] + v["Percpu:"] }' \
		/proc/meminfo
}

# cg_memory CGROUP : "BYTES KERNEL_BYTES" charged to CGROUP (the v1 memory
# hierarchy, else v2), "- -" when it has no memory controller
cg_memory()
{
	local v1=/sys/fs/cgroup/memory/$1 v2=/sys/fs/cgroup/$1
	if [[ -r $v1/memory.usage_in_bytes ]]; then
		echo "$(< "$v1/memory.usage_in_bytes")" \
			"$(cat "$v1/memory.kmem.usage_in_bytes" 2>/dev/null || echo -)"
	elif [[ -r $v2/memory.current ]]; then
		echo "$(< "$v2/memory.current")" \
			"$(awk '$1 == "kernel" { print $2; f = 1 } END { if (!f) print "-" }' \
				"$v2/memory.stat")"
	else
		echo "- -"
	fi
}

# kept_pids : processes that carry this run's launcher mark (every runtime
# process inherits it; containers get their config's environment) but no
# longer descend from this shell: what a runtime keeps per container
kept_pids()
{
	local marked
	marked=$(marked_pids "CALYX_BENCH_LAUNCHER=$tag")
	[[ -n $marked ]] || return 0
	ps -e -o pid=,ppid= | awk -v me=$$ -v marked="$marked" '
		{ parent[$1] = $2 }
		END {
			n = split(marked, m, "\n")
			for (i = 1; i <= n; i++) {
				p = m[i]
				if (!(p in parent))
					continue	# gone meanwhile
				while (p != me && p > 1 && (p in parent))
					p = parent[p]
				if (p != me)
					print m[i]
			}
		}'
}

# per_ct AMOUNT N [UNIT] : AMOUNT / UNIT / N with one decimal, or "-"
per_ct()
{
	[[ $1 =~ ^-?[0-9]+$ ]] || { echo -; return; }
	awk -v a="$1" -v n="$2" -v d="${3:-1}" 'BEGIN { printf "%.1f\n", a / d / n }'
}

# dens_teardown NAME ROOT : deletes what is left, removes the cgroup
# parent, and records what could not be removed in best[left,NAME]
dens_teardown()
{
	local name=$1 root=$2 left=() n d
	dens_delete_all "$name" "$root"
	n=$("${bins[$name]}" --root "$root" list -q 2>/dev/null | wc -l) || true
	((n == 0)) || left+=("$n listed")
	n=$(find "$root" -mindepth 1 -maxdepth 1 | wc -l) || true
	((n == 0)) || left+=("$n state dirs")
	n=$(marked_pids "CALYX_BENCH_MARK=$tag" | wc -l)
	((n == 0)) || left+=("$n processes")
	# the parent is the benchmark's; what is below it, the runtime's
	# (find fails on the cgroups others remove while it walks)
	while read -r d; do
		n=$(find "$d" -mindepth 1 -type d | wc -l) || true
		((n == 0)) || left+=("$n cgroups in $d")
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d \
		-name "$dens_parent" 2>/dev/null)
	n=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d \
		-name "$dens_parent" 2>/dev/null | wc -l) || true
	((n == 0)) || left+=("$n cgroup parents")
	if ((${#left[@]})); then
		best[left,$name]="$(IFS=,; echo "${left[*]}")"
		echo "warning: $name left after delete -f: ${left[*]}" >&2
	else
		best[left,$name]=none
	fi
}

# density_runtime NAME : the density rows of one runtime
density_runtime()
{
	local name=$1 bin=${bins[$1]} root=$work/root-$1-dens
	local i b n from to m pss pids t0 t1 rc1 rc2 err
	local -a k0 k1 cg
	dens_parent=$tag-d-$name
	mkdir -p "$root"
	dens_bundles "$name" c "$density"
	dens_bundles "$name" s $((2 * dpar))
	dens_bundles "$name" p "$dpar"
	dens_bundles "$name" q "$dpar"
	read -ra k0 <<< "$(kernel_mem)"
	dtimes=()
	if ! dens_launch "$name" "$root" c "$density"; then
		err="start $((${#dtimes[@]} + 1)): $(dens_first_error "$name")"
		best[fail,$name]=$err
		echo "warning: $name: $err" >&2
		dens_teardown "$name" "$root"
		return
	fi
	read -ra k1 <<< "$(kernel_mem)"
	for ((b = 0; b * dbatch < density; b++)); do
		from=$((b * dbatch + 1))
		to=$(((b + 1) * dbatch < density ? (b + 1) * dbatch : density))
		best[start $from-$to,$name]=$(median_of "${dtimes[@]:b * dbatch:dbatch}")
	done
	m=$(awk -v a="${best[start $from-$to,$name]}" \
		-v b="${best[start 1-$((dbatch < density ? dbatch : density)),$name]}" \
		'BEGIN { printf "%.2fx\n", a / b }')
	best[last/first,$name]=$m

	# with all of them running
	n=$("$bin" --root "$root" list -q | wc -l) || true
	((n == density)) ||
		echo "warning: $name lists $n containers, $density were started" >&2
	best[list,$name]=$(median_ms "$runs" "$bin" --root "$root" list) || true
	best[state,$name]=$(median_ms "$runs" "$bin" --root "$root" state \
		"$tag-c$density") || true
	best[exec,$name]=$(median_ms "$runs" "$bin" --root "$root" exec \
		"$tag-c$density" /bin/true) || true

	# memory: the kernel's share (system-wide, so other work on the host
	# adds noise), the cgroups' charge, the containers' own processes
	best[slab,$name]=$(per_ct $((k1[0] - k0[0])) "$density")
	best[sunreclaim,$name]=$(per_ct $((k1[1] - k0[1])) "$density")
	best[kernel,$name]=$(per_ct $((k1[2] - k0[2])) "$density")
	read -ra cg <<< "$(cg_memory "$dens_parent")"
	best[cgmem,$name]=$(per_ct "${cg[0]}" "$density" 1024)
	best[cgkmem,$name]=$(per_ct "${cg[1]}" "$density" 1024)
	# PSS, not RSS: the sleepers share busybox's pages
	pids=$(marked_pids "CALYX_BENCH_MARK=$tag")
	pss=0
	for i in $pids; do
		pss=$((pss + $(awk '$1 == "Pss:" { print $2 }' \
			"/proc/$i/smaps_rollup" 2>/dev/null || echo 0)))
	done
	best[procs,$name]=$(wc -w <<< "$pids")
	best[pss,$name]=$(per_ct "$pss" "$density")
	pids=$(kept_pids)
	best[kept,$name]=$(wc -w <<< "$pids")

	# delete -f at the top: the newest first, one batch timed
	dtimes=()
	t0=${EPOCHREALTIME/./}
	for ((i = density; i > density - dbatch; i--)); do
		t1=${EPOCHREALTIME/./}
		timeout 20 "$bin" --root "$root" delete -f "$tag-c$i" \
			< /dev/null > /dev/null 2>&1 ||
			echo "warning: $name: delete -f $tag-c$i failed" >&2
		dtimes+=($((${EPOCHREALTIME/./} - t1)))
	done
	best[delete,$name]=$(median_of "${dtimes[@]}")
	for ((; i > 0; i--)); do
		timeout 20 "$bin" --root "$root" delete -f "$tag-c$i" \
			< /dev/null > /dev/null 2>&1 ||
			echo "warning: $name: delete -f $tag-c$i failed" >&2
	done
	best[teardown,$name]=$(awk -v t=$((${EPOCHREALTIME/./} - t0)) \
		'BEGIN { printf "%.1f\n", t / 1e6 }')
	dens_teardown "$name" "$root"

	# starts per second: one launcher, then two at once, from none running
	rc1=0 rc2=0
	t0=${EPOCHREALTIME/./}
	dens_launch "$name" "$root" s $((2 * dpar)) || rc1=$?
	t1=${EPOCHREALTIME/./}
	best[seq,$name]=$(awk -v n=$((2 * dpar)) -v t=$((t1 - t0)) \
		'BEGIN { printf "%.0f\n", n * 1e6 / t }')
	((rc1 == 0)) || { best[seq,$name]=failed
		best[fail,$name]="one launcher: $(dens_first_error "$name")"; }
	dens_teardown "$name" "$root"
	t0=${EPOCHREALTIME/./}
	rc1=0
	dens_launch "$name" "$root" p "$dpar" &
	b=$!
	dens_launch "$name" "$root" q "$dpar" || rc2=$?
	wait "$b" || rc1=$?
	t1=${EPOCHREALTIME/./}
	best[par,$name]=$(awk -v n=$((2 * dpar)) -v t=$((t1 - t0)) \
		'BEGIN { printf "%.0f\n", n * 1e6 / t }')
	((rc1 == 0 && rc2 == 0)) || { best[par,$name]=failed
		best[fail,$name]="two launchers: $(dens_first_error "$name")"; }
	dens_teardown "$name" "$root"
}

# dens_line LABEL KEY : one row of best[KEY,RUNTIME] over the runtimes
dens_line()
{
	local name line
	line=$(printf '%-26s' "$1")
	for name in "${runtimes[@]}"; do
		line+=$(printf '  %10s' "${best[$2,$name]:--}")
	done
	printf '%s\n' "$line"
}

dens_header()
{
	local name line
	printf '\n== %s\n' "$1"
	line=$(printf '%-26s' "$2")
	for name in "${runtimes[@]}"; do
		line+=$(printf '  %10s' "$name")
	done
	printf '%s\n' "$line"
}

# dens_ratio LABEL KEY A B : "LABEL A/B: R x" from best[KEY,A], best[KEY,B]
dens_ratio()
{
	local a=${best[$2,$3]:-} b=${best[$2,$4]:-}
	[[ $a =~ ^[0-9.]+$ && $b =~ ^[0-9.]+$ ]] || return 0
	awk -v a="$a" -v b="$b" -v l="$1" -v na="$3" -v nb="$4" 'BEGIN {
		printf "%s %s/%s: %.2fx (%s vs %s)\n", l, na, nb, a / b, a, b }'
}

section_density()
{
	local name b from to
	best=()
	# batches of 50 (of half the containers when fewer than 100), and
	# as many per launcher in the parallel row
	dbatch=$((density >= 100 ? 50 : (density + 1) / 2))
	dpar=$dbatch
	dens_tmpl=$(density_template)
	export CALYX_BENCH_LAUNCHER=$tag
	for name in "${runtimes[@]}"; do
		density_runtime "$name"
	done
	unset CALYX_BENCH_LAUNCHER

	dens_header "density: run -d of a sleeper as they accumulate ($density per runtime; median ms per start in each batch)" batch
	for ((b = 0; b * dbatch < density; b++)); do
		from=$((b * dbatch + 1))
		to=$(((b + 1) * dbatch < density ? (b + 1) * dbatch : density))
		dens_line "start $from-$to" "start $from-$to"
	done
	dens_line "last/first" last/first
	dens_header "with $density running (median ms of $runs; delete -f: the first $dbatch, newest first)" row
	dens_line list list
	dens_line "state ID" state
	dens_line "exec ID /bin/true" exec
	dens_line "delete -f" delete
	dens_line "delete all $density, s" teardown
	dens_header "memory per running container, KiB ($density running)" row
	dens_line "slab (/proc/meminfo)" slab
	dens_line "  of it unreclaimable" sunreclaim
	dens_line "kernel: slab+stack+pt+pcpu" kernel
	dens_line "cgroup memory.usage" cgmem
	dens_line "  of it kernel (kmem)" cgkmem
	dens_line "container process PSS" pss
	dens_line "container processes" procs
	dens_line "runtime processes kept" kept
	dens_header "starts per second from none running ($((2 * dpar)) containers)" launchers
	dens_line "one launcher" seq
	dens_line "two at once" par
	dens_line "left after teardown" left
	for name in "${runtimes[@]}"; do
		[[ -n ${best[fail,$name]:-} ]] && echo "$name failed: ${best[fail,$name]}"
	done
	echo "(slab and kernel: /proc/meminfo before and after the $density starts,"
	echo " system-wide: other work on the host adds noise; cgroup: the"
	echo " containers' parent cgroup, which is charged only what a container"
	echo " allocates once in it; no runtime keeps a process per container,"
	echo " \"kept\" counts any)"
	dens_ratio "run -d of the last batch ($from-$to), ms," "start $from-$to" calyx crun
	dens_ratio "list with $density, ms," list calyx crun
	dens_ratio "exec with $density, ms," exec calyx crun
	dens_ratio "starts/s, two launchers (higher: faster)," par calyx crun
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
printf '%s; timing: %s; medians; state roots on a tmpfs; tag %s\n' \
	"$("$calyx" --version | head -1)" "$timer" "$tag"
want run && section_run run 'run of /bin/true'
want limits && section_run limits 'run of /bin/true, memory 64 MiB + pids 64'
want exec && section_exec
want bundleless && section_bundleless
want breakdown && section_breakdown
want density && section_density
want engines && section_engines
want cri && section_cri
exit 0
