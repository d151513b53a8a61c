#!/usr/bin/env bats
# Each error: one line on stderr, non-zero exit, and nothing left behind.

bats_require_minimum_version 1.5.0
load helpers

create_err()
{
	run --separate-stderr calyx create -b "$BUNDLE" "$@" "$ID" < /dev/null
}

@test "missing bundle" {
	BUNDLE=$BATS_TEST_TMPDIR/no-such-bundle
	create_err
	expect_error 'no-such-bundle'
	assert_nothing_left "$ID"
}

@test "missing config.json" {
	rm "$BUNDLE/config.json"
	create_err
	expect_error 'config\.json'
	assert_nothing_left "$ID"
}

@test "invalid JSON" {
	echo '{ "ociVersion": "1.3.0", nope' > "$BUNDLE/config.json"
	create_err
	expect_error 'config\.json'
	assert_nothing_left "$ID"
}

@test "invalid JSON: the error gives the line and column, as crun's" {
	calyx_only
	printf '{\n  "ociVersion": "1.3.0",\n  "process": nope\n}\n' > "$BUNDLE/config.json"
	create_err
	expect_error '^calyx: config\.json:3:[0-9]+: invalid JSON: '
	assert_nothing_left "$ID"
}

@test "process.args of the wrong type names the JSON path" {
	cfg '.process.args = "sh"'
	create_err
	expect_error 'config\.json: process\.args: '
	assert_nothing_left "$ID"
}

@test "process.user.uid of the wrong type names the JSON path" {
	cfg '.process.user.uid = "0"'
	create_err
	expect_error 'process\.user\.uid'
	assert_nothing_left "$ID"
}

@test "a mount destination of the wrong type names the JSON path" {
	cfg '.mounts[1].destination = 5'
	create_err
	expect_error 'mounts(\[1\]|\.1)\.destination'
	assert_nothing_left "$ID"
}

@test "an unknown namespace type" {
	cfg '.linux.namespaces += [{"type": "bogus"}]'
	create_err
	expect_error 'linux\.namespaces.*bogus|bogus.*linux\.namespaces'
	assert_nothing_left "$ID"
}

@test "a missing ociVersion" {
	calyx_only
	cfg 'del(.ociVersion)'
	create_err
	expect_error 'ociVersion'
	assert_nothing_left "$ID"
}

@test "a missing rootfs" {
	cfg '.root.path = "no-such-rootfs"'
	create_err
	expect_error 'no-such-rootfs'
	assert_nothing_left "$ID"
}

# --root under a regular file: any attempt to make the state dir fails
# ("Not a directory"), so a config error reported instead was found before
# anything was made -- not made and then removed again.
@test "a config error is found before anything is made: the state root is never touched" {
	calyx_only
	local blocked=$BATS_TEST_TMPDIR/blocked n
	local -a filters=(
		'.process.args = []'
		'.root.path = "no-such-rootfs"'
		'.mounts += [{"destination": "/t", "type": "bind", "source": "/tmp", "options": ["rbind", "tmpcopyup"]}]'
		'.process.capabilities.bounding += ["CAP_NO_SUCH"]'
		'.linux.sysctl = {"kernel.no_such_knob": "1"}'
		'.linux.namespaces |= map(if .type == "network" then .path = "/no-such-ns" else . end)'
		'.linux.cgroupsPath = "/"'
		'.linux.seccomp = {"defaultAction": "SCMP_ACT_NO_SUCH"}'
		'.process.terminal = true'
	)
	local -a wants=(
		'config\.json: process\.args'
		'root\.path'
		'tmpcopyup'
		'CAP_NO_SUCH'
		'kernel\.no_such_knob'
		'no-such-ns'
		'cgroupsPath'
		'SCMP_ACT_NO_SUCH'
		'terminal'
	)
	touch "$blocked"
	set_args /bin/probe true
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	# (not $i: bats' run sets it)
	for n in "${!filters[@]}"; do
		jq "${filters[$n]}" "$BATS_TEST_TMPDIR/good.json" > "$BUNDLE/config.json"
		run --separate-stderr "$CALYX" --root "$blocked/state" create -b "$BUNDLE" "$ID" < /dev/null
		[[ $stderr != *"Not a directory"* ]] ||
			fail "${filters[$n]}: the state dir was tried before the config error: $stderr"
		expect_error "${wants[$n]}"
	done
	assert_nothing_left "$ID"
}

