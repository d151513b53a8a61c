#!/bin/bash
# Benchmark row "checkpoint/restore": the time `checkpoint` and `restore -d`
# take for a container holding 64 MiB of touched memory, calyx beside runc
# (medians of N rounds, and calyx/runc ratios).
#
#   tests/bench/checkpoint.sh [N]          (default N=5)
#
# CRIU must work on the running kernel (`criu check`): on hosts where it
# does not (Debian 12's CRIU on 6.x kernels newer than it knows), run it in
# the VM tier's guest, where both runtimes meet the same kernel:
#
#   CALYX_VM_CMD=tests/bench/checkpoint.sh tests/vm/run-cgroup-v2.sh
#
# Prints one line per runtime and a ratio line; exits 77 when CRIU cannot run.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-5}
calyx_bin=${CALYX:-$top/build/src/cli/calyx}
work=$(mktemp -d "${TMPDIR:-/tmp}/calyx-ckpt-bench.XXXXXX")
tag=calyx-ckpt-bench-$$

cleanup()
{
	local rt
	for rt in "$calyx_bin" runc; do
		"$rt" --root "$work/root-$(basename "$rt")" delete -f "$tag" >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

if ! out=$(criu check 2>&1) || [[ $out != *"Looks good"* ]]; then
	echo "SKIP: criu check fails on kernel $(uname -r): $(grep -m1 Error <<< "$out")"
	exit 77
fi

rootfs=$work/rootfs
if [[ -d ${CALYX_TEST_WORK:-}/rootfs ]]; then
	# the VM guest's ready copy (making one there takes long)
	cp -a "$CALYX_TEST_WORK/rootfs" "$rootfs"
else
	"$top/examples/hello/make-bundle.sh" "$rootfs" >/dev/null
fi

# The shell holds a 64 MiB string (touched memory) and then sleeps.
make_bundle()
{
	local dir=$work/bundle-$1
	mkdir -p "$dir"
	jq --arg r "$rootfs" --arg cg "/$tag-$1" '
		.root.path = $r | .root.readonly = false
		| .linux.cgroupsPath = $cg
		| .process.args = ["/bin/sh", "-c",
		  "exec </dev/null >/dev/null 2>&1; x=$(head -c 67108864 /dev/zero | tr \"\\\\0\" a); touch /tmp/ready; while :; do sleep 1; done"]' \
		"$top/examples/hello/config.json" > "$dir/config.json"
	echo "$dir"
}

ms_since()
{
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }'
}

median()
{
	sort -n | awk '{ a[NR] = $1 } END {
		printf "%.1f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# measure RUNTIME: prints "checkpoint_ms restore_ms" (medians of n rounds)
measure()
{
	local rt=$1 name root bundle img i t ck=() rs=() pid
	name=$(basename "$rt")
	root=$work/root-$name
	bundle=$(make_bundle "$name")
	"$rt" --root "$root" run -d -b "$bundle" "$tag" < /dev/null > /dev/null 2>&1
	for ((i = 0; i < n; i++)); do
		# the memory is in place once /tmp/ready exists (in the container)
		pid=$("$rt" --root "$root" state "$tag" | jq -r .pid)
		until [[ -e /proc/$pid/root/tmp/ready ]]; do sleep 0.1; done
		img=$work/img-$name-$i
		t=$EPOCHREALTIME
		"$rt" --root "$root" checkpoint --image-path "$img" "$tag" > /dev/null
		ck+=("$(ms_since "$t")")
		t=$EPOCHREALTIME
		"$rt" --root "$root" restore -d -b "$bundle" --image-path "$img" "$tag" \
			< /dev/null > /dev/null 2>&1
		rs+=("$(ms_since "$t")")
		rm -rf "$img"
	done
	"$rt" --root "$root" delete -f "$tag" > /dev/null 2>&1
	echo "$(printf '%s\n' "${ck[@]}" | median) $(printf '%s\n' "${rs[@]}" | median)"
}

read -r c_ck c_rs <<< "$(measure "$calyx_bin")"
read -r r_ck r_rs <<< "$(measure runc)"
printf '%-24s %12s %12s\n' "64 MiB touched, n=$n" "checkpoint" "restore -d"
printf '%-24s %10s ms %10s ms\n' calyx "$c_ck" "$c_rs" runc "$r_ck" "$r_rs"
awk -v a="$c_ck" -v b="$r_ck" -v c="$c_rs" -v d="$r_rs" \
	'BEGIN { printf "%-24s %12.2f %12.2f\n", "calyx/runc", a / b, c / d }'
