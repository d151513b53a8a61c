#!/bin/bash
# The README's first command on a fresh machine: a minimal Debian 12 made
# with debootstrap (from this machine's own apt mirror), with nothing in it
# but what debootstrap's minbase variant and git bring; the project is
# cloned into it and examples/hello/run.sh must install what it needs, build
# calyx and print the greeting.  Not part of tests/run (it downloads a few
# hundred MB and takes minutes); run it before changing the install list.
#
#   tests/fresh/run.sh [--keep]      (root; the chroot is cached in
#                                     tests/.work/fresh unless it is broken)
#
# The chroot sees the host's kernel, /proc, /sys (cgroups included) and
# /dev, all mounted in a private mount namespace of this script's, so
# nothing is left mounted when it ends.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/helpers/deps.sh"
[[ $(id -u) == 0 ]] || { echo "needs root" >&2; exit 1; }
calyx_install_deps fresh

work=$top/tests/.work/fresh
base=$work/base
mirror=$(awk '/^URIs:/ { print $2; exit } /^deb / { print $2; exit }' \
	/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}

if [[ ! -e $base/.complete ]]; then
	rm -rf "$base"
	mkdir -p "$work"
	echo "debootstrap bookworm (minbase + git) from $mirror"
	debootstrap --variant=minbase --include=git,ca-certificates bookworm \
		"$base" "$mirror" > "$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log"; exit 1; }
	touch "$base/.complete"
fi

# a throw-away copy of the base for each run: what the example installs
# must come from the example itself
root=$(mktemp -d "$work/run.XXXXXX")
trap 'rm -rf "$root"' EXIT
cp -a "$base/." "$root/"
cp /etc/resolv.conf "$root/etc/" 2>/dev/null || true
git clone -q "$top" "$root/calyx"

unshare -m --propagation private bash -euo pipefail -c '
	root=$1
	# a real machine'"'"'s / is a mount point (calyx makes it rslave)
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs tmpfs "$root/run"
	mount -t tmpfs tmpfs "$root/tmp"
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root bash -c "cd /calyx && examples/hello/run.sh"
' _ "$root" | tee "$work/hello.out"
grep -q '^Hello from calyx-hello' "$work/hello.out" ||
	{ echo "fresh machine: no greeting" >&2; exit 1; }
echo "fresh machine: examples/hello/run.sh printed the greeting"
