#!/usr/bin/env bats
# Advisories of other runtimes since 2023, each reproduced against calyx
# (issue 11). Where calyx already resists, the test stays as the proof.
# (youki CVE-2025-54867 and runc CVE-2023-28642, a symlinked /proc or
# /sys in the image, are in security.bats / rootfs tests.)

load helpers
bats_require_minimum_version 1.5.0

# The image's own /dev: no mount of /dev or below it in the config.
no_dev_mounts()
{
	cfg '.mounts |= map(select(.destination | startswith("/dev") | not))'
	mkdir -p "$BUNDLE/rootfs/dev"
}

# A host file with known content, owner and mode.
host_file()
{
	echo host > "$1"
	chown 0:0 "$1"
	chmod 0640 "$1"
}

host_file_untouched()
{
	[ "$(cat "$1")" = host ] || fail "$1 was written: $(cat "$1")"
	[ "$(stat -c '%u:%g %a' "$1")" = "0:0 640" ] ||
		fail "$1 changed owner or mode: $(stat -c '%u:%g %a' "$1")"
	! grep -qF " $1 " /proc/self/mountinfo || fail "$1 is mounted on"
}

# create + start on a pty; the container ran (its output came through the
# console) or calyx refused the config: either way it was tried.
console_run()
{
	local rc=0
	recvtty
	calyx create -b "$BUNDLE" --console-socket "$SOCK" "$ID" > /dev/null 2>&1 || rc=$?
	if [[ $rc -eq 0 ]]; then
		calyx start "$ID"
	else
		kill "$RECV_PID" 2>/dev/null || true
	fi
	wait_recvtty
	calyx delete -f "$ID" >/dev/null 2>&1 || true
	[[ $rc -ne 0 || $(tr -d '\r' < "$OUT") == *console-ok* ]] ||
		fail "the container did not run: $(cat "$OUT")"
}

@test "crun 2026 (after 1.29.1): /dev/console a symlink to a host file, /dev not mounted: not followed" {
	local host=$BATS_TEST_TMPDIR/host-console
	host_file "$host"
	no_dev_mounts
	rm -f "$BUNDLE/rootfs/dev/console"
	ln -s "$host" "$BUNDLE/rootfs/dev/console"
	cfg '.process.terminal = true'
	set_args /bin/sh -c 'echo console-ok'
	console_run
	host_file_untouched "$host"
	# and a relative symlink climbing out of the root
	rm -f "$BUNDLE/rootfs/dev/console"
	ln -s "../../../../../../../..$host" "$BUNDLE/rootfs/dev/console"
	console_run
	host_file_untouched "$host"
}

@test "crun 2026 (after 1.29.1): /dev/null a symlink to a host file, /dev not mounted: never stdio, never chowned" {
	local host=$BATS_TEST_TMPDIR/host-null
	host_file "$host"
	no_dev_mounts
	rm -f "$BUNDLE/rootfs/dev/null"
	ln -s "$host" "$BUNDLE/rootfs/dev/null"
	# a non-root user, whose stdio the runtime would chown to it
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	set_args /bin/sh -c 'cat 2>&1; for f in 0 1 2; do readlink /proc/self/fd/$f; done'
	run calyx run -b "$BUNDLE" "$ID" < /dev/null
	[[ $output != *host* ]] || fail "the host file reached the container: $output"
	host_file_untouched "$host"
	# detached: calyx reopens /dev/null for the container's stdio itself
	set_args /bin/probe exit 0
	run_detached "$ID-d"
	calyx delete -f "$ID-d" >/dev/null 2>&1 || true
	host_file_untouched "$host"
}

@test "youki CVE-2025-62161, youki 2026: masked and read-only paths that are symlinks out of the root are not followed" {
	local host=$BATS_TEST_TMPDIR/host-secret hostdir=$BATS_TEST_TMPDIR/host-dir
	host_file "$host"
	mkdir -p "$hostdir"
	host_file "$hostdir/f"
	ln -s "$host" "$BUNDLE/rootfs/masked-file"
	ln -s "$hostdir" "$BUNDLE/rootfs/masked-dir"
	ln -s "$hostdir" "$BUNDLE/rootfs/ro-dir"
	ln -s "../../../../../../../..$hostdir" "$BUNDLE/rootfs/ro-up"
	cfg '.linux.maskedPaths += ["/masked-file", "/masked-dir"]
		| .linux.readonlyPaths += ["/ro-dir", "/ro-up"]'
	run_probe /bin/probe exit 0
	host_file_untouched "$host"
	host_file_untouched "$hostdir/f"
	! grep -qF " $hostdir " /proc/self/mountinfo || fail "$hostdir is mounted on"
	touch "$hostdir/still-writable" || fail "the host dir became read-only"
}

