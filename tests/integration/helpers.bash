# shellcheck shell=bash
# Shared by every tests/integration/*.bats file.
#
# The runtime under test is $CALYX (default: the built calyx); the tests are
# written against runc's CLI contract so `CALYX=runc bats tests/integration`
# validates the tests themselves. Each test file gets its own state root and
# each test its own bundle (a copy of the cached busybox rootfs + probe).

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CALYX=${CALYX:-$TOP/build/src/cli/calyx}
PROBE=${PROBE:-$TOP/build/tests/probe/probe}
WORK=${CALYX_TEST_WORK:-$TOP/tests/.work}
# A token put in every test container's environment so tests/run can find
# leftover processes of this run (and only this run) in /proc/*/environ.
CALYX_TEST_RUN=${CALYX_TEST_RUN:-calyx-test-$$}
FILE_BASE=$(basename "$BATS_TEST_FILENAME" .bats)

runtime_name()
{
	basename "${CALYX%% *}"
}

# Skips tests that check calyx's own wording (not part of runc's contract).
calyx_only()
{
	case "$(runtime_name)" in
	calyx*) ;;
	*) skip "checks calyx-specific output (runtime is $(runtime_name))" ;;
	esac
}

# Skips a check where runc (the reference the tests are validated with)
# deviates from the spec; the reason names the deviation.
runc_deviates()
{
	[[ $(runtime_name) != runc ]] || skip "runc deviates: $*"
}

# The runtime with this file's private state root; with
# CALYX_TEST_CGROUP_DRIVER=systemd (the systemd VM tier) every call uses
# the systemd cgroup driver, so the same files test either driver.
calyx()
{
	local driver=()
	[[ ${CALYX_TEST_CGROUP_DRIVER:-} != systemd ]] || driver=(--systemd-cgroup)
	pin_cgroup_path "$@"
	"$CALYX" --root "$STATE_ROOT" "${driver[@]}" "$@"
}

# Under the systemd driver: the units of container $1 (its default scope)
# that systemd still lists, failed ones included; empty otherwise.
systemd_units_of()
{
	[[ ${CALYX_TEST_CGROUP_DRIVER:-} == systemd ]] || return 0
	systemctl list-units --all --plain --no-legend "calyx-$1.scope" 2>/dev/null
}

