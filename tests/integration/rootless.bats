#!/usr/bin/env bats
# Rootless: calyx run by an ordinary user, with a bundle from `spec
# --rootless` and without a bundle.  A test user is made for this file and
# removed after it.

load helpers

RL_USER=calyx-rootless

setup_file()
{
	common_setup_file
	id "$RL_USER" >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin "$RL_USER"
	RL_UID=$(id -u "$RL_USER")
	export RL_UID
	# the user's own copy of the rootfs, in a dir it can traverse
	RL_DIR=$(mktemp -d /tmp/calyx-rootless.XXXXXX)
	export RL_DIR
	chmod 755 "$RL_DIR"
	cp -a "$WORK/rootfs" "$RL_DIR/rootfs"
	# the user's group too: an overlay copy-up in a user namespace can
	# only give files owners that are mapped
	chown -R "$RL_USER:" "$RL_DIR"
	# subordinate ids for the user (restored after the file)
	for f in /etc/subuid /etc/subgid; do
		if [[ -e $f ]]; then cp -a "$f" "$RL_DIR/$(basename "$f").orig"; fi
		echo "$RL_USER:300000:65536" >> "$f"
	done
}

teardown_file()
{
	for f in /etc/subuid /etc/subgid; do
		if [[ -e $RL_DIR/$(basename "$f").orig ]]; then
			cp -a "$RL_DIR/$(basename "$f").orig" "$f"
		else
			rm -f "$f"
		fi
	done
	rm -rf "$RL_DIR" "/tmp/calyx-$RL_UID"
	userdel "$RL_USER" 2>/dev/null || true
}

setup() { :; }

teardown()
{
	local id
	for id in $(as_user list -q 2>/dev/null); do
		as_user delete -f "$id" >/dev/null 2>&1 || true
	done
}

# calyx as the test user, with its default --root (a private /tmp dir:
# runuser gives no XDG_RUNTIME_DIR)
as_user()
{
	(cd "$RL_DIR" && runuser -u "$RL_USER" -- env -u XDG_RUNTIME_DIR "$CALYX" "$@")
}

