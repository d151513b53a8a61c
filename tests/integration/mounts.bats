#!/usr/bin/env bats
# mounts, root.readonly, rootfsPropagation, maskedPaths, readonlyPaths.

load helpers

teardown()
{
	umount -R "$BATS_TEST_TMPDIR/shared" 2>/dev/null || true
	common_teardown
}

@test "bind mount rw: writes reach the host" {
	mkdir "$BATS_TEST_TMPDIR/host"
	echo hi > "$BATS_TEST_TMPDIR/host/file"
	add_mount /mnt/rw bind "$BATS_TEST_TMPDIR/host" rbind rw
	run_probe /bin/probe write /mnt/rw/new
	expect_status 0
	has_line write=OK
	[ -f "$BATS_TEST_TMPDIR/host/new" ]
	run_probe /bin/cat /mnt/rw/file
	expect_status 0
	[ "$output" = hi ]
}

@test "bind mount ro: writes fail with EROFS" {
	mkdir "$BATS_TEST_TMPDIR/host"
	add_mount /mnt/ro bind "$BATS_TEST_TMPDIR/host" rbind ro
	run_probe /bin/probe write /mnt/ro/new
	[ "$status" -ne 0 ]
	has_line write=EROFS
	[ ! -e "$BATS_TEST_TMPDIR/host/new" ]
}

@test "bind mount of a file" {
	echo content > "$BATS_TEST_TMPDIR/hostfile"
	add_mount /etc/injected bind "$BATS_TEST_TMPDIR/hostfile" bind ro
	run_probe /bin/cat /etc/injected
	expect_status 0
	[ "$output" = content ]
}

@test "tmpfs with size, mode and flags" {
	add_mount /mnt/t tmpfs tmpfs size=1m mode=700 nosuid nodev noexec
	run_probe /bin/probe mounts
	expect_status 0
	l=$(mount_line /mnt/t)
	[[ $l == "/mnt/t tmpfs "* ]] || fail "no tmpfs at /mnt/t: $output"
	read -r _ _ opts super _ <<< "$l"
	[[ ,$opts, == *,nosuid,* && ,$opts, == *,nodev,* && ,$opts, == *,noexec,* ]] ||
		fail "flags missing: $l"
	[[ $super == *size=1024k* && $super == *mode=700* ]] || fail "data missing: $l"
}

@test "proc, sysfs, mqueue and devpts are mounted with their types" {
	run_probe /bin/probe mounts
	expect_status 0
	[[ $(mount_line /proc) == "/proc proc "* ]] || fail "$output"
	[[ $(mount_line /sys) == "/sys sysfs "* ]] || fail "$output"
	[[ $(mount_line /sys) == "/sys sysfs ro,"* ]] || fail "sysfs not ro: $output"
	[[ $(mount_line /dev/mqueue) == "/dev/mqueue mqueue "* ]] || fail "$output"
	[[ $(mount_line /dev/pts) == "/dev/pts devpts "* ]] || fail "$output"
	[[ $(mount_line /dev/pts) == *ptmxmode=666* ]] || fail "$output"
}

@test "root.readonly makes / read-only but not its mounts" {
	cfg '.root.readonly = true'
	run_probe /bin/probe write /new
	[ "$status" -ne 0 ]
	has_line write=EROFS
	run_probe /bin/probe write /tmp/new
	expect_status 0
	has_line write=OK
	run_probe /bin/probe write /dev/shm/new
	has_line write=OK
}

@test "rootfsPropagation private: / has no peer group" {
	cfg '.linux.rootfsPropagation = "private"'
	run_probe /bin/probe mounts
	expect_status 0
	l=$(mount_line /)
	[[ -n $l && $l != *shared:* && $l != *master:* ]] || fail "$l"
}

