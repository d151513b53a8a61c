#!/bin/bash
# The pure cgroup v2 test tier: boots a small qemu VM (Debian's generic
# kernel, a busybox initramfs, the host's root shared over 9p, cgroup v1
# disabled) and runs bats files there against the calyx built on the host.
#
#   tests/vm/run-cgroup-v2.sh [BATS_FILE...]
#
# Default files: tests/integration/cgroups.bats and checkpoint.bats (when
# they exist; as SUITES selects) and tests/vm/smoke.bats. Prints bats' TAP output as it comes, then one line
#
#   cgroup v2 VM: N passed, N failed, N skipped
#
# Exit status: 0 all passed, 1 something failed, 77 the tier was skipped
# (no kernel, qemu or boot: the reason is printed after "SKIP:").
#
# Environment:
#   CALYX, PROBE        runtime and probe (default: $BUILD's, BUILD=build)
#   CALYX_VM_COUNTS     file to write "PASSED FAILED SKIPPED" to (tests/run)
#   CALYX_VM_CACHE      kernel/initramfs cache (default tests/.work/vm)
#   CALYX_VM_TIMEOUT    seconds the VM may run (default 540, 1620 with
#                       checkpoint.bats)
#   CALYX_VM_TEST_TIMEOUT  seconds per bats test inside the VM (default 180)
#   CALYX_VM_CMD        a bash command to run in the VM instead of bats (for
#                       a look around: its output is shown, its status kept)
#   CALYX_VM_MOVE_ROOT=1  the host root is moved onto the guest's / rather
#                       than chrooted into (what CRIU needs; automatic with
#                       checkpoint.bats)
#   SUITES              as in tests/run: when set without "cgroups" or
#                       "checkpoint" and no files are given, the tier is not
#                       selected; with one of them, only that file runs
#   NO_VM=1             the tier is not selected (when no files are given)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${CALYX_VM_CACHE:-$top/tests/.work/vm}
builddir=${BUILD:-$top/build}
CALYX=${CALYX:-$builddir/src/cli/calyx}
PROBE=${PROBE:-$builddir/tests/probe/probe}
CALYX_TEST_RUN=${CALYX_TEST_RUN:-calyx-vm-$$}
vm_timeout=${CALYX_VM_TIMEOUT:-540}
# modules the guest needs for the 9p root; their dependencies are resolved
# from the kernel package's modules.dep
vm_modules=(virtio_pci 9pnet_virtio 9p)
# ... and what CRIU (checkpoint.bats) needs: socket diag for dumping sockets,
# nf_tables for its kerndat probe and its network lock, conntrack over
# netlink for dumping a network namespace, veth for the tests; overlay for
# podman's storage (its checkpoint tests)
vm_modules+=(unix_diag inet_diag tcp_diag udp_diag netlink_diag af_packet_diag nf_tables nf_conntrack_netlink veth overlay)

vm_tier="cgroup v2 tier" vm_label="cgroup v2 VM"
# shellcheck source=lib.sh
. "$here/lib.sh"