@test "rootless: a bundle from spec --rootless runs as root of a user namespace" {
	runc_deviates "runc needs XDG_RUNTIME_DIR"
	rm -f "$RL_DIR/config.json"
	as_user spec --rootless
	runuser -u "$RL_USER" -- sh -c "jq '.process.terminal = false
		| .process.args = [\"/bin/probe\", \"ids\"]' $RL_DIR/config.json > $RL_DIR/c.json &&
		mv $RL_DIR/c.json $RL_DIR/config.json"
	run as_user run rl1
	expect_status 0
	has_line "uid=0"
	has_line "gid=0"
	# the host sees the user's uid for the container process
	[[ -z $(as_user list -q) ]]
	[[ -d /tmp/calyx-$RL_UID ]]
	[[ $(stat -c '%U %a' "/tmp/calyx-$RL_UID") == "$RL_USER 700" ]]
}

@test "rootless: the container process is the user on the host" {
	runc_deviates "runc needs XDG_RUNTIME_DIR"
	runuser -u "$RL_USER" -- sh -c "jq '.process.args = [\"/bin/probe\", \"sleep\", \"100\"]' \
		$RL_DIR/config.json > $RL_DIR/c.json && mv $RL_DIR/c.json $RL_DIR/config.json"
	as_user run -d rl2
	pid=$(as_user state rl2 | jq -r .pid)
	[[ $(stat -c %u "/proc/$pid") == "$RL_UID" ]]
	as_user delete -f rl2
	[[ -z $(as_user list -q) ]]
}

@test "rootless: exec joins the container's user and pid namespaces" {
	runc_deviates "runc needs XDG_RUNTIME_DIR"
	rm -f "$RL_DIR/config.json"
	as_user spec --rootless
	runuser -u "$RL_USER" -- sh -c "jq '.process.terminal = false
		| .process.args = [\"/bin/probe\", \"sleep\", \"100\"]' \
		$RL_DIR/config.json > $RL_DIR/c.json && mv $RL_DIR/c.json $RL_DIR/config.json"
	as_user run -d rl-exec < /dev/null > /dev/null 2>&1
	pid=$(as_user state rl-exec | jq -r .pid)
	run as_user exec rl-exec /bin/probe ids
	expect_status 0
	has_line "uid=0"
	run as_user exec rl-exec sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/user'
	expect_status 0
	want=$(readlink "/proc/$pid/ns/pid"; readlink "/proc/$pid/ns/user")
	[[ $output == "$want" ]] || fail "exec in $output, the container in $want"
	as_user delete -f rl-exec
	[[ -z $(as_user list -q) ]]
}

@test "rootless: bundle-less run" {
	calyx_only
	run as_user run --rootfs "$RL_DIR/rootfs" -- /bin/probe ids
	expect_status 0
	has_line "uid=0"
	[[ -z $(as_user list -q) ]]
}

@test "rootless: bundle-less runs map the user's subordinate ranges to 1..N" {
	calyx_only
	local f own start count
	for f in uid gid; do
		own=$(id -"${f:0:1}" "$RL_USER")
		# the user's first range (useradd may have allocated one already)
		start=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' "/etc/sub$f")
		count=$(awk -F: -v u="$RL_USER" '$1 == u { print $3; exit }' "/etc/sub$f")
		run as_user run --rootfs "$RL_DIR/rootfs" -- cat "/proc/self/${f}_map"
		expect_status 0
		[[ ${#lines[@]} -eq 2 ]] || fail "$f map: $output"
		read -r a b c <<<"${lines[0]}"
		[[ "$a $b $c" == "0 $own 1" ]] || fail "caller not mapped to 0: $output"
		read -r a b c <<<"${lines[1]}"
		[[ "$a $b $c" == "1 $start $count" ]] || fail "no subordinate range: $output"
	done
	# so --user can pick one of them: host id start + 999
	run as_user run --rootfs "$RL_DIR/rootfs" --user 1000:1000 --name rl-sub -- /bin/probe ids
	expect_status 0
	has_line "uid=1000"
	has_line "gid=1000"
	[[ -z $(as_user list -q) ]]
}

@test "rootless: --overlay, discarded or kept, never writes to the rootfs" {
	calyx_only
	run as_user run --rootfs "$RL_DIR/rootfs" --overlay -- \
		sh -c 'echo new > /etc/rl-new && cat /etc/rl-new && rm /etc/passwd && echo removed'
	expect_status 0
	has_line new
	has_line removed
	[[ ! -e $RL_DIR/rootfs/etc/rl-new && -e $RL_DIR/rootfs/etc/passwd ]]
	run as_user run --rootfs "$RL_DIR/rootfs" --keep-changes "$RL_DIR/keep" -- \
		sh -c 'echo kept > /etc/rl-kept'
	expect_status 0
	[[ $(cat "$RL_DIR/keep/upper/etc/rl-kept") == kept ]]
	[[ ! -e $RL_DIR/rootfs/etc/rl-kept ]]
	rm -rf "$RL_DIR/keep"
	[[ -z $(as_user list -q) ]]
	[[ -z $(ls -A "/tmp/calyx-$RL_UID") ]] || fail "left: $(ls -A "/tmp/calyx-$RL_UID")"
	! grep -q "$RL_DIR" /proc/self/mountinfo
}

@test "rootless: --overlay on --rootfs / is one clear error" {
	calyx_only
	run as_user run --rootfs / --overlay -- /bin/true
	[[ $status -ne 0 ]]
	[[ ${#lines[@]} -eq 1 && $output == *"--overlay on --rootfs /: needs root"* ]] ||
		fail "$output"
	[[ -z $(ls -A "/tmp/calyx-$RL_UID") ]]
}

@test "rootless: a /tmp/calyx-<uid> someone else took falls back to the user's home" {
	calyx_only
	local home=$RL_DIR/home
	mkdir -p "$home"
	chown "$RL_USER:" "$home"
	rm -rf "/tmp/calyx-$RL_UID"
	mkdir -m 0700 "/tmp/calyx-$RL_UID"	# root's, not the user's
	run runuser -u "$RL_USER" -- env -u XDG_RUNTIME_DIR HOME="$home" \
		"$CALYX" run --rootfs "$RL_DIR/rootfs" -- /bin/probe ids
	expect_status 0
	has_line "uid=0"
	[[ -d $home/.cache/calyx/run && -z $(ls -A "$home/.cache/calyx/run") ]]
	[[ $(stat -c %a "$home/.cache/calyx/run") == 700 ]]
	# without a usable home either: one clear error
	run runuser -u "$RL_USER" -- env -u XDG_RUNTIME_DIR HOME=/nonexistent "$CALYX" list
	[[ $status -ne 0 && ${#lines[@]} -eq 1 && $output == *"pass --root"* ]] || fail "$output"
	rmdir "/tmp/calyx-$RL_UID"
}

@test "rootless: resources without a delegated cgroup are a clear error" {
	calyx_only
	run as_user run --rootfs "$RL_DIR/rootfs" --memory 64m -- /bin/true
	[[ $status -ne 0 ]]
	[[ ${#lines[@]} -eq 1 ]] || fail "$output"
	[[ -z $(as_user list -q) ]]
}

@test "rootless: the full subordinate ranges through newuidmap/newgidmap" {
	runc_deviates "runc needs XDG_RUNTIME_DIR"
	runuser -u "$RL_USER" -- sh -c "jq --argjson u $RL_UID '
		.process.terminal = false
		| .process.user = {\"uid\": 1000, \"gid\": 1000}
		| .process.args = [\"/bin/probe\", \"sleep\", \"100\"]
		| .linux.uidMappings = [{\"containerID\": 0, \"hostID\": \$u, \"size\": 1},
			{\"containerID\": 1, \"hostID\": 300000, \"size\": 65536}]
		| .linux.gidMappings = [{\"containerID\": 0, \"hostID\": \$u, \"size\": 1},
			{\"containerID\": 1, \"hostID\": 300000, \"size\": 65536}]' \
		$RL_DIR/config.json > $RL_DIR/c.json && mv $RL_DIR/c.json $RL_DIR/config.json"
	as_user run -d rl5
	pid=$(as_user state rl5 | jq -r .pid)
	# container uid 1000 is host uid 300000 + 999
	[[ $(awk '/^Uid:/ { print $2 }' "/proc/$pid/status") == 300999 ]]
	[[ $(awk '/^Gid:/ { print $2 }' "/proc/$pid/status") == 300999 ]]
	as_user delete -f rl5
	[[ -z $(as_user list -q) ]]
}