# Sets up a shared host dir, runs a container that waits for a flag file in
# a tmpfs mounted there later by the host, and prints what it saw.
propagation_case()
{
	local dir=$BATS_TEST_TMPDIR/shared i
	mkdir -p "$dir/sub"
	mount --bind "$dir" "$dir"
	mount --make-shared "$dir"
	add_mount /mnt/p bind "$dir" rbind "$@"
	set_args /bin/sh -c 'i=0; while [ $i -lt 40 ]; do
		[ -e /mnt/p/sub/flag ] && { echo seen; exit 0; }
		i=$((i + 1)); sleep 0.1; done; echo timeout'
	run_detached "$ID"
	expect_status 0
	mount -t tmpfs tmpfs "$dir/sub"
	touch "$dir/sub/flag"
	wait_for_status "$ID" stopped
	output=$(ct_output "$ID")
}

@test "mount propagation rslave: host mounts appear in the container" {
	propagation_case rslave
	[ "$output" = seen ] || fail "got: $output"
}

@test "mount propagation rprivate: host mounts stay out" {
	propagation_case rprivate
	[ "$output" = timeout ] || fail "got: $output"
}

@test "a mount destination through a symlink cannot escape the rootfs" {
	out=$BATS_TEST_TMPDIR/outside
	ln -s "$out" "$BUNDLE/rootfs/evil"
	ln -s ../../../../../../../../.. "$BUNDLE/rootfs/up"
	add_mount /evil/sub tmpfs tmpfs size=1m
	add_mount "/up$BATS_TEST_TMPDIR/outside2" tmpfs tmpfs size=1m
	run calyx run -b "$BUNDLE" "$ID"
	[ ! -e "$out" ] || fail "created $out on the host"
	[ ! -e "$BATS_TEST_TMPDIR/outside2" ] || fail "created outside2 on the host"
	! grep -q "$BATS_TEST_TMPDIR/outside" /proc/self/mountinfo
}

@test "maskedPaths read empty" {
	printf 'secret\n' > "$BUNDLE/rootfs/etc/secret"
	mkdir "$BUNDLE/rootfs/secretdir"
	touch "$BUNDLE/rootfs/secretdir/a"
	cfg '.linux.maskedPaths += ["/etc/secret", "/secretdir"]'
	run_probe /bin/probe read /etc/secret
	expect_status 0
	has_line bytes=0
	if [[ -e /proc/kcore ]]; then
		run_probe /bin/probe read /proc/kcore
		has_line bytes=0
	fi
	run_probe /bin/ls -A /secretdir
	expect_status 0
	[ -z "$output" ]
}

@test "masked directories are empty and read-only, all from one tmpfs (a superblock per container, not per path)" {
	mkdir -p "$BUNDLE/rootfs/secretdir" "$BUNDLE/rootfs/secretdir2"
	touch "$BUNDLE/rootfs/secretdir/a" "$BUNDLE/rootfs/secretdir2/b"
	cfg '.linux.maskedPaths += ["/secretdir", "/secretdir2"]'
	set_args /bin/sh -c 'ls -A /secretdir /secretdir2; for d in /secretdir /secretdir2; do
		touch $d/x 2>/dev/null && echo "wrote $d"; done
		awk "\$5 == \"/secretdir\" || \$5 == \"/secretdir2\" || \$5 == \"/sys/firmware\" { print \"dev\", \$3 }" /proc/self/mountinfo'
	run calyx run -b "$BUNDLE" "$ID"
	expect_status 0
	no_line "a"
	no_line "b"
	[[ $output != *wrote* ]] || fail "a masked directory took a write: $output"
	calyx_only	# runc and crun mount a tmpfs per masked directory
	[[ $(grep -c '^dev ' <<< "$output") -ge 2 && $(grep '^dev ' <<< "$output" | sort -u | wc -l) -eq 1 ]] ||
		fail "masked directories on different superblocks: $output"
}

@test "readonlyPaths fail writes with EROFS" {
	mkdir "$BUNDLE/rootfs/data"
	cfg '.linux.readonlyPaths += ["/data"]'
	run_probe /bin/probe write /data/x
	[ "$status" -ne 0 ]
	has_line write=EROFS
	run_probe /bin/probe write /proc/sys/kernel/domainname
	[ "$status" -ne 0 ]
	has_line write=EROFS
}

@test "a missing mount source fails, nothing left" {
	add_mount /mnt/x bind "$BATS_TEST_TMPDIR/does-not-exist" rbind
	run calyx run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_nothing_left "$ID"
}