@test "a duplicate ID" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	create_err
	expect_error "$ID"
	[ "$(state_field "$ID" pid)" = "$pid" ]
	calyx delete -f "$ID"
	assert_nothing_left "$ID" "$pid"
}

@test "a bad ID" {
	run --separate-stderr calyx create -b "$BUNDLE" "a/b" < /dev/null
	expect_error 'a/b'
	[ -z "$(calyx list -q)" ]
}

@test "a failing hook" {
	cfg '.hooks.createRuntime = [{"path": "/bin/false"}]'
	create_err
	expect_error 'createRuntime|hook'
	assert_nothing_left "$ID"
}

@test "a missing executable" {
	set_args /bin/no-such-program
	create_err
	# runc reports this at create, crun at start: either is fine, but
	# once it fails nothing may stay behind
	if [[ $status -eq 0 ]]; then
		run --separate-stderr calyx start "$ID"
		[ "$status" -ne 0 ]
		calyx delete -f "$ID"
	else
		expect_error 'no-such-program'
	fi
	assert_nothing_left "$ID"
}

@test "an unknown subcommand and an unknown flag" {
	run --separate-stderr calyx frobnicate
	[ "$status" -ne 0 ]
	run --separate-stderr calyx create --no-such-flag -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left "$ID"
}

@test "state of a missing container" {
	run --separate-stderr calyx state nope
	expect_error 'nope'
}

@test "exit codes of errors equal runc's" {
	[ "$(runtime_name)" != runc ] || skip "runtime is runc"
	command -v runc >/dev/null || skip "runc not installed"
	runc_root=$BATS_TEST_TMPDIR/runc-state
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	for filter in '.process.args = "sh"' '.root.path = "nope"' \
		      '.linux.namespaces += [{"type": "bogus"}]' \
		      '.hooks.createRuntime = [{"path": "/bin/false"}]'; do
		jq "$filter" "$BATS_TEST_TMPDIR/good.json" > "$BUNDLE/config.json"
		cfg --arg p "/$ID-runc" '.linux.cgroupsPath = $p'
		run calyx create -b "$BUNDLE" "$ID" < /dev/null
		ours=$status
		run runc --root "$runc_root" create -b "$BUNDLE" "$ID" < /dev/null
		[ "$ours" -eq "$status" ] ||
			fail "$filter: calyx exited $ours, runc $status"
	done
	for cmd in state start "kill" delete; do
		run calyx $cmd nope
		ours=$status
		run runc --root "$runc_root" $cmd nope
		[ "$ours" -eq "$status" ] || fail "$cmd: calyx $ours, runc $status"
	done
}

@test "a hostname longer than the kernel takes names the field" {
	calyx_only
	cfg --arg h "$(printf 'h%.0s' {1..65})" '.hostname = $h'
	run --separate-stderr calyx run -b "$BUNDLE" "$ID"
	[[ $status -ne 0 && $stderr == *"config.json: hostname: longer than 64 characters"* ]] ||
		fail "$stderr"
	assert_nothing_left "$ID"
}

# ---- bad input is refused (issue 12) ------------------------------------

# The bundle's config.json with compact text $1 replaced by $2 (for what jq
# cannot write: repeated keys, raw invalid UTF-8).
cfg_text()
{
	jq -c . "$BUNDLE/config.json" > "$BUNDLE/config.json.tmp"
	FROM=$1 TO=$2 perl -0pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/ or die "no match"' \
		"$BUNDLE/config.json.tmp"
	mv "$BUNDLE/config.json.tmp" "$BUNDLE/config.json"
}

@test "a uid, gid or additional gid of 4294967295 is refused (it would keep root)" {
	local field
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	set_args /bin/probe id
	for field in uid gid additionalGids; do
		cp "$BATS_TEST_TMPDIR/good.json" "$BUNDLE/config.json"
		set_args /bin/probe id
		if [[ $field == additionalGids ]]; then
			cfg '.process.user.additionalGids = [4294967295]'
		else
			cfg --arg f "$field" '.process.user[$f] = 4294967295'
		fi
		run --separate-stderr calyx run -b "$BUNDLE" "$ID" < /dev/null
		expect_error "config\.json: process\.user\.$field(\[0\])?: must be an integer between 0 and 4294967294"
		assert_nothing_left "$ID"
	done
}

