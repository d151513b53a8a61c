#!/bin/bash
# One command from a fresh Debian 12 (as root) to a running container:
# installs the build dependencies, builds calyx, builds this example's
# rootfs and runs the container, which prints its greeting.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../../tests/helpers/deps.sh
. "$top/tests/helpers/deps.sh"

calyx_install_deps build
calyx_build "$top/build"
"$here/make-bundle.sh"

calyx=${CALYX:-$top/build/src/cli/calyx}
root=$(mktemp -d /tmp/calyx-hello-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
"$calyx" --root "$root" run --bundle "$here" "hello-$$"