@test "youki CVE-2025-62161, youki 2026: a masked path swapped with a symlink while the container is set up stays inside" {
	local host=$BATS_TEST_TMPDIR/host-secret i
	host_file "$host"
	cfg '.linux.maskedPaths += ["/race/secret"] | .linux.readonlyPaths += ["/race/ro"]'
	mkdir -p "$BUNDLE/rootfs/race"
	(
		for ((i = 0; i < 4000; i++)); do
			rm -rf "$BUNDLE/rootfs/race.tmp"
			mkdir -p "$BUNDLE/rootfs/race.tmp"
			ln -sfn "$host" "$BUNDLE/rootfs/race.tmp/secret"
			ln -sfn "$(dirname "$host")" "$BUNDLE/rootfs/race.tmp/ro"
			mv -T "$BUNDLE/rootfs/race.tmp" "$BUNDLE/rootfs/race" 2>/dev/null ||
				{ rm -rf "$BUNDLE/rootfs/race"; mv -T "$BUNDLE/rootfs/race.tmp" "$BUNDLE/rootfs/race"; }
			[[ -e $BATS_TEST_TMPDIR/stop ]] && break
		done
	) &
	for ((i = 0; i < 15; i++)); do
		calyx run -b "$BUNDLE" "$ID-$i" > /dev/null 2>&1 || true
		host_file_untouched "$host"
		! grep -qF " $(dirname "$host") " /proc/self/mountinfo ||
			fail "the host dir is mounted on"
	done
	touch "$BATS_TEST_TMPDIR/stop"
	wait
	host_file_untouched "$host"
}

@test "youki CVE-2025-62596: the LSM label is never written through a path the config redirects" {
	# the attack: a bind mount over the label file sends the write to another
	# procfs file (here the uts namespace's domainname)
	cfg '.mounts += [{"destination": "/proc/thread-self/attr/exec", "type": "bind",
		"source": "/proc/sys/kernel/domainname", "options": ["bind"]},
		{"destination": "/proc/self/attr/apparmor/exec", "type": "bind",
		"source": "/proc/sys/kernel/domainname", "options": ["bind"]}]
		| .process.apparmorProfile = "calyx-attack"
		| .process.args = ["/bin/sh", "-c", "cat /proc/sys/kernel/domainname"]'
	run calyx run -b "$BUNDLE" "$ID"
	! grep -qx calyx-attack <<< "$output" || fail "the label was written elsewhere: $output"
	[[ $(cat /proc/sys/kernel/domainname) != *calyx-attack* ]] ||
		fail "the host's domainname was written"
	if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) != Y ]]; then
		# calyx refuses a profile without AppArmor before any write
		[ "$status" -ne 0 ] || fail "a profile without AppArmor was accepted"
		skip "no AppArmor on this host: the label write through the verified procfs fd cannot run"
	fi
}

@test "runc CVE-2016-3697: a numeric user is a uid, never a name from the image's /etc/passwd" {
	# the image names a user "1000" with uid 0
	echo '1000:x:0:0:evil:/root:/bin/sh' >> "$BUNDLE/rootfs/etc/passwd"
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	run_probe /bin/probe ids
	expect_status 0
	has_line uid=1000
	has_line euid=1000
	set_args /bin/probe sleep 100
	cfg '.process.user = {"uid": 0, "gid": 0}'
	run_detached "$ID"
	expect_status 0
	run calyx exec -u 1000 "$ID" /bin/probe ids
	expect_status 0
	has_line uid=1000
	has_line euid=1000
	run calyx exec -u 1000:1000 "$ID" /bin/probe ids
	expect_status 0
	has_line uid=1000
	calyx delete -f "$ID"
}
