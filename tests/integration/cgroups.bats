#!/usr/bin/env bats
# cgroups: limits landing in the controller files, OOM and pids limits
# enforced, pause/resume, update, ps, events, cleanup and bad input.
# Runs on hybrid/v1 hosts and on pure cgroup v2 hosts (the file names differ).

load helpers
bats_require_minimum_version 1.5.0

setup_file()
{
	common_setup_file
	[[ $(id -u) -eq 0 ]] || skip "needs root for cgroups"
}

setup()
{
	common_setup
	if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
		CGV2=1
	else
		CGV2=
	fi
}

# Sets linux.resources.KEY to the JSON value $2.
set_res()
{
	cfg --argjson v "$2" ".linux.resources.$1 = \$v"
}

# The container's cgroup directory for controller $1 (v2: the leaf), from
# its init's /proc/PID/cgroup, so the test does not assume a path scheme.
ct_cgdir()
{
	local pid path
	pid=$(state_field "$ID" pid)
	if [[ -n $CGV2 ]]; then
		path=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
		echo "/sys/fs/cgroup$path"
		return
	fi
	path=$(awk -F: -v c="$1" '{
		n = split($2, a, ",")
		for (i = 1; i <= n; i++) if (a[i] == c) print $3
	}' "/proc/$pid/cgroup")
	[[ -n $path ]] || fail "no $1 controller in /proc/$pid/cgroup"
	echo "/sys/fs/cgroup/$1$path"
}

# Contents of the container's cgroup file $2 of controller $1.
ct_cgfile()
{
	local dir
	dir=$(ct_cgdir "$1") || return 1
	cat "$dir/$2"
}

# Under the systemd driver, puts the container's scope in a slice of its
# own (calyxoomledger.slice; OOM_SLICE names it, empty under cgroupfs):
# once systemd has removed an emptied scope, events tells its OOM kill from
# the parent's count (the OOM ledger in cgroups/stats.c), which attributes
# nothing, by design, when the parent's other children come or go
# meanwhile (system.slice's services, the last test's scope being stopped
# on a busy host).  oom_slice_stop stops it.
oom_slice()
{
	OOM_SLICE=
	[[ ${CALYX_TEST_CGROUP_DRIVER:-} == systemd ]] || return 0
	OOM_SLICE=calyxoomledger.slice
	cfg --arg p "$OOM_SLICE:calyx:$ID" '.linux.cgroupsPath = $p'
}

oom_slice_stop()
{
	[[ -z $OOM_SLICE ]] || { calyx delete "$ID" && systemctl stop "$OOM_SLICE"; }
}

# Starts the container detached with the shell script $1 as its process.
start_sh()
{
	set_args /bin/sh -c "$1"
	run_detached "$ID"
	expect_status 0
}

# No cgroup directory named after the container anywhere in the tree.
assert_no_cgroup()
{
	local left
	# find fails when another container's directory vanishes under it
	left=$(find /sys/fs/cgroup -maxdepth 6 -type d \( -name "$1" -o -name "calyx-$1.scope" \) 2>/dev/null || true)
	[[ -z $left ]] || fail "cgroup of $1 left: $left"
	left=$(systemd_units_of "$1")
	[[ -z $left ]] || fail "unit of $1 left: $left"
}

# The counter the pause test's container keeps renaming into /cnt, once
# there is one (a loaded host may take a while to start the container).
read_counter()
{
	local v i
	for ((i = 0; i < 100; i++)); do
		v=$(cat "$BUNDLE/rootfs/cnt" 2>/dev/null)
		[[ -n $v ]] && { echo "$v"; return 0; }
		sleep 0.05
	done
	return 1
}

@test "memory limit lands in the memory controller and an allocation over it is OOM-killed (exit 137)" {
	# swap == limit: no swap to escape to (v1 memsw, v2 swap.max 0)
	set_res memory '{"limit": 33554432, "swap": 33554432}'
	start_sh 'sleep 100'
	if [[ -n $CGV2 ]]; then
		[ "$(ct_cgfile memory memory.max)" = 33554432 ]
	else
		[ "$(ct_cgfile memory memory.limit_in_bytes)" = 33554432 ]
	fi
	calyx delete -f "$ID"

	# the doubling string is init itself: the kernel kills the container
	set_args /bin/sh -c 'a=xxxxxxxx; while :; do a=$a$a; done'
	run calyx run -b "$BUNDLE" "$ID"
	expect_status 137
	assert_nothing_left "$ID"
}