# runc and crun put a container without linux.cgroupsPath below the
# caller's own cgroup, which here is the session's (memory:/process_api/...)
# and must not be touched. For them, `create` and `run` get an absolute
# cgroupsPath of /ID unless the test chose one. calyx's default is absolute.
pin_cgroup_path()
{
	local sub=${1:-} bundle=. id=${!#} cfgfile cur
	case "$(runtime_name)" in
	calyx*) return 0 ;;
	esac
	[[ $sub == create || $sub == run ]] || return 0
	shift
	while (($#)); do
		case $1 in
		-b|--bundle) bundle=$2; shift ;;
		--bundle=*) bundle=${1#--bundle=} ;;
		esac
		shift
	done
	cfgfile=$bundle/config.json
	[[ -f $cfgfile ]] || return 0
	cur=$(jq -r '.linux.cgroupsPath // empty' "$cfgfile" 2>/dev/null) || return 0
	if [[ -z $cur || -e $bundle/.cgroups-path-auto ]]; then
		jq --arg p "/$id" '.linux.cgroupsPath = $p' "$cfgfile" > "$cfgfile.tmp" &&
			mv "$cfgfile.tmp" "$cfgfile"
		touch "$bundle/.cgroups-path-auto"
	fi
}

# Builds the busybox rootfs once per work dir and refreshes the probe in it.
ensure_rootfs()
{
	mkdir -p "$WORK"
	(
		flock 9
		# rebuilt when the builder or busybox changes
		local key
		key=$(cat "$TOP/examples/hello/make-bundle.sh" /bin/busybox |
			sha256sum | cut -c1-16)
		if [[ ! -e $WORK/rootfs/.complete ||
		      $(cat "$WORK/rootfs.key" 2>/dev/null) != "$key" ]]; then
			rm -rf "$WORK/rootfs.tmp"
			"$TOP/examples/hello/make-bundle.sh" "$WORK/rootfs.tmp" >&2
			rm -rf "$WORK/rootfs"
			mv "$WORK/rootfs.tmp" "$WORK/rootfs"
			echo "$key" > "$WORK/rootfs.key"
		fi
		if [[ ! -x $PROBE ]]; then
			echo "probe not built: $PROBE" >&2
			exit 1
		fi
		if ! cmp -s "$PROBE" "$WORK/rootfs/bin/probe"; then
			cp "$PROBE" "$WORK/rootfs/bin/probe.tmp"
			mv "$WORK/rootfs/bin/probe.tmp" "$WORK/rootfs/bin/probe"
		fi
	) 9>"$WORK/.lock"
}

common_setup_file()
{
	ensure_rootfs
	if [[ -n ${CALYX_TEST_STATE:-} ]]; then
		export STATE_ROOT=$CALYX_TEST_STATE/$FILE_BASE
	else
		export STATE_ROOT=$BATS_FILE_TMPDIR/state
	fi
	mkdir -p "$STATE_ROOT"
}

# A fresh bundle per test: $BUNDLE with rootfs/ and a config.json made from
# the example's, made writable and marked with the run token.
common_setup()
{
	[[ -n ${STATE_ROOT:-} ]] || common_setup_file
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	# CALYX_TEST_TAG (digits first, e.g. 7t) keeps IDs of two test runs on one
	# machine apart: calyx-<file>-<tag><n>.
	ID=calyx-$FILE_BASE-${CALYX_TEST_TAG:-}$BATS_TEST_NUMBER
	mkdir -p "$BUNDLE"
	cp -a "$WORK/rootfs" "$BUNDLE/rootfs"
	jq --arg tok "CALYX_TEST_MARK=$CALYX_TEST_RUN" '
		.root.readonly = false
		| .process.env += [$tok]
		| .process.args = ["/bin/probe", "exit", "0"]' \
		"$TOP/examples/hello/config.json" > "$BUNDLE/config.json"
}

# Deletes every container left in this file's state root, then checks that
# nothing of this test stays mounted below its temp dir (a leaked bind mount
# there would let bats' own cleanup delete through it).
common_teardown()
{
	local id mnt
	for id in $(calyx list -q 2>/dev/null); do
		calyx kill "$id" KILL >/dev/null 2>&1 || true
		calyx delete -f "$id" >/dev/null 2>&1 || true
	done
	while read -r mnt; do
		echo "residue: mount $mnt left by $BATS_TEST_NAME" \
			>> "${CALYX_TEST_RESIDUE:-/dev/stderr}"
		umount -l "$mnt" 2>/dev/null || true
	done < <(awk -v d="$BATS_TEST_TMPDIR" 'index($5, d) == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r)
}

common_teardown_file()
{
	local left
	left=$(find "$STATE_ROOT" -mindepth 1 -maxdepth 1 2>/dev/null)
	if [[ -n $left ]]; then
		echo "residue: state left in $STATE_ROOT: $left" \
			>> "${CALYX_TEST_RESIDUE:-/dev/stderr}"
	fi
}

setup_file() { common_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }
teardown_file() { common_teardown_file; }

# Applies a jq filter to the bundle's config.json in place.
cfg()
{
	local tmp=$BUNDLE/config.json.tmp
	jq "$@" "$BUNDLE/config.json" > "$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# Prints its arguments as a JSON array of strings.
json_array()
{
	if (($# == 0)); then
		echo '[]'
		return
	fi
	jq -cn '$ARGS.positional' --args -- "$@"
}

# Sets process.args to the given words.
set_args()
{
	local argv
	argv=$(json_array "$@")
	cfg --argjson a "$argv" '.process.args = $a'
}

# Runs the container in the foreground with the given args; sets $status,
# $output (stdout+stderr) and $lines.
run_probe()
{
	set_args "$@"
	run calyx run -b "$BUNDLE" "$ID"
}

fail()
{
	echo "$@" >&2
	return 1
}

# Checks that $output has a line equal to $1.
has_line()
{
	local l
	for l in "${lines[@]}"; do
		[[ $l == "$1" ]] && return 0
	done
	fail "expected line '$1' in output:" $'\n'"$output"
}

# Checks that $output has no line equal to $1.
no_line()
{
	local l
	for l in "${lines[@]}"; do
		[[ $l == "$1" ]] && fail "unexpected line '$1' in output:" $'\n'"$output"
	done
	return 0
}

# Checks that $output contains $1.
contains()
{
	[[ $output == *"$1"* ]] || fail "expected '$1' in output:" $'\n'"$output"
}

expect_status()
{
	[[ $status -eq $1 ]] ||
		fail "expected exit status $1, got $status; output:" $'\n'"$output"
}

# The value of KEY from "key=value" lines in $output.
value_of()
{
	local l
	for l in "${lines[@]}"; do
		if [[ $l == "$1="* ]]; then
			echo "${l#*=}"
			return 0
		fi
	done
	return 1
}

# `state` field of a container.
state_field()
{
	calyx state "$1" | jq -r ".$2"
}

wait_for_status()
{
	local id=$1 want=$2 i
	for ((i = 0; i < 100; i++)); do
		[[ $(state_field "$id" status 2>/dev/null) == "$want" ]] && return 0
		sleep 0.05
	done
	fail "container $id never reached status $want (now: $(calyx state "$id" 2>&1))"
}

# Nothing of container $1 is left: no state, no process (pid $2 if given),
# no cgroup directory named after it, no mount of the bundle.
assert_nothing_left()
{
	local id=$1 pid=${2:-}
	if calyx state "$id" >/dev/null 2>&1; then
		fail "state of $id still exists"
	fi
	[[ -z $(find "$STATE_ROOT" -mindepth 1 -maxdepth 1 -name "$id*") ]] ||
		fail "state dir of $id left in $STATE_ROOT"
	if [[ -n $pid ]] && pid_alive "$pid"; then
		fail "process $pid of $id still alive"
	fi
	[[ -z $(find /sys/fs/cgroup -maxdepth 5 \( -name "$id" -o -name "calyx-$id.scope" \) 2>/dev/null) ]] ||
		fail "cgroup of $id left: $(find /sys/fs/cgroup -maxdepth 5 -name "*$id*")"
	[[ -z $(systemd_units_of "$id") ]] || fail "unit of $id left: $(systemd_units_of "$id")"
	! grep -qF "$BUNDLE" /proc/self/mountinfo ||
		fail "mounts of $BUNDLE left: $(grep -F "$BUNDLE" /proc/self/mountinfo)"
}

# True if $1 runs (a zombie waiting for its reaper counts as gone).
pid_alive()
{
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z && $st != X ]]
}

# Inode of a namespace of this (host) shell.
host_ns()
{
	stat -L -c %i "/proc/self/ns/$1"
}

# `create` with the container's stdio sent to $BATS_TEST_TMPDIR/$id.out (a
# pipe there would keep bats' `run` waiting for the container to exit).
# Extra arguments go before the ID. Sets $status and $output like `run`.
create_ct()
{
	local id=$1
	shift
	status=0
	calyx create -b "$BUNDLE" "$@" "$id" \
		< /dev/null > "$BATS_TEST_TMPDIR/$id.out" 2>&1 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/$id.out")
	mapfile -t lines <<< "$output"
}

# `run -d` the same way.
run_detached()
{
	local id=$1
	shift
	status=0
	calyx run -d -b "$BUNDLE" "$@" "$id" \
		< /dev/null > "$BATS_TEST_TMPDIR/$id.out" 2>&1 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/$id.out")
	mapfile -t lines <<< "$output"
}

# What the container wrote so far (its stdio file).
ct_output()
{
	cat "$BATS_TEST_TMPDIR/$1.out"
}

# Skips unless the runtime's `features` lists namespace $1.
requires_ns()
{
	calyx features 2>/dev/null |
		jq -e --arg n "$1" '.linux.namespaces | index($n) != null' \
		>/dev/null || skip "runtime does not support the $1 namespace"
	[[ -e /proc/self/ns/$1 || $1 == mount || $1 == network ]] ||
		skip "kernel has no $1 namespace"
}

# Lets an unprivileged mapped user reach the bundle (bats' temp dirs are 0700).
open_path_to_bundle()
{
	local d=$BUNDLE
	while [[ $d != / ]]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

# Gives the bundle a new user namespace mapping container ids 0..65535 to
# host uid $1 and gid $2 (default 100000 both); without a network namespace
# of its own there is no sysfs to mount, so /sys goes.
use_userns()
{
	local uid=${1:-100000} gid=${2:-${1:-100000}}
	requires_ns user
	open_path_to_bundle
	cfg --argjson u "$uid" --argjson g "$gid" '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 65536}]
		| .mounts |= map(select(.destination != "/sys"))'
}

# Adds a mount to config.json: add_mount DEST TYPE SOURCE [OPTION...]
add_mount()
{
	local dest=$1 type=$2 src=$3 opts
	shift 3
	opts=$(json_array "$@")
	cfg --arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$opts" \
		'.mounts += [{"destination": $d, "type": $t, "source": $s,
			      "options": $o}]'
}

# The "dest fstype opts superopts..." line of probe mounts for $1.
mount_line()
{
	local l
	for l in "${lines[@]}"; do
		if [[ $l == "$1 "* ]]; then
			echo "$l"
		fi
	done
}

# The runtime-spec schema dir: $CALYX_SPEC_SCHEMA, else shared/ beside the
# repo (CI's layout), else /work/shared.
schema_dir()
{
	local d
	for d in "${CALYX_SPEC_SCHEMA:-}" "$TOP/../shared/spec/schema" \
		 /work/shared/spec/schema; do
		[[ -n $d && -f $d/config-schema.json ]] && { echo "$d"; return 0; }
	done
	return 1
}

# Validates JSON file $2 against schema file $1 (name in the schema dir).
# Falls back to jq checks of the required top-level keys when python3's
# jsonschema is missing.
validate_schema()
{
	local dir rc=0
	dir=$(schema_dir) || skip "runtime-spec schema not found"
	python3 "$TOP/tests/helpers/validate-schema.py" "$dir/$1" "$2" || rc=$?
	if [[ $rc -eq 77 ]]; then
		jq -e --slurpfile s "$dir/$1" \
			'. as $d | ($s[0].required // []) | all(. as $k | $d | has($k))' \
			"$2" >/dev/null || fail "$2 lacks a required key of $1"
		return 0
	fi
	return "$rc"
}

# For a failing command run with `run --separate-stderr`: non-zero exit and,
# for calyx, exactly one "calyx: ..." line on stderr that matches the
# extended regex $1, and exit status $2 (default 1; a failed exec is 255,
# as runc's).
expect_error()
{
	[[ $status -ne 0 ]] || fail "command succeeded: $output"
	case "$(runtime_name)" in
	calyx*) ;;
	*) return 0 ;;
	esac
	local n
	n=$(printf '%s' "$stderr" | grep -c '')
	[[ $n -eq 1 ]] || fail "expected one line on stderr, got $n:" $'\n'"$stderr"
	[[ $stderr == "calyx: "* ]] || fail "stderr lacks the calyx: prefix: $stderr"
	[[ $stderr =~ $1 ]] || fail "stderr does not match /$1/: $stderr"
	[[ $status -eq ${2:-1} ]] || fail "expected exit ${2:-1}, got $status"
}

# A console-socket receiver (tests/helpers/recvtty.py) in the background:
# $SOCK to pass as --console-socket, what the pty shows lands in $OUT; extra
# arguments go to recvtty.py.  wait_recvtty waits for it to finish.
recvtty()
{
	SOCK=$BATS_TEST_TMPDIR/console.sock
	OUT=$BATS_TEST_TMPDIR/console.out
	python3 "$TOP/tests/helpers/recvtty.py" "$SOCK" "$OUT" "$@" > "$BATS_TEST_TMPDIR/recvtty.log" &
	RECV_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -S $SOCK ]] && return 0
		sleep 0.02
	done
	fail "recvtty did not start"
}

wait_recvtty()
{
	local i
	for ((i = 0; i < 250; i++)); do
		kill -0 "$RECV_PID" 2>/dev/null || return 0
		sleep 0.02
	done
	kill "$RECV_PID"
	fail "recvtty did not finish: $(cat "$OUT")"
}
