#!/bin/bash
# In the systemd tier's guest (as CALYX_VM_CMD): `run /bin/true` and
# `exec /bin/true` with each runtime's systemd cgroup driver, N times each.
# runc and crun are the host's (/host): runc needs only libseccomp, which
# the guest has; crun gets the host's libraries. "calyx-cgroupfs" is calyx
# with its default driver, for the driver's own cost. TCG times are not
# host times: compare the ratios.
#
#   CALYX_VM_CMD="bash /host$PWD/tests/vm/systemd/bench.sh" tests/vm/run-systemd.sh
set -u
n=${BENCH_N:-10}
libs=/host/lib/x86_64-linux-gnu:/host/usr/lib/x86_64-linux-gnu
declare -A rt=([calyx]="$CALYX --systemd-cgroup" [calyx-cgroupfs]="$CALYX"
	[runc]="/host/usr/sbin/runc --systemd-cgroup"
	[crun]="env LD_LIBRARY_PATH=$libs /host/usr/bin/crun --systemd-cgroup")
b=/tmp/bench	# /run is noexec for the container's binaries here
mkdir -p $b/rootfs && cp -a "$CALYX_TEST_WORK/rootfs/." $b/rootfs/
# 1.0.2: what all three accept
cd $b && "$CALYX" spec && jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"] |
	.linux.cgroupsPath = "system.slice:bench:x"' config.json > c && mv c config.json

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
for name in calyx calyx-cgroupfs runc crun; do
	r=${rt[$name]}
	$r --version > /dev/null 2>&1 || { echo "# $name: does not run here"; continue; }
	root=/tmp/bench-$name
	p=system.slice:bench:$name
	[[ $name != *cgroupfs ]] || p=/bench-$name
	jq --arg p "$p" '.linux.cgroupsPath = $p | .process.args = ["/bin/true"]' \
		config.json > c && mv c config.json
	t=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		$r --root $root run -b $b "b$name$i" > /tmp/bench.err 2>&1 ||
			{ echo "# $name run failed: $(tail -1 /tmp/bench.err)"; break; }
		$r --root $root delete -f "b$name$i" > /dev/null 2>&1
	done
	run_ms=$(ms "$t")
	jq '.process.args = ["/bin/sleep", "1000"]' config.json > c && mv c config.json
	$r --root $root run -d -b $b "e$name" > /dev/null 2>&1 < /dev/null
	t=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		$r --root $root exec "e$name" /bin/true ||
			{ echo "# $name exec failed"; break; }
	done
	exec_ms=$(ms "$t")
	$r --root $root delete -f "e$name" > /dev/null 2>&1
	echo "bench $name: run /bin/true $((run_ms / n)) ms, exec /bin/true $((exec_ms / n)) ms (mean of $n, TCG)"
done
systemctl list-units --all --plain --no-legend 'bench-*' | sed 's/^/# left: /'
