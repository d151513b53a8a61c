#!/bin/bash
# The systemd test tier: boots a small Debian 12 guest (debootstrap from
# this machine's apt mirror, cached under tests/.work/vm-systemd) with
# systemd as pid 1 on pure cgroup v2, in qemu (TCG, always under timeout),
# with the host's root shared read-write over 9p at /host, and runs bats
# files there against the calyx built on the host with the systemd cgroup
# driver (CALYX_TEST_CGROUP_DRIVER=systemd: helpers.bash adds
# --systemd-cgroup to every call).
#
#   tests/vm/run-systemd.sh [BATS_FILE...]
#
# Default files: tests/vm/systemd.bats, tests/vm/systemd-user.bats (rootless:
# the user's systemd), tests/integration/cgroups.bats, two restores of
# tests/integration/checkpoint.bats (the unit a restore makes, gone after the
# delete), the cgroup-touching tests of tests/integration/lifecycle.bats and a part of
# each engine's file (tests/integration/engines-*.bats: podman, containerd
# with ctr and with the CRI, Docker, each configured for the systemd cgroup
# driver; all of them whole with SD_VM_FULL=1).  Prints bats' TAP output as
# the guest writes it, then one line
#
#   systemd VM: N passed, N failed, N skipped
#
# Exit status: 0 all passed, 1 something failed, 77 the tier was skipped
# (no qemu or debootstrap, no image, no boot: the reason follows "SKIP:").
#
# Environment:
#   CALYX, PROBE        runtime and probe (default: $BUILD's, BUILD=build)
#   CALYX_VM_COUNTS     file to write "PASSED FAILED SKIPPED" to (tests/run)
#   CALYX_VM_SD_CACHE   image cache (default tests/.work/vm-systemd)
#   CALYX_VM_TIMEOUT    seconds the VM may run (default 1800)
#   CALYX_VM_TEST_TIMEOUT  seconds per bats test inside the VM (default 180)
#   CALYX_VM_CMD        a bash command to run in the guest instead of bats
#   SD_VM_FULL=1        the default files whole, not only the parts named
#   SUITES              as in tests/run: the default files it names (systemd
#                       for systemd.bats); none named: not selected
#   NO_VM=1             the tier is not selected (when no files are given)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${CALYX_VM_SD_CACHE:-$top/tests/.work/vm-systemd}
builddir=${BUILD:-$top/build}
CALYX=${CALYX:-$builddir/src/cli/calyx}
PROBE=${PROBE:-$builddir/tests/probe/probe}
CALYX_TEST_RUN=${CALYX_TEST_RUN:-calyx-sdvm-$$}
vm_timeout=${CALYX_VM_TIMEOUT:-1800}
# the guest: systemd, dbus and what the tests run (bats, jq, busybox)
guest_packages=systemd,systemd-sysv,dbus,busybox-static,bats,jq,iproute2,procps,kmod,udev
# installed with apt in the chroot (it resolves their dependencies): the
# kernel, and the engines the tier drives calyx with (engines-*.bats):
# podman (netavark: it will not start without a network backend), Docker
# and containerd, apparmor_parser (Debian's kernel has AppArmor on: Docker
# and podman load their profiles with it), the CRI client's gRPC and the
# pods' CNI plugins; CRIU (checkpoint.bats' restore under the systemd
# driver); the user's D-Bus (dbus-user-session: the rootless tests talk to
# a user's systemd on it)
guest_apt_packages="linux-image-amd64 initramfs-tools
	podman conmon catatonit netavark containerd docker.io runc iptables apparmor
	python3 python3-grpcio python3-grpc-tools python3-pkg-resources
	containernetworking-plugins criu dbus-user-session"

vm_tier="systemd tier" vm_label="systemd VM"
# shellcheck source=lib.sh
. "$here/lib.sh"