@test "exec with a uid of 4294967295 (--process, -u, --additional-gids) is refused" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	jq -n '{args: ["/bin/probe", "id"], cwd: "/", user: {uid: 4294967295, gid: 0}}' \
		> "$BATS_TEST_TMPDIR/p.json"
	run --separate-stderr calyx exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
	expect_error 'user\.uid: must be an integer between 0 and 4294967294' 255
	run --separate-stderr calyx exec -u 4294967295 "$ID" /bin/probe id
	expect_error 'user.*4294967295' 255
	run --separate-stderr calyx exec -u 0:4294967295 "$ID" /bin/probe id
	expect_error 'user.*4294967295' 255
	run --separate-stderr calyx exec --additional-gids 4294967295 "$ID" /bin/probe id
	[[ $status -ne 0 ]] || fail "exec --additional-gids 4294967295 ran: $output"
	calyx delete -f "$ID"
}

@test "id mappings with 4294967295 or past the last id are refused" {
	calyx_only
	cfg '.linux.namespaces += [{"type": "user"}]
	     | .linux.uidMappings = [{"containerID": 0, "hostID": 4294967295, "size": 1}]
	     | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]'
	create_err
	expect_error 'config\.json: linux\.uidMappings\[0\]\.hostID: must be an integer between 0 and 4294967294'
	cfg '.linux.uidMappings = [{"containerID": 10, "hostID": 0, "size": 4294967290}]'
	create_err
	expect_error 'config\.json: linux\.uidMappings\[0\]\.size: 4294967290 ids from 10 '
	assert_nothing_left "$ID"
}

@test "a string holding \\u0000 is refused by its JSON path, never cut short" {
	local filter
	for filter in \
		'.mounts += [{"destination": "/tmp\u0000/../../etc", "type": "tmpfs", "source": "tmpfs"}]' \
		'.root.path = "rootfs\u0000/../.."' \
		'.process.args = ["/bin/probe\u0000x", "exit", "0"]' \
		'.process.env += ["A=1\u0000B=2"]' \
		'.hostname = "h\u0000x" | .linux.namespaces += [{"type": "uts"}]'; do
		cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
		cfg "$filter"
		create_err
		expect_error 'config\.json: (mounts\[[0-9]+\]\.destination|root\.path|process\.args\[0\]|process\.env\[[0-9]+\]|hostname): contains a NUL character'
		assert_nothing_left "$ID"
		cp "$BATS_TEST_TMPDIR/good.json" "$BUNDLE/config.json"
	done
}

@test "invalid UTF-8 in a string is refused by its JSON path" {
	calyx_only	# runc (Go) replaces invalid UTF-8 with U+FFFD
	local bad
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	# overlong "/", a UTF-16 surrogate as UTF-8, past U+10FFFF, and lone or
	# mismatched surrogate escapes
	for bad in $'\xc0\xaf' $'\xed\xa0\x80' $'\xf4\x90\x80\x80' '\ud800' \
		   '\udc00' '\ud800\u0041' '\\\udfff'; do
		cp "$BATS_TEST_TMPDIR/good.json" "$BUNDLE/config.json"
		cfg_text '"exit","0"' "\"exit\",\"0$bad\""
		create_err
		expect_error 'config\.json: process\.args\[2\]: is not valid UTF-8'
		assert_nothing_left "$ID"
	done
	# what stays valid: real UTF-8 and an escaped pair
	cp "$BATS_TEST_TMPDIR/good.json" "$BUNDLE/config.json"
	cfg '.process.args = ["/bin/probe", "exit", "0"] | .process.env += ["X=é€😀\ud83d\ude00"]'
	run calyx run -b "$BUNDLE" "$ID" < /dev/null
	expect_status 0
}

@test "a repeated key in config.json: the last one wins, as in runc" {
	cfg_text '"args":["/bin/probe","exit","0"]' \
		 '"args":["/bin/probe","exit","3"],"args":["/bin/probe","exit","0"]'
	run calyx run -b "$BUNDLE" "$ID" < /dev/null
	expect_status 0
	# (jq, which cfg_text compacts with, has kept the last one already)
	cfg_text '"args":["/bin/probe","exit","0"]' \
		 '"args":["/bin/probe","exit","0"],"args":["/bin/probe","exit","4"]'
	run calyx run -b "$BUNDLE" "$ID" < /dev/null
	expect_status 4
}