@test "idmap with the mount's own maps: host root's files show as the mapped id" {
	runc_deviates "runc 1.1 has no idmapped mounts"
	local src=$BATS_TEST_TMPDIR/idmap-src
	mkdir -p "$src"
	echo data > "$src/f"
	add_mount /mnt/idm bind "$src" bind idmap
	cfg '.mounts[-1].uidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]
	     | .mounts[-1].gidMappings = [{"containerID": 0, "hostID": 2000, "size": 1}]'
	add_mount /mnt/plain bind "$src" bind
	run_probe /bin/sh -c 'stat -c "idm=%u:%g" /mnt/idm/f; stat -c "plain=%u:%g" /mnt/plain/f; cat /mnt/idm/f'
	expect_status 0
	has_line "idm=1000:2000"
	has_line "plain=0:0"
	has_line data
}

@test "idmap without maps uses the container's user namespace (root inside owns host root's files)" {
	runc_deviates "runc 1.1 has no idmapped mounts"
	local src=$BATS_TEST_TMPDIR/idmap-src
	mkdir -p "$src"
	echo data > "$src/f"
	chown -R 100000:100000 "$BUNDLE/rootfs"
	use_userns
	add_mount /mnt/idm bind "$src" rbind idmap
	add_mount /mnt/plain bind "$src" rbind
	run_probe /bin/sh -c 'stat -c "idm=%u:%g" /mnt/idm/f; stat -c "plain=%u:%g" /mnt/plain/f
		echo new > /mnt/idm/g && echo wrote'
	expect_status 0
	has_line "idm=0:0"
	has_line "plain=65534:65534"
	has_line wrote
	# written by the container's root, owned by the host's
	[[ $(stat -c %u:%g "$src/g") == 0:0 ]]
	assert_nothing_left "$ID"
}

