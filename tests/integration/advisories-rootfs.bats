#!/usr/bin/env bats
# Advisories against other runtimes about hostile images laying out the
# rootfs (/proc and /sys replaced by symlinks, symlinks that carry a mount
# into /proc), each reproduced against calyx. An image like this is an
# attack: the container is refused, as runc does, and nothing is mounted or
# made outside the rootfs.

load helpers

# The host directory the image's symlink aims at: nothing may land there.
untouched()
{
	local dir=$1
	! grep -qF " $dir " /proc/self/mountinfo ||
		fail "mounted on the host at $dir: $(grep -F " $dir " /proc/self/mountinfo)"
	[ -z "$(ls -A "$dir")" ] || fail "made on the host in $dir: $(ls -A "$dir")"
}

# Replaces the image's /$1 by a symlink to $2 and expects the refusal.
symlinked_case()
{
	local name=$1 target=$2
	rm -rf "${BUNDLE:?}/rootfs/$name"
	ln -s "$target" "$BUNDLE/rootfs/$name"
	run calyx run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ] || fail "a symlinked /$name was accepted: $output"
	if [[ $(runtime_name) == calyx* ]]; then
		contains "must be mounted on an ordinary directory"
		contains "/$name is a symlink"
	fi
	assert_nothing_left "$ID"
}

@test "CVE-2025-54867: an absolute symlink /proc to a host path is refused, nothing mounted there" {
	local host=$BATS_TEST_TMPDIR/hostproc
	mkdir "$host"
	symlinked_case proc "$host"
	untouched "$host"
}

@test "CVE-2025-54867: a relative symlink /proc climbing out of the rootfs is refused" {
	local host=$BATS_TEST_TMPDIR/hostproc
	mkdir "$host"
	symlinked_case proc "../../../../../../../../..$host"
	untouched "$host"
}

@test "CVE-2025-54867: an absolute symlink /sys to a host path is refused, nothing mounted there" {
	local host=$BATS_TEST_TMPDIR/hostsys
	mkdir "$host"
	symlinked_case sys "$host"
	untouched "$host"
}

@test "CVE-2025-54867: a relative symlink /sys climbing out of the rootfs is refused" {
	local host=$BATS_TEST_TMPDIR/hostsys
	mkdir "$host"
	symlinked_case sys "../../../../../../../../..$host"
	untouched "$host"
}

@test "CVE-2023-28642: /proc as a symlink to a fake proc in the image (LSM label writes) is refused" {
	# the image's own "proc" whose attr/ files would take the LSM label
	mkdir -p "$BUNDLE/rootfs/fakeproc/self/attr"
	touch "$BUNDLE/rootfs/fakeproc/self/attr/exec" \
		"$BUNDLE/rootfs/fakeproc/self/attr/current"
	symlinked_case proc fakeproc
	[ ! -s "$BUNDLE/rootfs/fakeproc/self/attr/exec" ] ||
		fail "the fake attr/exec was written: $(cat "$BUNDLE/rootfs/fakeproc/self/attr/exec")"
	! grep -qF "$BUNDLE/rootfs/fakeproc" /proc/self/mountinfo
}

@test "CVE-2023-28642: /proc as an absolute symlink inside the image is refused too" {
	mkdir -p "$BUNDLE/rootfs/fakeproc"
	symlinked_case proc /fakeproc
	[ -z "$(ls -A "$BUNDLE/rootfs/fakeproc")" ]
}

@test "CVE-2019-16884: a bind through an image symlink into /proc (/etc/x -> /proc/self/attr) is refused" {
	mkdir -p "$BATS_TEST_TMPDIR/fakeattr"
	touch "$BATS_TEST_TMPDIR/fakeattr/exec" "$BATS_TEST_TMPDIR/fakeattr/current"
	ln -s /proc/self/attr "$BUNDLE/rootfs/etc/attrlink"
	add_mount /etc/attrlink bind "$BATS_TEST_TMPDIR/fakeattr" rbind
	run calyx run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ] || fail "mounted over /proc/self/attr: $output"
	if [[ $(runtime_name) == calyx* ]]; then
		contains "/attr: only procfs may be mounted on /proc"
	fi
	[ ! -s "$BATS_TEST_TMPDIR/fakeattr/exec" ]
	assert_nothing_left "$ID"
}

@test "CVE-2019-16884: a tmpfs through an image symlink into /proc/sys is refused" {
	runc_deviates "runc 1.1 checks the real destination of bind mounts only"
	ln -s ../proc/sys/kernel "$BUNDLE/rootfs/etc/kernlink"
	add_mount /etc/kernlink tmpfs tmpfs size=1m
	cfg '.linux.sysctl = {"kernel.domainname": "calyx"}'
	run calyx run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ] || fail "mounted over /proc/sys/kernel: $output"
	calyx_only
	contains "/proc/sys/kernel: only procfs may be mounted on /proc"
	assert_nothing_left "$ID"
}

@test "CVE-2019-16884: a cgroup mount inside /proc (/proc/sys/fs) is refused" {
	add_mount /proc/sys/fs cgroup cgroup
	run calyx run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ] || fail "mounted cgroups over /proc/sys/fs: $output"
	if [[ $(runtime_name) == calyx* ]]; then
		contains "/proc/sys/fs: only procfs may be mounted on /proc"
	fi
	assert_nothing_left "$ID"
}