@test "a repeated key in exec --process and update -r: the last one wins" {
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	echo '{"cwd":"/","args":["/bin/probe","exit","3"],"args":["/bin/probe","exit","0"]}' \
		> "$BATS_TEST_TMPDIR/p.json"
	run calyx exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
	expect_status 0
	local pid cg max
	echo '{"pids":{"limit":40},"pids":{"limit":50}}' > "$BATS_TEST_TMPDIR/r.json"
	run calyx update -r "$BATS_TEST_TMPDIR/r.json" "$ID"
	expect_status 0
	pid=$(state_field "$ID" pid)
	# the pids controller's directory of the container (v1 or v2)
	cg=$(awk -F: '$2 == "pids" || ($1 == "0" && $2 == "") { print $3; exit }' "/proc/$pid/cgroup")
	max=$(cat "/sys/fs/cgroup/pids$cg/pids.max" 2>/dev/null || cat "/sys/fs/cgroup$cg/pids.max")
	[ "$max" = 50 ] || fail "pids.max is $max, not the last limit (50)"
	calyx delete -f "$ID"
}

@test "a repeated key in state.json: the last one wins" {
	calyx_only
	local f
	set_args /bin/probe sleep 100
	create_ct "$ID"
	expect_status 0
	f=$STATE_ROOT/$ID/state.json
	[[ -f $f ]] || skip "no state.json at $f"
	jq -c . "$f" | sed 's|^{|{"bundle":"/calyx-first",|' > "$f.tmp"
	mv "$f.tmp" "$f"
	[ "$(state_field "$ID" bundle)" = "$BUNDLE" ]
	calyx delete -f "$ID"
	assert_nothing_left "$ID"
}

@test "run --seccomp FILE must hold a seccomp object, parsed on its own" {
	calyx_only	# bundle-less run is calyx's
	local p=$BATS_TEST_TMPDIR/profile.json root=$BUNDLE/rootfs
	echo null > "$p"
	run --separate-stderr calyx run --rootfs "$root" --seccomp "$p" -- /bin/probe exit 0
	expect_error "^calyx: --seccomp $p: linux\.seccomp: must be a seccomp object\$"
	echo '["SCMP_ACT_ALLOW"]' > "$p"
	run --separate-stderr calyx run --rootfs "$root" --seccomp "$p" -- /bin/probe exit 0
	expect_error 'linux\.seccomp: must be a seccomp object'
	# text that would close the object and add other fields of the spec
	echo '{"defaultAction":"SCMP_ACT_ALLOW"},"process":{"args":["/bin/probe","exit","7"],"cwd":"/"}' > "$p"
	run --separate-stderr calyx run --rootfs "$root" --seccomp "$p" -- /bin/probe exit 0
	expect_error "^calyx: --seccomp $p:1:[0-9]+: invalid JSON"
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x\u0000"],"action":"SCMP_ACT_ALLOW"}]}' > "$p"
	run --separate-stderr calyx run --rootfs "$root" --seccomp "$p" -- /bin/probe exit 0
	expect_error 'linux\.seccomp\.syscalls\[0\]\.names\[0\]: contains a NUL character'
	echo '{"defaultAction":"SCMP_ACT_ALLOW"}' > "$p"
	run calyx run --rootfs "$root" --seccomp "$p" -- /bin/probe exit 0
	expect_status 0
}

@test "a mount destination of /, . or .. is refused by its path" {
	local d
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	for d in / . .. /tmp/../..; do
		cp "$BATS_TEST_TMPDIR/good.json" "$BUNDLE/config.json"
		cfg --arg d "$d" '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs"}]'
		create_err
		expect_error "config\\.json: mounts\\[[0-9]+\\]\\.destination: \"/?${d//./\\.}\" is the container's root"
		assert_nothing_left "$ID"
	done
}

@test "device numbers the kernel cannot hold, and a negative non-wildcard rule, are refused" {
	runc_deviates "runc truncates device numbers (major 2^32+1 makes 1:3)"
	cfg '.linux.devices = [{"path": "/dev/calyx-x", "type": "c", "major": 4294967297, "minor": 1}]'
	create_err
	expect_error 'config\.json: linux\.devices\[0\]\.major: must be at most 4095'
	assert_nothing_left "$ID"
	cfg '.linux.devices = [] | .linux.resources.devices += [{"allow": true, "type": "c", "major": -5, "access": "r"}]'
	create_err
	expect_error 'config\.json: linux\.resources\.devices\[[0-9]+\]\.major: must be an integer between -1 and 4294967295'
	assert_nothing_left "$ID"
}