# The kernel's count of OOM kills in the container's memory cgroup.
oom_kills()
{
	local f=memory.oom_control
	[[ -n $CGV2 ]] && f=memory.events
	awk '$1 == "oom_kill" { print $2 }' "$(ct_cgdir memory)/$f"
}

# Number of event lines of type $1 in $EVF.
event_count()
{
	grep -c "\"type\":\"$1\"" "$EVF" || true
}

# Waits up to 60 s (the VM is slow) for the shell condition $1.
wait_until()
{
	local i
	for ((i = 0; i < 600; i++)); do
		eval "$1" && return 0
		sleep 0.1
	done
	fail "timed out waiting for: $1"
}

# `events` in the background, its output in $EVF, its pid in $EV; returns
# once the listener is armed: it arms before its first stats line, and an
# OOM before that is not this stream's (that raced in the VM tier).
start_events()
{
	EVF=$BATS_TEST_TMPDIR/events
	calyx events --interval 500ms "$ID" > "$EVF" 2>&1 &
	EV=$!
	wait_until '(( $(event_count stats) >= 1 ))'
}

# The stream ends once the container is gone: calyx's when init exits,
# runc's when the cgroup goes (so runc's container is deleted first).
events_end()
{
	[[ $(runtime_name) == calyx* ]] || { wait_for_status "$ID" stopped; calyx delete "$ID"; }
	for ((i = 0; i < 100; i++)); do
		kill -0 "$EV" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$EV" 2>/dev/null; then
		kill "$EV"
		fail "events did not exit when the container stopped"
	fi
	wait "$EV"
}

@test "events reports OOM kills: one oom line per kill while streaming, failcnt and oom_kill in --stats" {
	set_res memory '{"limit": 33554432, "swap": 33554432}'
	# exec'd hogs are the victims; init survives so the stats can be read after
	start_sh 'exec sleep 100'
	start_events
	# three at once: the kernel signals OOMs more often than it kills
	calyx exec -d "$ID" sh -c 'for i in 1 2 3; do sh -c "a=xxxxxxxx; while :; do a=\$a\$a; done" & done; wait' \
		</dev/null >/dev/null 2>&1
	wait_until '(( $(oom_kills) >= 3 ))'
	wait_until '(( $(event_count oom) >= $(oom_kills) ))'
	# two more ticks catch up with anything late, then count
	n=$(event_count stats)
	wait_until "(( \$(event_count stats) >= n + 2 ))"
	kills=$(oom_kills)
	grep -q "\"type\":\"oom\",\"id\":\"$ID\"" "$EVF" || fail "no oom event: $(cat "$EVF")"

	run calyx events --stats "$ID"
	expect_status 0
	[ "${#lines[@]}" -eq 1 ]
	echo "$output" | jq -e --arg id "$ID" '
		.type == "stats" and .id == $id
		and .data.memory.usage.limit == 33554432
		and (.data.memory.usage.failcnt > 0 or .data.memory.swap.failcnt > 0
		     or .data.memory.usage.max >= 33554432 - 1048576)
		and (.data.cpu.usage.total > 0)
		and (.data.pids.current >= 1)'
	stats=$output
	calyx kill "$ID" KILL
	events_end
	runc_deviates "one oom line per OOM notification, more than one per kill"
	(( $(event_count oom) == kills )) ||
		fail "$(event_count oom) oom lines for $kills kills: $(grep -v '"stats"' "$EVF")"
	# calyx adds the kernel's OOM counters to memory.raw
	echo "$stats" | jq -e --argjson k "$kills" \
		'.data.memory.raw.oom_kill == $k and .data.memory.raw.oom >= 1'
}

