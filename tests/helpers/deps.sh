#!/bin/bash
# Sourced by examples/hello/run.sh, tests/run and tests/bench/run.sh: the
# project's one install list for Debian 12, in three sets, each installed
# only as far as something is missing (no apt at all when all is there):
#
#   build   what building calyx and running the example bundle needs
#   test    what tests/run adds: bats, the reference runtime, the engines
#           (podman, containerd, Docker), the qemu VM tier, the fuzz replay
#   bench   what tests/bench/run.sh adds: the runtimes it compares against
#   fuzz    what tests/fuzz/fuzz.sh adds: clang's libFuzzer
#   fresh   what tests/fresh/run.sh needs to make a fresh Debian to try the
#           example in
#
# Each entry is "probe:package"; the package is installed when the probe is
# missing.  A probe that starts with / is a path (checked with -e), else a
# command name (checked with `command -v`).  Every command or file that the
# example, a test or the benchmark uses and a fresh machine may lack is
# listed here, so the next machine passes too.

CALYX_DEPS_BUILD=(
	gcc:gcc
	/usr/lib/x86_64-linux-gnu/libc.a:libc6-dev
	meson:meson
	ninja:ninja-build
	pkg-config:pkg-config
	# ld -r/objcopy make the installed libcalyx.a (src/localize_archive.sh)
	objcopy:binutils
	/usr/include/seccomp.h:libseccomp-dev
	/usr/include/sys/capability.h:libcap-dev
	/usr/include/yajl/yajl_parse.h:libyajl-dev
	# the example bundle's rootfs (and every test container's)
	/bin/busybox:busybox-static
)

CALYX_DEPS_TEST=(
	git:git
	bats:bats
	jq:jq
	/usr/bin/time:time
	ip:iproute2
	unshare:util-linux
	script:bsdutils
	python3:python3
	# library.bats: the public headers compiled as C++
	g++:g++
	/usr/lib/python3/dist-packages/jsonschema:python3-jsonschema
	# completions/: the zsh and fish files are checked by those shells
	zsh:zsh
	fish:fish
	man:man-db
	# the reference runtime the tests are validated against (CALYX=runc)
	runc:runc
	# rootless tests: subordinate id ranges
	newuidmap:uidmap
	# engines-*.bats: real engines driving calyx; catatonit is podman's
	# pause binary for pods (podman only recommends it)
	podman:podman
	conmon:conmon
	catatonit:catatonit
	/usr/lib/podman/netavark:netavark
	containerd:containerd
	dockerd:docker.io
	iptables:iptables
	# engines-cri.bats: its CRI client's gRPC stubs (made at test time,
	# for Debian's /usr/bin/python3) and the pods' CNI network
	/usr/lib/python3/dist-packages/grpc:python3-grpcio
	/usr/lib/python3/dist-packages/grpc_tools:python3-grpc-tools
	# ... whose protoc imports pkg_resources without depending on it
	/usr/lib/python3/dist-packages/pkg_resources:python3-pkg-resources
	/usr/lib/cni/bridge:containernetworking-plugins
	# checkpoint.bats: CRIU (driven over its RPC; runs in the VM tier where
	# the host kernel is too new for it)
	criu:criu
	# tests/vm: the pure cgroup v2 tier (a qemu VM)
	qemu-system-x86_64:qemu-system-x86
	/usr/sbin/depmod:kmod
	cpio:cpio
	# tests/vm/run-systemd.sh: the systemd tier's Debian guest and its image
	/usr/sbin/debootstrap:debootstrap
	/usr/sbin/mkfs.ext4:e2fsprogs
)

CALYX_DEPS_BENCH=(
	crun:crun
	bwrap:bubblewrap
	hyperfine:hyperfine
	# the breakdown section's syscall profile
	strace:strace
)

# tests/fuzz/fuzz.sh: libFuzzer targets with ASan+UBSan (replay.sh, which
# tests/run calls, needs only gcc)
CALYX_DEPS_FUZZ=(
	clang:clang
	/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev
)

CALYX_DEPS_FRESH=(
	/usr/sbin/debootstrap:debootstrap
)

# Prints the packages of the named sets (build, test, bench, fuzz, fresh) whose probe is
# missing.
calyx_missing_packages()
{
	local set list dep probe pkg
	for set in "$@"; do
		case $set in
		build|test|bench|fuzz|fresh) list="CALYX_DEPS_${set^^}[@]" ;;
		*) echo "calyx_missing_packages: unknown set $set" >&2; return 2 ;;
		esac
		for dep in "${!list}"; do
			probe=${dep%%:*}
			pkg=${dep#*:}
			if [[ $probe == /* ]]; then
				[[ -e $probe ]] && continue
			else
				command -v "$probe" >/dev/null 2>&1 && continue
			fi
			# python3-jsonschema is optional if the python3 on PATH
			# already has the module
			if [[ $pkg == python3-jsonschema ]] &&
			   python3 -c 'import jsonschema' 2>/dev/null; then
				continue
			fi
			echo "$pkg"
		done
	done
}

# Installs the missing packages of the named sets (default: build).
calyx_install_deps()
{
	local missing
	missing=$(calyx_missing_packages "${@:-build}") || return 1
	missing=$(sort -u <<< "$missing" | tr '\n' ' ')
	[[ -z ${missing// } ]] && return 0
	if [[ $(id -u) != 0 ]]; then
		echo "missing packages: $missing(run as root to install)" >&2
		return 1
	fi
	echo "installing: $missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Configures (once) and builds calyx in $1 (default: build).
calyx_build()
{
	local top builddir
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	builddir=${1:-$top/build}
	if [[ ! -f $builddir/build.ninja ]]; then
		meson setup "$builddir" "$top" >/dev/null || return 1
	fi
	ninja -C "$builddir" >/dev/null || ninja -C "$builddir"
}
