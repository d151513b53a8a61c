#!/bin/bash
# In the systemd tier's guest (as CALYX_VM_CMD): `run /bin/true` and
# `exec /bin/true` with each runtime's systemd cgroup driver, N times each.
# runc and crun are the host's, run through the host's dynamic loader and
# libraries (/host). TCG times are not host times: compare the ratios.
#
#   CALYX_VM_CMD="bash /host$PWD/tests/vm/systemd/bench.sh" tests/vm/run-systemd.sh
set -u
n=${BENCH_N:-10}
ld="/host/lib64/ld-linux-x86-64.so.2 --library-path /host/lib/x86_64-linux-gnu"
declare -A rt=([calyx]="$CALYX" [runc]="$ld /host/usr/sbin/runc" [crun]="$ld /host/usr/bin/crun")
b=/run/bench
mkdir -p $b/rootfs && cp -a "$CALYX_TEST_WORK/rootfs/." $b/rootfs/
cd $b && "$CALYX" spec && jq '.process.terminal = false | .process.args = ["/bin/true"] |
	.linux.cgroupsPath = "system.slice:bench:x"' config.json > c && mv c config.json

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
for name in calyx runc crun; do
	r=${rt[$name]}
	$r --version > /dev/null 2>&1 || { echo "# $name: does not run here"; continue; }
	root=/run/bench-$name
	jq --arg p "system.slice:bench:$name" '.linux.cgroupsPath = $p | .process.args = ["/bin/true"]' \
		config.json > c && mv c config.json
	t=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		$r --root $root --systemd-cgroup run -b $b "b$name$i" > /dev/null 2>&1 ||
			echo "# $name run failed"
		$r --root $root delete -f "b$name$i" > /dev/null 2>&1
	done
	run_ms=$(ms "$t")
	jq '.process.args = ["/bin/sleep", "1000"]' config.json > c && mv c config.json
	$r --root $root --systemd-cgroup run -d -b $b "e$name" > /dev/null 2>&1 < /dev/null
	t=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		$r --root $root --systemd-cgroup exec "e$name" /bin/true || echo "# $name exec failed"
	done
	exec_ms=$(ms "$t")
	$r --root $root delete -f "e$name" > /dev/null 2>&1
	echo "bench $name: run /bin/true $((run_ms / n)) ms, exec /bin/true $((exec_ms / n)) ms (mean of $n, TCG)"
done
systemctl list-units --all --plain --no-legend 'bench-*' | sed 's/^/# left: /'
