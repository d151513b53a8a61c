#!/bin/bash
# Benchmark (not a test): `run` of /bin/true on the example bundle for
# calyx, runc and crun side by side.
#
#   tests/bench/run.sh [RUNS]        (default 50; the sequential batch is 2x)
#
# Prints per runtime: median wall time of one `run`, wall time of 2*RUNS
# sequential runs, peak RSS of the runtime (/usr/bin/time -v) and binary size.
#
# crun 1.8 refuses this hybrid-cgroup host because cgroup2 at
# /sys/fs/cgroup/unified lists controllers; everything runs inside a private
# mount namespace with an empty file over that cgroup.controllers, so all
# three runtimes see the same host and the host itself is untouched.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-50}
batch=$((runs * 2))

if [[ -z ${CALYX_BENCH_INNER:-} ]]; then
	export CALYX_BENCH_INNER=1
	exec unshare -m --propagation private "$0" "$@"
fi

controllers=/sys/fs/cgroup/unified/cgroup.controllers
if [[ -e $controllers ]]; then
	empty=$(mktemp)
	mount --bind "$empty" "$controllers"
fi

"$top/examples/hello/make-bundle.sh" >/dev/null
# crun 1.8 refuses ociVersion 1.3.0: every runtime gets the same 1.0.2 config
work=$(mktemp -d /tmp/calyx-bench.XXXXXX)
trap 'rm -rf "$work" ${empty:+"$empty"}' EXIT
# One bundle per runtime, each with an absolute cgroupsPath: runc and crun
# would otherwise nest their cgroups below this session's own.
make_bundle()
{
	mkdir -p "$work/bundle-$1"
	jq --arg r "$top/examples/hello/rootfs" --arg cg "/calyx-bench-$1" \
		'.root.path = $r | .process.args = ["/bin/true"]
		 | .ociVersion = "1.0.2" | .linux.cgroupsPath = $cg' \
		"$top/examples/hello/config.json" > "$work/bundle-$1/config.json"
}

calyx=${CALYX:-$top/build/src/cli/calyx}
declare -A bins=([calyx]=$calyx [runc]=$(command -v runc || true)
		 [crun]=$(command -v crun || true))

now_ns() { date +%s%N; }

bench_one()
{
	local name=$1 bin=$2 root=$work/root-$1 bundle=$work/bundle-$1
	local i t0 t1 times=() median batch_ms rss size
	mkdir -p "$root"
	make_bundle "$name"
	# warm up the page cache and check that it works at all
	if ! "$bin" --root "$root" run -b "$bundle" "warm-$name" \
		< /dev/null > "$work/$name.err" 2>&1; then
		printf '%-6s  failed: %s\n' "$name" "$(head -1 "$work/$name.err")"
		return
	fi
	for ((i = 0; i < runs; i++)); do
		t0=$(now_ns)
		"$bin" --root "$root" run -b "$bundle" "b-$name-$i" < /dev/null > /dev/null 2>&1
		t1=$(now_ns)
		times+=($(( (t1 - t0) / 1000 )))
	done
	median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 }
		END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
		      printf "%.1f", m / 1000 }')
	t0=$(now_ns)
	for ((i = 0; i < batch; i++)); do
		"$bin" --root "$root" run -b "$bundle" "s-$name-$i" < /dev/null > /dev/null 2>&1
	done
	t1=$(now_ns)
	batch_ms=$(( (t1 - t0) / 1000000 ))
	rss=$(/usr/bin/time -v "$bin" --root "$root" run -b "$bundle" "rss-$name" \
		< /dev/null 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ { print $2 }')
	size=$(stat -L -c %s "$bin")
	printf '%-6s  %10s  %12s  %10s  %10s\n' "$name" "$median" "$batch_ms" \
		"$rss" "$((size / 1024))"
}

printf 'run of /bin/true, %d runs for the median, %d sequential runs\n' "$runs" "$batch"
printf '%-6s  %10s  %12s  %10s  %10s\n' runtime "median ms" "${batch}x ms" \
	"peak KiB" "size KiB"
for name in calyx runc crun; do
	bin=${bins[$name]}
	if [[ -z $bin || ! -x $bin ]]; then
		printf '%-6s  not installed\n' "$name"
		continue
	fi
	bench_one "$name" "$bin"
done