# --- what to run -----------------------------------------------------------
files=()
if (($# > 0)); then
	for f in "$@"; do
		[[ -f $f ]] || fail_tier "no such bats file: $f"
		files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
	done
else
	if [[ -n ${NO_VM:-} ]]; then
		echo "cgroup v2 tier not selected (NO_VM=$NO_VM)"
		report 0 0 0
		exit 0
	fi
	if [[ -n ${SUITES:-} && " $SUITES " != *" cgroups "* &&
		" $SUITES " != *" checkpoint "* ]]; then
		echo "cgroup v2 tier not selected (SUITES=$SUITES)"
		report 0 0 0
		exit 0
	fi
	[[ -f $top/tests/integration/cgroups.bats &&
		( -z ${SUITES:-} || " $SUITES " == *" cgroups "* ) ]] &&
		files+=("$top/tests/integration/cgroups.bats")
	# CRIU runs on the guest's kernel where the host's may be too new for it
	[[ -f $top/tests/integration/checkpoint.bats &&
		( -z ${SUITES:-} || " $SUITES " == *" checkpoint "* ) ]] &&
		files+=("$top/tests/integration/checkpoint.bats")
	files+=("$here/smoke.bats")
fi

# prints what of "command:package" $@ is missing
missing_tools()
{
	local tool
	for tool; do
		command -v "${tool%%:*}" >/dev/null ||
			echo "${tool%%:*} not found (apt-get install ${tool#*:})"
	done
}

why=$(missing_tools qemu-system-x86_64:qemu-system-x86 cpio:cpio bats:bats)
[[ -z $why ]] || skip_tier "${why//$'\n'/; }"
if [[ ! -x /bin/busybox ]] || ldd /bin/busybox >/dev/null 2>&1; then
	skip_tier "/bin/busybox is not the static one (apt-get install busybox-static)"
fi
command -v "$CALYX" >/dev/null || fail_tier "runtime not found: $CALYX"
[[ -x $PROBE ]] || fail_tier "probe not built: $PROBE"
CALYX=$(command -v "$CALYX")
[[ $CALYX == /* ]] || CALYX=$PWD/$CALYX

mkdir -p "$cache" || fail_tier "cannot create $cache"

# --- kernel (cached) -------------------------------------------------------
# The generic Debian kernel (not -cloud-, which lacks 9p): the one
# linux-image-amd64 depends on, else the newest generic one apt knows.
kernel_package()
{
	local pkg
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }')
	if [[ -z $pkg ]]; then
		pkg=$(apt-cache search --names-only '^linux-image-[0-9][0-9.]*-[0-9]+-amd64$' 2>/dev/null |
			awk '{ print $1 }' | sort -V | tail -1)
	fi
	[[ -n $pkg ]] && echo "$pkg"
}

# Unpacks the kernel .deb in $1 and keeps vmlinuz plus the modules the
# guest loads (in load order) in $cache/<version>. Prints the version.
unpack_kernel()
{
	local dl=$1 x=$1/x kver mods mod out
	dpkg-deb -x "$dl"/*.deb "$x" || return 1
	kver=$(find "$x/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | head -1)
	[[ -n $kver && -f $x/boot/vmlinuz-$kver ]] || {
		echo "no kernel or modules in $(ls "$dl"/*.deb)" >&2
		return 1
	}
	depmod -b "$x" "$kver" || return 1
	mods=$(for mod in "${vm_modules[@]}"; do
			modprobe -d "$x" -S "$kver" --show-depends "$mod" || exit 1
		done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }') || return 1
	out=$cache/$kver.tmp
	rm -rf "$out"
	mkdir -p "$out/modules"
	cp "$x/boot/vmlinuz-$kver" "$out/vmlinuz"
	: > "$out/modules.list"
	for mod in $mods; do
		case $mod in
		*.ko) cp "$mod" "$out/modules/" ;;
		*.ko.xz) xz -dc "$mod" > "$out/modules/$(basename "$mod" .xz)" ;;
		*.ko.zst) zstd -qdc "$mod" > "$out/modules/$(basename "$mod" .zst)" ;;
		*) echo "unknown module format: $mod" >&2; return 1 ;;
		esac || return 1
		basename "${mod%.ko*}.ko" >> "$out/modules.list"
	done
	echo "${vm_modules[*]}" > "$out/modules.wanted"
	rm -rf "${cache:?}/$kver"
	mv "$out" "$cache/$kver" && ln -sfn "$kver" "$cache/kernel" &&
		echo "$kver"
}

fetch_kernel()
{
	local pkg dl kver missing
	missing=$(missing_tools apt-get:apt dpkg-deb:dpkg depmod:kmod modprobe:kmod)
	[[ -z $missing ]] || { echo "${missing//$'\n'/; }"; return 1; }
	pkg=$(kernel_package)
	if [[ -z $pkg ]]; then
		apt-get update -qq >/dev/null 2>&1
		pkg=$(kernel_package)
	fi
	[[ -n $pkg ]] || { echo "apt knows no linux-image-*-amd64 package"; return 1; }
	echo "fetching kernel package $pkg" >&2
	dl=$(mktemp -d "$cache/dl.XXXXXX") || return 1
	chmod 755 "$dl"	# apt-get download writes as _apt where it can
	if ! (cd "$dl" && apt-get download -q "$pkg" >/dev/null 2>&1); then
		apt-get update -qq >/dev/null 2>&1
		if ! (cd "$dl" && apt-get download -q "$pkg" 2>&1 | tail -3 >&2); then
			rm -rf "$dl"
			echo "apt-get download $pkg failed"
			return 1
		fi
	fi
	kver=$(unpack_kernel "$dl" 2>&1 >/dev/null)
	local rc=$?
	[[ $rc -eq 0 ]] || echo "unpacking $pkg failed: $kver"
	rm -rf "$dl"
	return $rc
}

# (Re)builds the initramfs when init.sh, busybox or the module list changed.
build_initrd()
{
	local k=$1 key stage
	key=$(cat "$here/init.sh" /bin/busybox "$k/modules.list" | sha256sum)
	[[ -f $k/initrd.img && $(cat "$k/initrd.key" 2>/dev/null) == "$key" ]] &&
		return 0
	stage=$(mktemp -d "$cache/initrd.XXXXXX") || return 1
	(
		set -e
		cd "$stage"
		mkdir -p bin dev proc sys mnt modules
		cp /bin/busybox bin/busybox
		cp "$here/init.sh" init
		chmod 755 init
		cp "$k/modules/"* modules/
		cp "$k/modules.list" modules.list
		# the kernel opens /dev/console for init before anything mounts
		mknod dev/console c 5 1
		find . -mindepth 1 | cpio -o -H newc --quiet | gzip -1 > "$k/initrd.img.tmp"
	)
	local rc=$?
	rm -rf "$stage"
	((rc == 0)) || return 1
	mv "$k/initrd.img.tmp" "$k/initrd.img" && echo "$key" > "$k/initrd.key"
}

prepare_start=$EPOCHREALTIME
exec 8> "$cache/.lock"
flock 8
# a cache made for another vm_modules (modules.wanted) lacks some: fetch again
cache_has_modules()
{
	[[ $(cat "$cache/kernel/modules.wanted" 2>/dev/null) == "${vm_modules[*]}" ]]
}
if [[ ! -f $cache/kernel/vmlinuz || ! -f $cache/kernel/modules.list ]] ||
	! cache_has_modules; then
	why=$(fetch_kernel) || { exec 8>&-; skip_tier "no kernel: $why"; }
fi
build_initrd "$cache/kernel" || { exec 8>&-; skip_tier "building the initramfs failed"; }
kdir=$(cd "$cache/kernel" && pwd -P)

# The busybox bundle rootfs the integration helpers copy per test, made
# here since making it in the VM takes ~50x longer. It is not the shared
# tests/.work/rootfs: host suites of other builds put their probe there at
# any time (flock over 9p does not lock against the host). Nor does it get
# a probe: runs with other builds may share this cache. The guest copies it
# to its tmpfs, where the helpers add $PROBE.
rootfs=$cache/rootfs
if [[ ! -e $rootfs/.complete ]]; then
	rm -rf "$rootfs"
	"$top/examples/hello/make-bundle.sh" "$rootfs" >&2 ||
		fail_tier "could not make the bundle rootfs in $rootfs"
fi
exec 8>&-

# --- boot ------------------------------------------------------------------
vm_new_job
CALYX_VM_TOP=$top
CALYX_VM_BATS_FILES=("${files[@]}")
CALYX_VM_TEST_TIMEOUT=${CALYX_VM_TEST_TIMEOUT:-180}
CALYX_VM_CMD=${CALYX_VM_CMD:-}
CALYX_VM_ROOTFS=$rootfs
declare -p CALYX PROBE CALYX_TEST_RUN CALYX_VM_TOP CALYX_VM_BATS_FILES \
	CALYX_VM_TEST_TIMEOUT CALYX_VM_CMD CALYX_VM_ROOTFS > "$job/env"
printf 'exec /bin/bash %q %q\n' "$here/guest.sh" "$job" > "$job/guest"

# The host root moved onto the guest's / instead of chrooted into (init.sh):
# CRIU needs it; CALYX_VM_MOVE_ROOT=1 asks for it with CALYX_VM_CMD too.
move_root=${CALYX_VM_MOVE_ROOT:-0}
if [[ " ${files[*]} " == *"/checkpoint.bats "* ]]; then
	move_root=1
	# its 25 tests (podman's among them) take ~14 minutes on a host busy
	# with other sessions (the whole default tier took 1318 s at load 6)
	[[ -n ${CALYX_VM_TIMEOUT:-} ]] || vm_timeout=$((vm_timeout + 1080))
fi

echo "kernel $(basename "$kdir") (cache $cache), prepared in" \
	"$(since "$prepare_start")s;" \
	"running: ${CALYX_VM_CMD:-${files[*]#"$top/"}}"
vm_run "$vm_timeout" -m 1024 -kernel "$kdir/vmlinuz" -initrd "$kdir/initrd.img" \
	-append "console=ttyS0 cgroup_no_v1=all panic=-1 quiet calyx_job=$job calyx_move_root=$move_root"
vm_require_boot boot "$vm_timeout"
echo "# VM: user space after $(cat "$job/booted")s of guest uptime," \
	"whole run ${elapsed}s (qemu exit $qemu_rc)"

# --- results ---------------------------------------------------------------
vm_results "cgroups, mounts or state dirs" "$vm_timeout"