@test "events: a container killed by its memory limit gets its one oom line before the stream ends" {
	# under the systemd driver systemd removes the emptied scope's cgroup
	# at once, mostly before events could read the kill: its parent's
	# count tells it then (cgroups/stats.c, the OOM ledger)
	set_res memory '{"limit": 33554432, "swap": 33554432}'
	oom_slice
	# init itself is the victim, once the test says go
	start_sh 'until [ -e /go ]; do sleep 0.1; done; a=xxxxxxxx; while :; do a=$a$a; done'
	start_events
	touch "$BUNDLE/rootfs/go"
	wait_until '[[ $(state_field "$ID" status) == stopped ]]'
	events_end
	oom_slice_stop
	grep -q "\"type\":\"oom\",\"id\":\"$ID\"" "$EVF" || fail "no oom event: $(cat "$EVF")"
	runc_deviates "one oom line per OOM notification, more than one per kill"
	(( $(event_count oom) == 1 )) || fail "$(event_count oom) oom lines: $(cat "$EVF")"
}

@test "events: the kill of the last process is told even when events reads after its cgroup is gone" {
	# the systemd driver's case, made certain: systemd removes the emptied
	# scope's cgroup at once, here while events is held stopped, so events
	# can only learn of the kill from the parent's count (the OOM ledger in
	# cgroups/stats.c); under cgroupfs the cgroup stays until delete
	calyx_only
	local cg
	set_res memory '{"limit": 33554432, "swap": 33554432}'
	oom_slice
	start_sh 'until [ -e /go ]; do sleep 0.1; done; a=xxxxxxxx; while :; do a=$a$a; done'
	cg=$(ct_cgdir memory)
	start_events
	kill -STOP "$EV"
	touch "$BUNDLE/rootfs/go"
	wait_until '[[ $(state_field "$ID" status) == stopped ]]'
	[[ -z $OOM_SLICE ]] || wait_until '[[ ! -d $cg ]]'
	kill -CONT "$EV"
	events_end
	oom_slice_stop
	(( $(event_count oom) == 1 )) || fail "$(event_count oom) oom lines: $(cat "$EVF")"
}

@test "pids limit lands in pids.max and fork fails inside beyond it" {
	set_res pids '{"limit": 5}'
	set_args /bin/sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 100 & done; echo forked-all'
	run calyx run -b "$BUNDLE" "$ID"
	contains "can't fork"
	no_line forked-all
	assert_nothing_left "$ID"

	start_sh 'sleep 100'
	[ "$(ct_cgfile pids pids.max)" = 5 ]
}

@test "cpu quota, period, shares and cpuset land in the controller files" {
	set_res cpu '{"quota": 20000, "period": 100000, "shares": 512, "cpus": "0", "mems": "0"}'
	start_sh 'sleep 100'
	if [[ -n $CGV2 ]]; then
		[ "$(ct_cgfile cpu cpu.max)" = "20000 100000" ]
		# runc's shares -> weight: 1 + (512 - 2) * 9999 / 262142
		[ "$(ct_cgfile cpu cpu.weight)" = 20 ]
	else
		[ "$(ct_cgfile cpu cpu.cfs_quota_us)" = 20000 ]
		[ "$(ct_cgfile cpu cpu.cfs_period_us)" = 100000 ]
		[ "$(ct_cgfile cpu cpu.shares)" = 512 ]
	fi
	[ "$(ct_cgfile cpuset cpuset.cpus)" = 0 ]
	[ "$(ct_cgfile cpuset cpuset.mems)" = 0 ]
}