@test "a full state root: the error names the file with its directory" {
	calyx_only
	command -v unshare >/dev/null || skip "no unshare"
	local full=$BATS_TEST_TMPDIR/full
	mkdir -p "$full"
	# a private mount namespace: the tiny tmpfs goes away with it
	run --separate-stderr unshare -m sh -c '
		mount --make-rprivate / &&
		mount -t tmpfs -o size=64k tmpfs "$1" &&
		{ dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null; true; } &&
		"$2" --root "$1" create -b "$3" "$4" < /dev/null' \
		sh "$full" "$CALYX" "$BUNDLE" "$ID"
	expect_error "(write|create) $full/$ID/\\.[a-z.]+\\.tmp: No space left on device"
	[[ -z $(find /sys/fs/cgroup -maxdepth 5 -name "$ID" 2>/dev/null) ]] || fail "cgroup of $ID left"
}

@test "a memory limit too small for the setup says so and names the limit" {
	[[ -e /sys/fs/cgroup/memory || -e /sys/fs/cgroup/cgroup.controllers ]] ||
		skip "no memory cgroup"
	# a few pages: the setup cannot fit, wherever it is when it runs out
	cfg '.linux.resources.memory = {"limit": 16384}'
	run --separate-stderr calyx run -b "$BUNDLE" "$ID" < /dev/null
	expect_error 'killed by the OOM killer: linux\.resources\.memory\.limit \(16384 bytes\) is too small'
	assert_nothing_left "$ID"
}

@test "run -t on a host terminal writes \\r\\n, not \\r\\r\\n" {
	command -v script >/dev/null || skip "no script(1) for a host terminal"
	local out
	set_args sh -c 'echo a; echo b'
	cfg '.process.terminal = true'
	# script(1) gives calyx a terminal of its own (the host side)
	out=$(script -qec "$CALYX --root $STATE_ROOT run -b $BUNDLE $ID" /dev/null < /dev/null | od -An -c | tr -s ' \n' ' ')
	[[ $out == *'a \r \n'*'b \r \n'* ]] || fail "output: $out"
	[[ $out != *'\r \r'* ]] || fail "\\r\\r\\n in the output: $out"
	assert_nothing_left "$ID"
}

# The systemd driver's bad input that needs no systemd: checked before the
# bus is even opened, so these hold on any host (and in the systemd tier).
@test "systemd driver: a cgroupsPath not slice:prefix:name, a bad slice, a refused annotation, no D-Bus" {
	calyx_only
	cfg '.linux.cgroupsPath = "/calyx/x"'
	run --separate-stderr "$CALYX" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$ID"
	expect_error 'linux\.cgroupsPath: "/calyx/x": the systemd cgroup driver wants "slice:prefix:name"'
	assert_nothing_left "$ID"
	cfg '.linux.cgroupsPath = "a--b.slice:pfx:x"'
	run --separate-stderr "$CALYX" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$ID"
	expect_error 'linux\.cgroupsPath: "a--b\.slice:pfx:x": "a--b\.slice" is not a valid slice name'
	assert_nothing_left "$ID"
	# CVE-2024-3154: a property that runs a command on the host
	cfg '.linux.cgroupsPath = "" | .annotations["org.systemd.property.ExecStopPost"] = "[\"/bin/touch\", \"/tmp/x\"]"'
	run --separate-stderr "$CALYX" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$ID"
	expect_error 'annotations: org\.systemd\.property\.ExecStopPost: ExecStopPost is not a unit property'
	assert_nothing_left "$ID"
	cfg '.annotations = {"org.systemd.property.TasksMax": "5\nExecStart=/bin/sh"}'
	run --separate-stderr "$CALYX" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$ID"
	expect_error 'annotations: org\.systemd\.property\.TasksMax: .* is not a valid unsigned number or infinity'
	assert_nothing_left "$ID"
	cfg '.annotations = {}'
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus \
		run --separate-stderr "$CALYX" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$ID"
	expect_error 'systemd cgroup driver: connecting to the system D-Bus at /nonexistent/bus: No such file or directory'
	assert_nothing_left "$ID"
}
