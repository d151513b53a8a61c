#!/bin/bash
# Builds a minimal busybox rootfs for an OCI bundle.
#
#   make-bundle.sh [ROOTFS_DIR]     (default: rootfs/ beside this script)
#
# Uses Debian's busybox-static (/bin/busybox): one static binary plus a
# symlink per applet, so the rootfs needs no shared libraries. Re-running is
# cheap and safe: an existing complete rootfs is left as it is.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rootfs=${1:-$here/rootfs}
busybox=${BUSYBOX:-/bin/busybox}

if [[ ! -x $busybox ]]; then
	echo "make-bundle.sh: $busybox not found (apt-get install busybox-static)" >&2
	exit 1
fi
if [[ -e $rootfs/.complete ]]; then
	exit 0
fi

mkdir -p "$rootfs"
cd "$rootfs"
mkdir -p bin sbin usr/bin usr/sbin etc tmp proc sys dev root home var/tmp
chmod 1777 tmp var/tmp
chmod 0700 root
cp "$busybox" bin/busybox
chmod 0755 bin/busybox

# `busybox --list-full` prints each applet with its usual directory, e.g.
# "usr/bin/env"; link every applet to /bin/busybox there.
while read -r applet; do
	[[ $applet == bin/busybox || $applet == linuxrc ]] && continue
	[[ -e $applet || -L $applet ]] && continue
	ln -s /bin/busybox "$applet"
done < <("$busybox" --list-full)

cat > etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > etc/group <<'GROUP'
root:x:0:
daemon:x:1:
tty:x:5:
nogroup:x:65534:
GROUP
echo "hello" > etc/hostname
touch .complete