files=()
if (($# > 0)); then
	for f in "$@"; do
		[[ -f $f ]] || fail_tier "no such bats file: $f"
		files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
	done
else
	if [[ -n ${NO_VM:-} ]]; then
		echo "systemd tier not selected (NO_VM=$NO_VM)"
		report 0 0 0
		exit 0
	fi
	# SUITE FILE[@@REGEX]: the default files, with the suite name that
	# selects each (SUITES as in tests/run); @@REGEX runs only the tests
	# it matches (a bats test costs ~12 s under TCG, an engine's 15-80):
	# of checkpoint.bats a restore then a kill and delete, and one then a
	# delete -f; of lifecycle.bats those that make, fill or remove a cgroup, of the
	# engines' files those that take calyx's systemd driver through each
	# engine's run, exec, stats, update, pause, stop, kill and removal, a
	# podman pod and a CRI pod.  SD_VM_FULL=1 runs every file whole.
	it=$top/tests/integration
	defaults=(
		"systemd $here/systemd.bats"
		"systemd $here/systemd-user.bats"
		"cgroups $it/cgroups.bats"
		"checkpoint $it/checkpoint.bats@@^checkpoint( \+ restore: the counting loop| --leave-running)"
		"lifecycle $it/lifecycle.bats@@^(create -> created|run passes|run exits 128|run -d returns|run --keep|a duplicate ID|create stops|delete of a running|delete -f of a created|kill accepts|the container outlives)"
		"engines-podman $it/engines-podman.bats@@^podman (run -d, exec|stop:|restart, update|pause / unpause|pod and)"
		"engines-containerd $it/engines-containerd.bats@@^ctr (run -d, task exec|task kill|run --memory-limit)"
		"engines-cri $it/engines-cri.bats@@^(host-network pod|ContainerStats|RemovePodSandbox)"
		"engines-docker $it/engines-docker.bats@@^docker (run -d, exec|stop:|update)"
	)
	for d in "${defaults[@]}"; do
		[[ -z ${SUITES:-} || " $SUITES " == *" ${d%% *} "* ]] || continue
		f=${d#* }
		[[ -n ${SD_VM_FULL:-} ]] && f=${f%%@@*}
		files+=("$f")
	done
	if ((${#files[@]} == 0)); then
		echo "systemd tier not selected (SUITES=$SUITES)"
		report 0 0 0
		exit 0
	fi
fi

[[ $(id -u) == 0 ]] || skip_tier "needs root (debootstrap, the image's root-owned files)"
for tool in qemu-system-x86_64:qemu-system-x86 debootstrap:debootstrap \
	mkfs.ext4:e2fsprogs unshare:util-linux; do
	command -v "${tool%%:*}" >/dev/null ||
		skip_tier "${tool%%:*} not found (apt-get install ${tool#*:})"
done
command -v "$CALYX" >/dev/null || fail_tier "runtime not found: $CALYX"
[[ -x $PROBE ]] || fail_tier "probe not built: $PROBE"
CALYX=$(command -v "$CALYX")
[[ $CALYX == /* ]] || CALYX=$PWD/$CALYX
mkdir -p "$cache" || fail_tier "cannot create $cache"

# --- the guest image (cached) ----------------------------------------------
# 1. base: debootstrap + Debian's kernel and initramfs (its initramfs knows
#    virtio disks and ext4; vmlinuz and initrd.img are booted from here)
make_base()
{
	local base=$cache/base mirror want
	# the package lists name the base: another list makes a new one
	want=$(echo "$guest_packages" $guest_apt_packages)
	[[ -e $base/.complete && $(cat "$base/.complete") == "$want" ]] && return 0
	mirror=$(awk '/^URIs:/ { print $2; exit } /^deb / { print $2; exit }' \
		/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null)
	mirror=${mirror:-http://deb.debian.org/debian}
	rm -rf "$base.tmp"
	echo "# debootstrap bookworm ($guest_packages) from $mirror" >&2
	debootstrap --variant=minbase --include="$guest_packages" bookworm \
		"$base.tmp" "$mirror" > "$cache/debootstrap.log" 2>&1 || {
		tail -5 "$cache/debootstrap.log" >&2
		return 1
	}
	cp /etc/resolv.conf "$base.tmp/etc/" 2>/dev/null
	echo "do_symlinks = no" > "$base.tmp/etc/kernel-img.conf"
	unshare -m --propagation private bash -c '
		root=$1
		mount -t proc proc "$root/proc" && mount -t tmpfs tmpfs "$root/tmp" &&
			mount --rbind /dev "$root/dev" || exit 1
		chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive bash -c \
			"apt-get install -y -q --no-install-recommends $2 && apt-get clean"
	' _ "$base.tmp" "$(echo $guest_apt_packages)" > "$cache/apt-install.log" 2>&1 || {
		tail -5 "$cache/apt-install.log" >&2
		return 1
	}
	rm -rf "$base"
	echo "$want" > "$base.tmp/.complete" && mv "$base.tmp" "$base"
}

# 2. root.img: the base plus this tier's configuration (tests/vm/systemd/
#    setup-image.sh), an ext4 image booted with snapshot=on: nothing the
#    guest writes survives it
make_image()
{
	local key size
	key=$(cat "$here/systemd/setup-image.sh" "$cache/base/.complete" | sha256sum)
	[[ -f $cache/root.img && $(cat "$cache/root.key" 2>/dev/null) == "$key" ]] && return 0
	bash "$here/systemd/setup-image.sh" "$cache/base" >&2 || return 1
	rm -f "$cache/root.img.tmp"
	# the base plus room for the engines' images and containers (sparse)
	size=$(($(du -sm "$cache/base" | cut -f1) + 2048))M
	mkfs.ext4 -q -F -L calyxroot -d "$cache/base" "$cache/root.img.tmp" "$size" >&2 ||
		return 1
	mv "$cache/root.img.tmp" "$cache/root.img" && echo "$key" > "$cache/root.key"
}

prepare_start=$EPOCHREALTIME
exec 8> "$cache/.lock"
flock 8
make_base || { exec 8>&-; skip_tier "could not make the guest's Debian (see $cache/*.log)"; }
make_image || { exec 8>&-; skip_tier "could not make the guest image"; }
vmlinuz=$(ls "$cache"/base/boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
initrd=$(ls "$cache"/base/boot/initrd.img-* 2>/dev/null | sort -V | tail -1)
[[ -n $vmlinuz && -n $initrd ]] || { exec 8>&-; skip_tier "no kernel in the guest image"; }
# the busybox bundle rootfs, made on the host (~50x faster than in TCG)
rootfs=$cache/rootfs
if [[ ! -e $rootfs/.complete ]]; then
	rm -rf "$rootfs"
	"$top/examples/hello/make-bundle.sh" "$rootfs" >&2 ||
		{ exec 8>&-; fail_tier "could not make the bundle rootfs in $rootfs"; }
fi
exec 8>&-

# --- boot ------------------------------------------------------------------
vm_new_job
CALYX_VM_TOP=$top
CALYX_VM_BATS_FILES=("${files[@]}")
CALYX_VM_TEST_TIMEOUT=${CALYX_VM_TEST_TIMEOUT:-180}
CALYX_VM_CMD=${CALYX_VM_CMD:-}
CALYX_VM_ROOTFS=$rootfs
# what guest.sh reads from the job dir
write_env()
{
	declare -p CALYX PROBE CALYX_TEST_RUN CALYX_VM_TOP CALYX_VM_BATS_FILES \
		CALYX_VM_TEST_TIMEOUT CALYX_VM_CMD CALYX_VM_ROOTFS > "$job/env"
}
write_env

shown=()
for f in "${files[@]}"; do
	[[ $f == *@@* ]] && f="${f%%@@*} (part)"
	shown+=("${f#"$top/"}")
done
echo "# guest $(basename "$vmlinuz"), prepared in $(since "$prepare_start")s;" \
	"running: ${CALYX_VM_CMD:-${shown[*]}}"
boot()
{
	vm_run "$vm_timeout" -m 1536 -kernel "$vmlinuz" -initrd "$initrd" \
		-append "root=/dev/vda rw console=ttyS0 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 panic=-1 quiet systemd.show_status=false calyx_guest=/host$here/systemd/guest.sh" \
		-drive "file=$cache/root.img,format=raw,if=virtio,snapshot=on"
}
boot
# a guest that fell into emergency mode (setup-image.sh powers it off with
# this line) gets one more boot: a boot-time race is not the tests' result
if [[ ! -s $job/booted ]] && grep -aq 'calyx-vm: emergency mode' "$job/console.log"; then
	echo "# $(grep -a -m1 -o 'calyx-vm: emergency mode.*' "$job/console.log"); booting again"
	grep -a -m3 -E '9pnet|mount|Failed' "$job/console.log" | sed 's/^/#   /'
	vm_cleanup
	vm_new_job
	write_env
	boot
fi
vm_require_boot "reach the test service" "$vm_timeout"
echo "# VM: test service started after $(cat "$job/booted")s of guest uptime," \
	"whole run ${elapsed}s (qemu exit $qemu_rc)"

# --- results ---------------------------------------------------------------
vm_results "unit, failed unit, cgroup, mount or state dir" "$vm_timeout"