# The weight file a new cgroup gets on this host, or nothing: a weight needs
# BFQ (blkio.bfq.weight, io.bfq.weight), the long-gone CFQ (blkio.weight) or,
# on cgroup v2, iocost (io.weight, with io.cost.model at the root).  Probed
# without calyx, on a cgroup of the test's own, so the two tests below each
# run on the hosts they are about and are skipped, saying why, elsewhere.
host_blkio_weight_file()
{
	local d f
	if [[ -n $CGV2 ]]; then
		if [[ -e /sys/fs/cgroup/io.cost.model ]]; then
			echo io.weight
		elif grep -qw bfq /sys/block/*/queue/scheduler 2>/dev/null; then
			echo io.bfq.weight
		fi
		return 0
	fi
	d=/sys/fs/cgroup/blkio/calyx-probe-${CALYX_TEST_TAG:-}$$
	mkdir "$d" || return 1
	for f in blkio.weight blkio.bfq.weight; do
		[[ -e $d/$f ]] && { echo "$f"; break; }
	done
	rmdir "$d"
}

@test "blkio weight lands in the block I/O controller" {
	local f
	f=$(host_blkio_weight_file)
	[[ -n $f ]] || skip "no block I/O weight on this host (no BFQ, CFQ or iocost): the weight cannot land"
	set_res blockIO '{"weight": 300}'
	start_sh 'sleep 100'
	dir=$(ct_cgdir blkio)
	[[ -e $dir/$f ]] || fail "the container's cgroup has no $f: $(ls "$dir")"
	case $f in
	# runc's blkio -> io weight: 1 + (300 - 10) * 9999 / 990
	io.weight) grep -qx "default 2930" "$dir/$f" || fail "$f: $(cat "$dir/$f")" ;;
	io.bfq.weight | blkio.bfq.weight) grep -qw 300 "$dir/$f" ||
		fail "$f: $(cat "$dir/$f")" ;;
	*) [ "$(cat "$dir/$f")" = 300 ] ;;
	esac
}

@test "blkio weight on a host without a weight file: one clear error naming the field, nothing left" {
	local f
	f=$(host_blkio_weight_file)
	[[ -z $f ]] || skip "this host has $f: the weight lands (previous test)"
	calyx_only
	set_res blockIO '{"weight": 300}'
	set_args /bin/true
	run calyx create --bundle "$BUNDLE" "$ID"
	expect_status 1
	[[ $output == "calyx: linux.resources.blockIO.weight: writing "*"weight: No such file or directory" ]] ||
		fail "not the one clear line: $output"
	[[ $(wc -l <<< "$output") == 1 ]] || fail "more than one line: $output"
	assert_no_cgroup "$ID"
	run calyx state "$ID"
	[ "$status" -ne 0 ]
}

@test "pause freezes the container (state paused, counter stops), resume thaws it" {
	# rename: a reader never sees the file between truncate and write
	start_sh 'i=0; while :; do i=$((i+1)); echo $i > /cnt.tmp; mv /cnt.tmp /cnt; done'
	read_counter >/dev/null

	run calyx pause "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = paused ]
	if [[ -n $CGV2 ]]; then
		[ "$(ct_cgfile freezer cgroup.freeze)" = 1 ]
	else
		[ "$(ct_cgfile freezer freezer.state)" = FROZEN ]
	fi
	a=$(cat "$BUNDLE/rootfs/cnt")
	sleep 0.3
	b=$(cat "$BUNDLE/rootfs/cnt")
	[ "$a" = "$b" ] || fail "counter moved while paused: $a -> $b"

	run --separate-stderr calyx pause "$ID"
	expect_error 'container not running'

	run calyx resume "$ID"
	expect_status 0
	[ "$(state_field "$ID" status)" = running ]
	for ((i = 0; i < 100; i++)); do
		c=$(read_counter)
		[[ $c != "$b" ]] && break
		sleep 0.05
	done
	[[ $c != "$b" ]] || fail "counter did not move after resume: $c"

	run --separate-stderr calyx resume "$ID"
	expect_error 'container not paused'
}

@test "pause and resume of a stopped container fail as runc's" {
	start_sh 'exit 0'
	wait_for_status "$ID" stopped
	run --separate-stderr calyx pause "$ID"
	expect_error 'container not running'
	run --separate-stderr calyx resume "$ID"
	expect_error 'container not paused'
	run --separate-stderr calyx update --memory 64m "$ID"
	expect_error 'container not running'
	run --separate-stderr calyx events --stats "$ID"
	expect_error "container with id $ID is not running"
}

@test "update changes a live container's memory and pids limits" {
	set_res memory '{"limit": 67108864}'
	set_res pids '{"limit": 50}'
	start_sh 'sleep 100'

	run calyx update --memory 128m --pids-limit 20 "$ID"
	expect_status 0
	if [[ -n $CGV2 ]]; then
		[ "$(ct_cgfile memory memory.max)" = 134217728 ]
	else
		[ "$(ct_cgfile memory memory.limit_in_bytes)" = 134217728 ]
	fi
	[ "$(ct_cgfile pids pids.max)" = 20 ]

	echo '{"memory": {"limit": 100663296}, "pids": {"limit": 30}}' > "$BATS_TEST_TMPDIR/res.json"
	run calyx update -r "$BATS_TEST_TMPDIR/res.json" "$ID"
	expect_status 0
	[ "$(ct_cgfile pids pids.max)" = 30 ]
	if [[ -n $CGV2 ]]; then
		[ "$(ct_cgfile memory memory.max)" = 100663296 ]
	else
		[ "$(ct_cgfile memory memory.limit_in_bytes)" = 100663296 ]
	fi

	run bash -c "echo '{\"pids\": {\"limit\": -1}}' | '$CALYX' --root '$STATE_ROOT' update -r - '$ID'"
	expect_status 0
	[ "$(ct_cgfile pids pids.max)" = max ]
}

@test "update: bad values and a memory limit below the current usage fail naming the field, limits unchanged" {
	set_res memory '{"limit": 67108864}'
	set_res pids '{"limit": 50}'
	# 16 MiB of shmem stays charged to the container
	start_sh 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=16 2>/dev/null; touch /filled; exec sleep 100'
	for ((i = 0; i < 100; i++)); do
		[[ -e $BUNDLE/rootfs/filled ]] && break
		sleep 0.05
	done

	echo '{"memory": {"limit": 4194304, "checkBeforeUpdate": true}}' > "$BATS_TEST_TMPDIR/res.json"
	run --separate-stderr calyx update -r "$BATS_TEST_TMPDIR/res.json" "$ID"
	expect_error 'memory.limit: 4194304 is below the current usage'

	run --separate-stderr calyx update --memory abc "$ID"
	expect_error 'invalid value for memory'
	# runc writes "max" for any negative value; calyx refuses all but -1
	if [[ $(runtime_name) == calyx* ]]; then
		run --separate-stderr calyx update --pids-limit -5 "$ID"
		expect_error 'pids-limit'
	fi
	run --separate-stderr calyx update --pids-limit x "$ID"
	expect_error 'pids-limit'
	echo '{"pids": {"limit": "many"}}' > "$BATS_TEST_TMPDIR/res.json"
	run --separate-stderr calyx update -r "$BATS_TEST_TMPDIR/res.json" "$ID"
	expect_error 'linux\.resources\.pids\.limit'
	run --separate-stderr calyx update --l3-cache-schema 'L3:0=f' "$ID"
	expect_error 'l3-cache-schema'

	[ "$(ct_cgfile pids pids.max)" = 50 ]
	if [[ -n $CGV2 ]]; then
		[ "$(ct_cgfile memory memory.max)" = 67108864 ]
	else
		[ "$(ct_cgfile memory memory.limit_in_bytes)" = 67108864 ]
	fi
	[ "$(state_field "$ID" status)" = running ]
}

@test "ps lists exactly the container's processes (json and table)" {
	start_sh 'sleep 100 & sleep 100 & exec sleep 101'
	pid=$(state_field "$ID" pid)
	for ((i = 0; i < 100; i++)); do
		[[ $(ps -o pid= --ppid "$pid" | wc -l) -eq 2 ]] && break
		sleep 0.05
	done
	want=$( { echo "$pid"; ps -o pid= --ppid "$pid"; } | tr -d ' ' | sort -n | paste -sd,)

	run calyx ps --format json "$ID"
	expect_status 0
	got=$(echo "$output" | jq -r 'sort | map(tostring) | join(",")')
	[ "$got" = "$want" ] || fail "ps json: $got, want $want"

	run calyx ps "$ID"
	expect_status 0
	[[ ${lines[0]} == *PID* ]] || fail "no header: $output"
	got=$(printf '%s\n' "${lines[@]:1}" | awk '{ print $2 }' | sort -n | paste -sd,)
	[ "$got" = "$want" ] || fail "ps table: $got, want $want"

	# ps options go to ps; rows are still filtered by the PID column
	run calyx ps "$ID" -o pid,comm
	expect_status 0
	got=$(printf '%s\n' "${lines[@]:1}" | awk '{ print $1 }' | sort -n | paste -sd,)
	[ "$got" = "$want" ] || fail "ps -o: $got, want $want"
	[ "$(printf "%s\n" "${lines[@]:1}" | awk -v p="$pid" '$1 == p { print $2 }')" = sleep ]

	run --separate-stderr calyx ps --format yaml "$ID"
	expect_error 'invalid format option'
}

@test "delete leaves no cgroup directory anywhere under /sys/fs/cgroup" {
	set_res memory '{"limit": 67108864}'
	set_res pids '{"limit": 50}'
	set_res cpu '{"shares": 512}'
	start_sh 'sleep 100 & exec sleep 100'
	dir=$(ct_cgdir pids)
	[[ -d $dir ]]
	calyx pause "$ID"
	run calyx delete -f "$ID"
	expect_status 0
	[[ ! -e $dir ]] || fail "$dir still exists"
	assert_no_cgroup "$ID"
	assert_nothing_left "$ID"
}

@test "bad resources at create fail naming the field and leave nothing behind" {
	local base=$BUNDLE/config.json.orig
	cp "$BUNDLE/config.json" "$base"

	cfg '.linux.resources.unified = {"memory.bogus": "1"}'
	run --separate-stderr calyx run -b "$BUNDLE" "$ID"
	expect_error 'unified.*memory\.bogus'
	assert_nothing_left "$ID"
	assert_no_cgroup "$ID"

	cp "$base" "$BUNDLE/config.json"
	set_res memory '{"limit": -5}'
	run --separate-stderr calyx run -b "$BUNDLE" "$ID"
	expect_error 'memory\.limit'
	assert_nothing_left "$ID"
	assert_no_cgroup "$ID"

	cp "$base" "$BUNDLE/config.json"
	set_res pids '{"limit": "ten"}'
	run --separate-stderr calyx run -b "$BUNDLE" "$ID"
	expect_error 'pids\.limit'
	assert_nothing_left "$ID"

	# runc cleans ".." away lexically; calyx refuses the path
	[[ $(runtime_name) == calyx* ]] || return 0
	cp "$base" "$BUNDLE/config.json"
	cfg --arg p "/calyx-test/../$ID" '.linux.cgroupsPath = $p'
	run --separate-stderr calyx run -b "$BUNDLE" "$ID"
	expect_error 'cgroupsPath'
	assert_nothing_left "$ID"
	assert_no_cgroup "$ID"
}

@test "devices: the cgroup denies opening a device no rule allows (EPERM), even with CAP_MKNOD" {
	# v1: devices.deny/allow lists; v2: the BPF_CGROUP_DEVICE program
	cfg '.process.capabilities.bounding += ["CAP_MKNOD"]
		| .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]'
	set_args /bin/sh -c '/bin/probe mknod /sda-like b 8 0; /bin/probe read /sda-like; /bin/probe read /dev/null'
	run calyx run -b "$BUNDLE" "$ID"
	has_line "read=EPERM"
	# the default rules still allow /dev/null
	has_line "read=OK"
}

@test "--cgroup-manager disabled: no cgroup, resources not applied, pause/update say why" {
	calyx_only
	set_res pids '{"limit": 50}'
	set_args /bin/probe sleep 100
	"$CALYX" --root "$STATE_ROOT" --cgroup-manager disabled run -d -b "$BUNDLE" "$ID"
	local pid
	pid=$(state_field "$ID" pid)
	# in calyx's caller's cgroup, none of its own
	! grep -q "/calyx/$ID" "/proc/$pid/cgroup" || fail "$(< "/proc/$pid/cgroup")"
	assert_no_cgroup "$ID"
	run --separate-stderr calyx pause "$ID"
	[[ $status -ne 0 && $stderr == *"has no cgroup"* ]] || fail "$stderr"
	run --separate-stderr calyx update --pids-limit 10 "$ID"
	[[ $status -ne 0 && $stderr == *"has no cgroup"* ]] || fail "$stderr"
	run calyx ps "$ID"
	expect_status 0
	contains "$pid"
	calyx delete -f "$ID"
	assert_nothing_left "$ID"
	run --separate-stderr "$CALYX" --cgroup-manager bogus list
	[[ $status -ne 0 && $stderr == *"want cgroupfs, systemd or disabled"* ]] || fail "$stderr"
}

# A cgroupsPath of our own under the test's parent, for the tests that make
# the container's cgroup (or its parent) themselves before create.
own_cgroup_path()
{
	[[ ${CALYX_TEST_CGROUP_DRIVER:-} != systemd ]] ||
		skip "a cgroupfs path made by hand; the systemd driver takes slice:prefix:name units"
	cg_parent=calyx-cgtest-${CALYX_TEST_TAG:-}$$
	cfg --arg p "/$cg_parent/$ID" '.linux.cgroupsPath = $p'
	rm -f "$BUNDLE/.cgroups-path-auto"
}

# rmdir what a test made under its parent, deepest first (processes gone).
remove_own_cgroups()
{
	local d
	[[ -n ${cg_parent:-} ]] || return 0
	for d in /sys/fs/cgroup/*/"$cg_parent" /sys/fs/cgroup/"$cg_parent"; do
		[[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}

@test "a leftover empty v1 cpuset cgroup (and parent) is filled and used, not refused with ENOSPC" {
	[[ -z $CGV2 && -d /sys/fs/cgroup/cpuset ]] || skip "no v1 cpuset hierarchy on this host"
	own_cgroup_path
	local cs=/sys/fs/cgroup/cpuset/$cg_parent
	# a killed runtime's leftovers: both levels, cpus and mems empty
	mkdir -p "$cs/$ID"
	[[ -z $(< "$cs/$ID/cpuset.cpus") ]]
	set_args /bin/probe exit 0
	run calyx run -b "$BUNDLE" "$ID"
	remove_own_cgroups
	expect_status 0
	assert_nothing_left "$ID"
}

@test "v1 cpuset levels calyx makes clone their cpus and mems to children; a parent it did not make is left alone" {
	[[ -z $CGV2 && -d /sys/fs/cgroup/cpuset ]] || skip "no v1 cpuset hierarchy on this host"
	calyx_only	# runc writes cpus and mems at every level
	own_cgroup_path
	local cs=/sys/fs/cgroup/cpuset/$cg_parent made_flag made_cpus parent_cpus made_mems
	local theirs_flag theirs_cpus rc1 rc2
	set_args /bin/probe sleep 100
	run_detached "$ID"
	rc1=$status
	made_flag=$(cat "$cs/cgroup.clone_children" 2>&1)
	made_cpus=$(cat "$cs/$ID/cpuset.cpus" 2>&1)
	parent_cpus=$(cat "$cs/cpuset.cpus" 2>&1)
	made_mems=$(cat "$cs/$ID/cpuset.mems" 2>&1)
	calyx delete -f "$ID"
	remove_own_cgroups
	# a parent made by someone else: not ours to configure
	mkdir -p "$cs"
	cat /sys/fs/cgroup/cpuset/cpuset.cpus > "$cs/cpuset.cpus"
	cat /sys/fs/cgroup/cpuset/cpuset.mems > "$cs/cpuset.mems"
	run_detached "$ID"
	rc2=$status
	theirs_flag=$(cat "$cs/cgroup.clone_children" 2>&1)
	theirs_cpus=$(cat "$cs/$ID/cpuset.cpus" 2>&1)
	calyx delete -f "$ID"
	remove_own_cgroups
	assert_nothing_left "$ID"
	[[ $rc1 -eq 0 && $rc2 -eq 0 ]] || fail "run -d failed: $rc1 $rc2"
	[[ $made_flag == 1 ]] || fail "made parent: clone_children $made_flag"
	[[ -n $made_cpus && $made_cpus == "$parent_cpus" && -n $made_mems ]] ||
		fail "leaf below it: cpus '$made_cpus' (parent '$parent_cpus'), mems '$made_mems'"
	[[ $theirs_flag == 0 ]] || fail "changed a parent it did not make: $theirs_flag"
	[[ -n $theirs_cpus ]] || fail "leaf below another's parent not filled"
}

@test "an existing frozen cgroup is refused at create with an error naming it (v1 freezer and v2 cgroup.freeze)" {
	local kind dir file value
	own_cgroup_path
	set_args /bin/probe exit 0
	for kind in v1 v2; do
		if [[ $kind == v1 ]]; then
			[[ -z $CGV2 && -d /sys/fs/cgroup/freezer ]] || continue
			dir=/sys/fs/cgroup/freezer/$cg_parent/$ID file=freezer.state value=FROZEN
		else
			if [[ -n $CGV2 ]]; then
				dir=/sys/fs/cgroup/$cg_parent/$ID
			elif [[ -e /sys/fs/cgroup/unified/cgroup.procs ]]; then
				dir=/sys/fs/cgroup/unified/$cg_parent/$ID
			else
				continue
			fi
			file=cgroup.freeze value=1
			# runc 1.1.5 refuses a frozen v1 freezer but hangs in a frozen v2 one
			[[ $(runtime_name) == runc ]] && continue
		fi
		mkdir -p "$dir"
		echo "$value" > "$dir/$file" || { remove_own_cgroups; skip "cannot freeze $dir"; }
		run --separate-stderr timeout 20 "$CALYX" --root "$STATE_ROOT" create -b "$BUNDLE" "$ID"
		# thaw (when the runtime left the directory) so nothing stays stuck
		if [[ -e $dir/$file ]]; then
			[[ $kind == v1 ]] && echo THAWED > "$dir/$file" || echo 0 > "$dir/$file"
		fi
		calyx delete -f "$ID" 2>/dev/null || true
		remove_own_cgroups
		[[ $status -ne 0 && $status -ne 124 ]] || fail "$kind: create of a frozen cgroup: status $status: $stderr"
		if [[ $(runtime_name) == calyx* ]]; then
			[[ $stderr == *"$dir"*"frozen"* ]] || fail "$kind: $stderr"
		fi
		assert_nothing_left "$ID"
	done
}

@test "an existing cgroup holding another's process is refused, naming the cgroup and the pid, and left alone" {
	calyx_only
	local dir sleeper
	own_cgroup_path
	if [[ -n $CGV2 ]]; then
		dir=/sys/fs/cgroup/$cg_parent/$ID
	else
		dir=/sys/fs/cgroup/pids/$cg_parent/$ID
	fi
	mkdir -p "$dir"
	sleep 100 &
	sleeper=$!
	echo "$sleeper" > "$dir/cgroup.procs"
	set_args /bin/probe exit 0
	run --separate-stderr calyx run -b "$BUNDLE" "$ID"
	pid_alive "$sleeper" || fail "the other process was killed"
	[[ -d $dir ]] || fail "the other cgroup was removed"
	kill -9 "$sleeper"
	wait "$sleeper" 2>/dev/null || true
	remove_own_cgroups
	[[ $status -ne 0 ]] || fail "run into a busy cgroup succeeded"
	[[ $stderr == *"$dir already has processes (pids $sleeper)"* ]] || fail "$stderr"
	[[ $stderr == *"delete -f"* && $stderr == *"cgroupsPath"* ]] || fail "no way out said: $stderr"
	[[ $(wc -l <<< "$stderr") -eq 1 ]] || fail "not one line: $stderr"
	assert_nothing_left "$ID"
}

@test "delete --force of a running container whose cgroup has sub-cgroups (with processes) removes them all" {
	local h sub pid dirs=()
	own_cgroup_path
	start_sh 'sleep 100 & exec sleep 100'
	pid=$(state_field "$ID" pid)
	# nest in every hierarchy, and move the container's init into one
	if [[ -n $CGV2 ]]; then
		dirs=(/sys/fs/cgroup/$cg_parent/$ID)
	else
		for h in pids memory cpu,cpuacct unified systemd; do
			[[ -d /sys/fs/cgroup/$h/$cg_parent/$ID ]] && dirs+=("/sys/fs/cgroup/$h/$cg_parent/$ID")
		done
	fi
	((${#dirs[@]})) || fail "no cgroup of $ID found"
	for h in "${dirs[@]}"; do
		mkdir -p "$h/sub/deeper" "$h/other"
	done
	# v2 "no internal processes": the leaf holds the init; nest it on v1
	# and in the unified mount of a hybrid host only under the leaf
	echo "$pid" > "${dirs[0]}/sub/deeper/cgroup.procs" || fail "could not move $pid"
	run calyx delete -f "$ID"
	expect_status 0
	for h in "${dirs[@]}"; do
		[[ ! -e $h ]] || { remove_own_cgroups; fail "$h left: $(find "$h")"; }
	done
	! pid_alive "$pid" || fail "$pid still alive"
	remove_own_cgroups
	assert_nothing_left "$ID"
}
