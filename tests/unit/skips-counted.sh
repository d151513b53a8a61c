#!/bin/bash
# The harness counts a test that cannot run here as skipped, never as
# passed: run two unit suites as an unprivileged user and check that their
# root-only tests are reported as skipped, with a reason, and that the suite
# still succeeds.  Needs root (to become someone else): else exit 77.
set -u
[[ $(id -u) == 0 ]] || { echo "unit/skips-counted: 0 passed, 0 failed, 2 skipped (needs root to become nobody)"; exit 77; }
command -v setpriv >/dev/null || { echo "no setpriv"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
status=0 ok=0 bad=0
# suite binary, and the number of its tests that need root
while read -r bin want; do
	cp "$bin" "$tmp/" || exit 1
	name=$(basename "$bin")
	out=$(cd "$tmp" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"./$name" 2>&1)
	rc=$?
	line=$(grep -E '^unit/[a-z]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' <<< "$out")
	skips=$(grep -c ' # SKIP .' <<< "$out")
	if [[ $rc != 0 || $line != *", 0 failed, $want skipped" || $skips != "$want" ]]; then
		echo "not ok - $name as nobody: rc $rc, want $want skipped with reasons:"
		echo "$out"
		status=1 bad=$((bad + 1))
	else
		echo "ok - $name as nobody: $line"
		ok=$((ok + 1))
	fi
done <<EOT
$1/test_security 3
$1/test_rootfs 11
EOT
echo "unit/skips-counted: $ok passed, $bad failed, 0 skipped"
exit $status