@test "idmap on a non-bind mount is one clear error, nothing left" {
	calyx_only
	add_mount /mnt/t tmpfs tmpfs idmap
	cfg '.mounts[-1].uidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]
	     | .mounts[-1].gidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]'
	run calyx run -b "$BUNDLE" "$ID"
	[[ $status -ne 0 ]]
	[[ ${#lines[@]} -eq 1 && $output == *"mounts["*"idmap is supported on bind mounts only"* ]] ||
		fail "$output"
	assert_nothing_left "$ID"
}

@test "a mount config error is found before any cgroup or process is made" {
	calyx_only
	add_mount /mnt/t proc proc tmpcopyup
	# a cgroupsPath that cannot be made: the mount error must come first
	cfg '.linux.cgroupsPath = "/cgroup.procs/calyx-never"'
	run calyx create -b "$BUNDLE" "$ID"
	[[ $status -ne 0 ]]
	[[ ${#lines[@]} -eq 1 &&
	   $output == *"mounts["*"(/mnt/t): tmpcopyup needs a tmpfs"* ]] || fail "$output"
	assert_nothing_left "$ID"
}

@test "a ro tmpfs with a mount nested under it: read-only once the nested mount is made" {
	add_mount /mnt/ro tmpfs tmpfs ro size=1m
	add_mount /mnt/ro/sub/dir tmpfs tmpfs size=1m
	run_probe /bin/sh -c '/bin/probe write /mnt/ro/x; /bin/probe write /mnt/ro/sub/dir/x'
	has_line write=EROFS
	has_line write=OK
}

@test "a ro bind with a mount nested under it: no mount point is made in the host's directory" {
	mkdir "$BATS_TEST_TMPDIR/host"
	add_mount /mnt/ro bind "$BATS_TEST_TMPDIR/host" rbind ro
	add_mount /mnt/ro/sub tmpfs tmpfs size=1m
	run calyx run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/host/sub" ] || fail "made sub in the host's read-only directory"
	assert_nothing_left "$ID"
}

@test "user namespace: a bind source only host root can reach still mounts, also for exec after" {
	local secret=$BATS_TEST_TMPDIR/secret
	mkdir -p "$secret/sub"
	echo data > "$secret/sub/f"
	chmod 0700 "$secret"
	chown -R 100000:100000 "$BUNDLE/rootfs"
	use_userns
	add_mount /mnt/s bind "$secret/sub" rbind
	add_mount /mnt/f bind "$secret/sub/f" bind ro
	set_args /bin/sh -c 'cat /mnt/s/f /mnt/f; sleep 30'
	run_detached "$ID"
	expect_status 0
	run calyx exec "$ID" /bin/sh -c 'cat /mnt/s/f; cat /mnt/f; ls /mnt/s'
	expect_status 0
	[[ $output == $'data\ndata\nf' ]] || fail "got: $output"
	[[ $(ct_output "$ID") == $'data\ndata' ]] || fail "container saw: $(ct_output "$ID")"
	calyx kill "$ID" KILL
	wait_for_status "$ID" stopped
	calyx delete "$ID"
	assert_nothing_left "$ID"
}

@test "a tmpfs without mode= takes the mode of the image's directory under it, as runc" {
	mkdir -m 0750 "$BUNDLE/rootfs/run"
	chmod 0750 "$BUNDLE/rootfs/run"
	add_mount /run tmpfs tmpfs size=1m
	add_mount /mnt/new tmpfs tmpfs
	run_probe /bin/sh -c 'stat -c "%n=%a" /run /mnt/new'
	expect_status 0
	has_line /run=750
	has_line /mnt/new=1777
}

@test "a tmpfs with mode= keeps it over the mode of the image's directory" {
	runc_deviates "runc 1.1 chmods the tmpfs back to the directory's mode (1.2 does not)"
	mkdir -m 0755 "$BUNDLE/rootfs/srv"
	add_mount /srv tmpfs tmpfs mode=0711
	run_probe /bin/stat -c "%n=%a" /srv
	expect_status 0
	has_line /srv=711
}

@test "a mount on / itself is refused, nothing left" {
	add_mount / tmpfs tmpfs size=1m
	run calyx run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	if [[ $(runtime_name) == calyx* ]]; then
		contains "mounts[7].destination: \"/\" is the container's root"
	fi
	assert_nothing_left "$ID"
}

@test "user namespace: a bind of a host read-only mount stays read-only, even for the container's root" {
	local ro=$BATS_TEST_TMPDIR/shared
	mkdir -p "$BATS_TEST_TMPDIR/src" "$ro"
	mount --bind "$BATS_TEST_TMPDIR/src" "$ro"
	mount -o remount,bind,ro "$ro"
	chown -R 100000:100000 "$BUNDLE/rootfs"
	use_userns
	cfg '.process.capabilities = {"bounding": ["CAP_SYS_ADMIN"], "effective": ["CAP_SYS_ADMIN"],
				      "permitted": ["CAP_SYS_ADMIN"]}'
	add_mount /mnt/x bind "$ro" rbind
	run_probe /bin/sh -c 'mount -o remount,bind,rw /mnt/x && echo remounted-rw
		/bin/probe write /mnt/x/new'
	no_line remounted-rw
	has_line write=EROFS
	[ ! -e "$BATS_TEST_TMPDIR/src/new" ]
}

@test "user namespace: an idmapped bind of a host read-only mount stays read-only, even for the container's root" {
	runc_deviates "runc 1.1 has no idmapped mounts"
	local ro=$BATS_TEST_TMPDIR/shared
	mkdir -p "$BATS_TEST_TMPDIR/src" "$ro"
	mount --bind "$BATS_TEST_TMPDIR/src" "$ro"
	mount -o remount,bind,ro "$ro"
	chown -R 100000:100000 "$BUNDLE/rootfs"
	use_userns
	cfg '.process.capabilities = {"bounding": ["CAP_SYS_ADMIN"], "effective": ["CAP_SYS_ADMIN"],
				      "permitted": ["CAP_SYS_ADMIN"]}'
	add_mount /mnt/x bind "$ro" rbind idmap
	run_probe /bin/sh -c 'mount -o remount,bind,rw /mnt/x && echo remounted-rw
		/bin/probe write /mnt/x/new'
	no_line remounted-rw
	has_line write=EROFS
	[ ! -e "$BATS_TEST_TMPDIR/src/new" ]
}
