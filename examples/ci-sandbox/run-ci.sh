#!/bin/sh
# Runs examples/ci-sandbox/project's build and test in a calyx sandbox:
#  - the host's own tree as the root (--rootfs /), so the host's gcc is used,
#    with a throw-away overlay on top: the job may write anywhere, nothing
#    reaches the host;
#  - the project bound read-only at /src; a fresh /tmp;
#  - no network but lo, 512 MiB of memory, 128 processes, 2 minutes.
# Exit status: the job's (124 if it ran out of time).  Needs root.
#
#   CALYX=/path/to/calyx examples/ci-sandbox/run-ci.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
calyx=${CALYX:-calyx}
# shellcheck disable=SC2086 # CALYX may carry global flags

exec $calyx run --rootfs / --overlay \
	--bind "$here/project:/src:ro" \
	--tmpfs /tmp:256m \
	--workdir /src \
	--net none \
	--memory 512m --pids 128 --timeout 120 \
	-e PATH=/usr/local/bin:/usr/bin:/bin \
	-- /src/build-and-test.sh
