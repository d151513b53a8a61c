#!/bin/bash
# Sourced by tests/run and examples/hello/run.sh: installs what building and
# testing calyx needs on Debian 12, and does nothing (no apt at all) when
# everything is already there.

# "command-or-file:package" pairs; a package is installed when its probe is
# missing. Paths are checked with -e, bare names with `command -v`.
CALYX_DEPS=(
	gcc:gcc
	cc:build-essential
	meson:meson
	ninja:ninja-build
	pkg-config:pkg-config
	git:git
	/usr/include/seccomp.h:libseccomp-dev
	/usr/include/sys/capability.h:libcap-dev
	/usr/include/yajl/yajl_parse.h:libyajl-dev
	/usr/include/libmnl/libmnl.h:libmnl-dev
	/usr/lib/x86_64-linux-gnu/libc.a:libc6-dev
	/bin/busybox:busybox-static
	bats:bats
	runc:runc
	jq:jq
	newuidmap:uidmap
	/usr/bin/time:time
	ip:iproute2
	unshare:util-linux
	python3:python3
	/usr/lib/python3/dist-packages/jsonschema:python3-jsonschema
	# engines-*.bats: real engines driving calyx
	podman:podman
	conmon:conmon
	/usr/lib/podman/netavark:netavark
	containerd:containerd
	dockerd:docker.io
	script:bsdutils
	# tests/fuzz/fuzz.sh: libFuzzer targets with ASan+UBSan (replay.sh needs only gcc)
	clang:clang
	/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev
	# tests/vm: the pure cgroup v2 tier (a qemu VM)
	qemu-system-x86_64:qemu-system-x86
	/usr/sbin/depmod:kmod
	cpio:cpio
)

calyx_missing_packages()
{
	local dep probe pkg
	for dep in "${CALYX_DEPS[@]}"; do
		probe=${dep%%:*}
		pkg=${dep#*:}
		if [[ $probe == /* ]]; then
			[[ -e $probe ]] && continue
		else
			command -v "$probe" >/dev/null 2>&1 && continue
		fi
		# python3-jsonschema is optional if pip already provides it
		if [[ $pkg == python3-jsonschema ]] &&
		   python3 -c 'import jsonschema' 2>/dev/null; then
			continue
		fi
		echo "$pkg"
	done
}

calyx_install_deps()
{
	local missing
	missing=$(calyx_missing_packages | sort -u | tr '\n' ' ')
	[[ -z ${missing// } ]] && return 0
	if [[ $(id -u) != 0 ]]; then
		echo "missing packages: $missing (run as root to install)" >&2
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
