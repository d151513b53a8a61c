#!/bin/bash
# Benchmark row "checkpoint/restore": the time `checkpoint` and `restore -d`
# take for a container holding 64 MiB of touched memory, calyx beside runc
# (medians of N rounds, the runtimes taking turns round by round, and
# calyx/runc ratios), and where that time goes: CRIU's own part, read from
# its log (dump.log, restore.log: the time from its first to its last line),
# of it the time CRIU waited for the runtime's answers to its notifications,
# and the rest, the runtime's own work before and after CRIU's.
#
# runc always passes CRIU --empty-ns network ("runc doesn't manage network
# devices"): CRIU neither saves nor restores the configuration of the
# container's own network namespace (addresses, routes, rules, iptables:
# `ip ... save/restore` and `iptables-restore` runs), and the restored
# container has a new one with loopback down.  calyx carries it over (the
# migration test's service on 127.0.0.1 needs that); the row
# "calyx-emptyns" (calyx with --empty-ns network) does what runc does, for
# the like-for-like ratio.
#
#   tests/bench/checkpoint.sh [N]          (default N=5)
#
# CRIU must work on the running kernel (`criu check`): on hosts where it
# does not (Debian 12's CRIU on 6.x kernels newer than it knows), run it in
# the VM tier's guest, where both runtimes meet the same kernel:
#
#   CALYX_VM_MOVE_ROOT=1 CALYX_VM_CMD=tests/bench/checkpoint.sh tests/vm/run-cgroup-v2.sh
#
# Prints a table (ms) and ratio lines; exits 77 when CRIU cannot run.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-5}
calyx_bin=${CALYX:-$top/build/src/cli/calyx}
work=$(mktemp -d "${TMPDIR:-/tmp}/calyx-ckpt-bench.XXXXXX")
tag=calyx-ckpt-bench-$$
# NAME:BINARY[:FLAG] (FLAG given to checkpoint and restore)
variants=("calyx:$calyx_bin" "calyx-emptyns:$calyx_bin:--empty-ns=network" "runc:runc")

cleanup()
{
	local v name bin
	for v in "${variants[@]}"; do
		IFS=: read -r name bin _ <<< "$v"
		"$bin" --root "$work/root-$name" delete -f "$tag" >/dev/null 2>&1 || true
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

# CRIU's log $1: "TOTAL_MS WAIT_MS NS_MS", the span of its timestamps, the
# time it spent waiting for the answers to its notifications (from an
# "RPC" line to the next line), and on a restore the time from its
# setup-namespaces notification to its post-setup-namespaces one (making
# the namespaces: the network namespace's configuration, the mounts).
criu_split()
{
	awk '/^\([ 0-9.]+\)/ {
		t = substr($1, 2) + 0
		if (rpc) { wait += t - rpc_t; rpc = 0 }
		if (!started) { first = t; started = 1 }
		last = t
		if ($2 == "RPC" && NF == 2) { rpc = 1; rpc_t = t }
		if (/Running setup-namespaces scripts/) ns0 = t
		if (/Running post-setup-namespaces scripts/ && ns0) ns = t - ns0
	}
	END { printf "%.1f %.1f %.1f", (last - first) * 1000, wait * 1000, ns * 1000 }' "$1"
}

# One round of variant $1: checkpoint and restore -d; appends
# "ck ck_criu ck_wait - rs rs_criu rs_wait rs_ns" to $work/rounds-NAME.
round()
{
	local name bin flag i=$2 root bundle img t ck rs pid
	IFS=: read -r name bin flag <<< "$1"
	root=$work/root-$name
	bundle=$work/bundle-$name
	# the memory is in place once /tmp/ready exists (in the container)
	pid=$("$bin" --root "$root" state "$tag" | jq -r .pid)
	until [[ -e /proc/$pid/root/tmp/ready ]]; do sleep 0.1; done
	img=$work/img-$name-$i
	t=$EPOCHREALTIME
	"$bin" --root "$root" checkpoint ${flag:+"$flag"} --image-path "$img" "$tag" > /dev/null
	ck=$(ms_since "$t")
	t=$EPOCHREALTIME
	"$bin" --root "$root" restore -d ${flag:+"$flag"} -b "$bundle" --image-path "$img" "$tag" \
		< /dev/null > /dev/null 2>&1
	rs=$(ms_since "$t")
	echo "$ck $(criu_split "$img/dump.log") $rs $(criu_split "$img/restore.log")" \
		>> "$work/rounds-$name"
	rm -rf "$img"
}

for v in "${variants[@]}"; do
	IFS=: read -r name bin _ <<< "$v"
	"$bin" --root "$work/root-$name" run -d -b "$(make_bundle "$name")" "$tag" \
		< /dev/null > /dev/null 2>&1
done
for ((i = 0; i < n; i++)); do
	for v in "${variants[@]}"; do
		round "$v" "$i"
	done
done

# column $1 of runtime $2's rounds, median
col()
{
	awk -v c="$1" '{ print $c }' "$work/rounds-$2" | median
}

# the runtime's own time: wall minus CRIU's span
own()
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'
}

echo "64 MiB touched, medians of $n rounds (ms); criu: the span of CRIU's log," \
	"waiting: of it, for the runtime's answers to its notifications; ns: of it," \
	"making the namespaces (network configuration, mounts); runtime: the rest"
printf '%-18s | %9s %9s %9s %9s | %9s %9s %9s %9s %9s\n' "" checkpoint criu waiting \
	runtime "restore" criu waiting ns runtime
for v in "${variants[@]}"; do
	IFS=: read -r name _ <<< "$v"
	ck=$(col 1 "$name") ckc=$(col 2 "$name")
	rs=$(col 5 "$name") rsc=$(col 6 "$name")
	printf '%-18s | %9s %9s %9s %9s | %9s %9s %9s %9s %9s\n' "$name" \
		"$ck" "$ckc" "$(col 3 "$name")" "$(own "$ck" "$ckc")" \
		"$rs" "$rsc" "$(col 7 "$name")" "$(col 8 "$name")" "$(own "$rs" "$rsc")"
done
for name in calyx calyx-emptyns; do
	awk -v n="$name/runc" -v a="$(col 1 "$name")" -v b="$(col 1 runc)" \
		-v c="$(col 5 "$name")" -v d="$(col 5 runc)" \
		'BEGIN { printf "%-18s | %9.2f %29s | %9.2f\n", n, a / b, "", c / d }'
done
for v in "${variants[@]}"; do
	IFS=: read -r name _ <<< "$v"
	echo "$name rounds (checkpoint restore):" \
		"$(awk '{ printf "%s%.0f/%.0f", (NR > 1 ? " " : ""), $1, $5 }' "$work/rounds-$name")"
done
