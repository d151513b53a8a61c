#!/bin/busybox sh
# /init of the cgroup v2 test VM (busybox sh, inside the initramfs that
# run-cgroup-v2.sh builds). It loads the virtio and 9p modules listed in
# /modules.list, mounts the host's root read-write over 9p at /mnt, gives
# it guest-local proc, sys, dev, tmpfs and a pure cgroup2 hierarchy, then
# runs the job's command chrooted into it and powers off.
#
# The job directory (a host path, reached through the 9p root) comes from
# the kernel command line as calyx_job=DIR. Files this script writes there:
#   booted   the guest reached user space and mounted the host root
#   exit     exit status of the chrooted command
#   init.err why this script gave up, when it did
/bin/busybox --install -s /bin
export PATH=/bin

die()
{
	echo "vm init: $*"
	[ -n "$job" ] && [ -d "/mnt$job" ] && echo "$*" > "/mnt$job/init.err"
	sync
	poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

job=
for word in $(cat /proc/cmdline); do
	case $word in
	calyx_job=*) job=${word#calyx_job=} ;;
	calyx_move_root=*) move_root=${word#calyx_move_root=} ;;
	esac
done
[ -n "$job" ] || die "no calyx_job= on the kernel command line"

while read -r mod; do
	insmod "/modules/$mod" || die "insmod $mod failed"
done < /modules.list

mkdir -p /mnt
opts=trans=virtio,version=9p2000.L,msize=512000
# The host root is read through the page cache (exec over uncached 9p is
# what makes a guest slow); the job dir, which the host follows while the
# guest writes, is a second, uncached share mounted over its own path.
mount -t 9p -o $opts,cache=loose hostroot /mnt ||
	die "mounting the host root over 9p failed"
[ -d "/mnt$job" ] || die "job dir $job not found on the host root"
# The checkout may live under /tmp or /run (a CI clone can): keep the
# host's view of the top directory holding it visible after the
# guest-local tmpfs mounts below hide the rest.
keep=
case "$job" in
/tmp/?*|/run/?*)
	top=${job#/*/}
	top=${job%%/"$top"}/${top%%/*}
	mkdir -p /hostkeep
	mount --bind "/mnt$top" /hostkeep || die "bind $top"
	keep=$top
	;;
esac

# Guest-local file systems over the host's directories: the host's /tmp,
# /run and /dev must not be shared with (or polluted by) the tests.
m=/mnt
mount -t proc proc $m/proc || die "mount proc"
mount -t sysfs sysfs $m/sys || die "mount sysfs"
mount -t devtmpfs devtmpfs $m/dev || die "mount devtmpfs"
mkdir -p $m/dev/pts $m/dev/shm
ln -s /proc/self/fd $m/dev/fd
ln -s /proc/self/fd/0 $m/dev/stdin
ln -s /proc/self/fd/1 $m/dev/stdout
ln -s /proc/self/fd/2 $m/dev/stderr
mount -t devpts -o ptmxmode=0666,mode=0620,gid=5 devpts $m/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $m/dev/shm
mount -t tmpfs -o mode=1777 tmpfs $m/tmp || die "mount tmpfs on /tmp"
mount -t tmpfs -o mode=0755 tmpfs $m/run || die "mount tmpfs on /run"
if [ -n "$keep" ]; then
	mkdir -p "$m$keep"
	mount --move /hostkeep "$m$keep" || die "restore $keep"
fi
mount -t 9p -o $opts,cache=none calyxjob "/mnt$job" ||
	die "mounting the job dir over 9p failed"
cut -d' ' -f1 /proc/uptime > "/mnt$job/booted"
# Options as systemd mounts it on pure cgroup v2 hosts.
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 \
	$m/sys/fs/cgroup 2>/dev/null ||
	mount -t cgroup2 cgroup2 $m/sys/fs/cgroup || die "mount cgroup2"

# Delegate every controller the kernel has to the children of the root,
# then leave the root cgroup as systemd does: the tests run in a leaf.
cg=$m/sys/fs/cgroup
for c in $(cat $cg/cgroup.controllers); do
	echo "+$c" > $cg/cgroup.subtree_control ||
		echo "vm init: cannot enable controller $c"
done
mkdir -p $cg/init.scope
echo $$ > $cg/init.scope/cgroup.procs || die "cannot enter init.scope"

if [ "${move_root:-}" = 1 ]; then
	# CRIU (checkpoint.bats) refuses to dump a container whose root is not
	# its mount namespace's "/" (in a chroot it is /mnt/...): move the host
	# root onto / as switch_root does. Our own "/" stays the initramfs, so
	# the exit status is written from inside.
	cd $m && mount --move . / || die "moving the host root onto /"
	chroot . /bin/sh "$job/guest"
	chroot . /bin/sh -c 'echo "$1" > "$2/exit"' sh $? "$job"
else
	chroot $m /bin/sh "$job/guest"
	echo $? > "/mnt$job/exit"
fi
sync
poweroff -f
