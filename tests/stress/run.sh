#!/bin/bash
# calyx under faults: kill -9 at random instants of each command, parallel
# creates, two run loops on the shared default parent, delete during a
# foreground run, corrupt and missing records, a full state root.  Each
# scenario counts trials, residue (processes, cgroups, mounts, state) and
# failures, and fails on any residue or failure.  See tests/stress/README.md.
#
#   tests/stress/run.sh [--short] [SCENARIO...]
#
# Last line: "stress: N passed, N failed, N skipped"; exit 1 on a failure.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
CALYX=${CALYX:-$TOP/build/src/cli/calyx}
WORK=${CALYX_TEST_WORK:-$TOP/tests/.work}
TAG=${CALYX_TEST_TAG:-}
SHORT=0
ONLY=()
for a in "$@"; do
	case $a in
	--short) SHORT=1 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) ONLY+=("$a") ;;
	esac
done

# trial counts: short (inside tests/run) and long (the 1,000-trial runs)
if ((SHORT)); then
	KILL_TRIALS=${KILL_TRIALS:-15}
	PAR_ROUNDS=${PAR_ROUNDS:-2}
	LOOP_RUNS=${LOOP_RUNS:-25}
else
	KILL_TRIALS=${KILL_TRIALS:-1000}
	PAR_ROUNDS=${PAR_ROUNDS:-50}
	LOOP_RUNS=${LOOP_RUNS:-5000}
fi
PAR_WIDTH=${PAR_WIDTH:-6}

PASSED=0 FAILED=0 SKIPPED=0
S=$(mktemp -d "/tmp/calyx-stress-${TAG}XXXXXX")
ROOT=$S/root
PARENT=calyx-stress-${TAG:-x}$$	# our own cgroup parent
MARK=CALYX_STRESS_MARK
BUNDLE=$S/bundle

finish()
{
	local id
	for id in $(ls "$ROOT" 2>/dev/null); do
		"$CALYX" --root "$ROOT" delete -f "$id" >/dev/null 2>&1
	done
	mountpoint -q "$S/full" && umount "$S/full"
	find /sys/fs/cgroup -maxdepth 2 -type d -name "$PARENT" -exec rmdir {} + 2>/dev/null
	rm -rf "$S"
}
trap finish EXIT

skip_all()
{
	echo "stress: skipped: $*"
	echo "stress: 0 passed, 0 failed, 1 skipped"
	exit 0
}

[[ $(id -u) == 0 ]] || skip_all "needs root (cgroups, namespaces)"
[[ -x $CALYX ]] || { echo "stress: $CALYX not built"; echo "stress: 0 passed, 1 failed, 0 skipped"; exit 1; }

# the busybox rootfs the integration tests use, built once
setup_bundle()
{
	mkdir -p "$WORK" "$BUNDLE" "$ROOT"
	(
		flock 9
		[[ -e $WORK/rootfs/.complete ]] ||
			"$TOP/examples/hello/make-bundle.sh" "$WORK/rootfs" >&2
	) 9>"$WORK/.lock" || return 1
	ln -s "$WORK/rootfs" "$BUNDLE/rootfs"
	# the process carries the mark in its environment, as its runtime
	# does (set by calx below) before exec: found in /proc/*/environ
	jq --arg root "$WORK/rootfs" '
		.root = {path: $root, readonly: true}
		| .process.args = ["sleep", "1000"]' \
		"$TOP/examples/hello/config.json" > "$BUNDLE/config.json"
}

# calyx on this runner's root, the trial's ID marked in its environment
# (so its init, before exec, carries it too)
calx()
{
	local id=${!#}
	env "$MARK=$id" "$CALYX" --root "$ROOT" "$@"
}

# A bundle config for ID: the mark in the process's environment, our own
# cgroup parent unless $2 is "default".
config_for()
{
	local id=$1 where=${2:-ours} dir=$S/b-$1
	mkdir -p "$dir"
	ln -sfn "$WORK/rootfs" "$dir/rootfs"
	if [[ $where == default ]]; then
		jq --arg m "$MARK=$id" '.process.env += [$m] | del(.linux.cgroupsPath)' \
			"$BUNDLE/config.json" > "$dir/config.json"
	else
		jq --arg m "$MARK=$id" --arg cg "/$PARENT/$id" \
			'.process.env += [$m] | .linux.cgroupsPath = $cg' \
			"$BUNDLE/config.json" > "$dir/config.json"
	fi
	echo "$dir"
}

# What is left of ID: one line per kind of residue.
residue()
{
	local id=$1 f p st flags cmd
	# one grep over every environ (a fork per process would dominate)
	# a process already in do_exit (PF_EXITING, 0x4 in stat's flags: it
	# left its cgroup, so delete -f saw the cgroup empty, but is not a
	# zombie yet) is dead, not left behind
	for f in $(grep -lzx "$MARK=$id" /proc/[0-9]*/environ 2>/dev/null); do
		p=${f%/environ}
		read -r st flags < <(sed 's/^.*) //' "$p/stat" 2>/dev/null | awk '{ print $1, $7 }')
		[[ -n ${st:-} && $st != Z && $st != X ]] || continue
		((${flags:-0} & 4)) && continue
		cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)
		# its environ was there a moment ago: no cmdline now means its
		# memory is gone, i.e. it entered do_exit since (flags read first)
		[[ -n $cmd ]] || continue
		echo "process ${p#/proc/} state $st ($cmd)" \
			"$(grep -E '^(PPid|ShdPnd|SigPnd|SigBlk):' "$p/status" 2>/dev/null | tr -s '\t\n' '  ')" \
			"wchan $(cat "$p/wchan" 2>/dev/null)"
	done
	find /sys/fs/cgroup -maxdepth 4 -type d -name "$id" 2>/dev/null | sed 's/^/cgroup /'
	grep -F -e "$S/b-$id" -e "$ROOT/$id" /proc/self/mountinfo | sed 's/^/mount /'
	[[ -e $ROOT/$id ]] && echo "state $ROOT/$id"
	return 0
}

# kill_at DELAY CMD...: CMD gets SIGKILL after DELAY seconds (quietly), and
# is waited for, as an engine waits for the runtime it killed before it
# calls delete.  Only CMD is killed (not timeout(1)'s whole process group,
# which took the container's process along and left CMD unreaped: a
# killed calyx still finishing a syscall in D state then looked like
# residue of the delete that ran meanwhile).
kill_at()
{
	local delay=$1 pid
	shift
	"$@" </dev/null >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# report NAME TRIALS RESIDUE FAILURES [NOTE]
report()
{
	local name=$1 trials=$2 res=$3 fails=$4 note=${5:-}
	if ((res == 0 && fails == 0)); then
		echo "ok   $name: trials=$trials residue=$res failures=$fails${note:+ ($note)}"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL $name: trials=$trials residue=$res failures=$fails${note:+ ($note)}"
		FAILED=$((FAILED + 1))
	fi
}

# The residue of ID after `delete -f` (and a re-create of the ID, which
# must work, and its delete); appends what it finds to $S/log.
settle()
{
	local id=$1 b=$2 left
	calx delete -f "$id" >> "$S/log" 2>&1 || { echo "$id: delete -f failed" >> "$S/log"; FAILS=$((FAILS + 1)); }
	left=$(residue "$id")
	if [[ -n $left ]]; then
		RES=$((RES + 1))
		printf '%s residue after delete -f:\n%s\n' "$id" "$left" >> "$S/log"
		calx delete -f "$id" >/dev/null 2>&1
		return
	fi
	if ! calx create -b "$b" "$id" </dev/null >> "$S/log" 2>&1; then
		echo "$id: re-create failed" >> "$S/log"
		FAILS=$((FAILS + 1))
	fi
	calx delete -f "$id" >> "$S/log" 2>&1
	left=$(residue "$id")
	if [[ -n $left ]]; then
		RES=$((RES + 1))
		printf '%s residue after re-create + delete -f:\n%s\n' "$id" "$left" >> "$S/log"
	fi
}

# Microseconds one command takes, as a base for the kill delays.
usec_of()
{
	local t0 t1
	t0=$(date +%s%N)
	"$@" </dev/null >/dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}

# A random delay in seconds in [0, 1.3 * base usec).
delay()
{
	local us=$((RANDOM * 32768 + RANDOM))
	us=$((us % ($1 * 13 / 10 + 1)))
	printf '0.%06d' "$us"
}

# kill -9 at a random instant of one command.
kill_phase()
{
	local phase=$1 i id b base
	RES=0 FAILS=0
	b=$(config_for "${TAG}k-$phase-base")
	case $phase in
	create) base=$(usec_of calx create -b "$b" "${TAG}k-$phase-base") ;;
	start)	calx create -b "$b" "${TAG}k-$phase-base" </dev/null >/dev/null 2>&1
		base=$(usec_of calx start "${TAG}k-$phase-base") ;;
	run)	base=$(usec_of calx run -d -b "$b" "${TAG}k-$phase-base") ;;
	exec)	calx run -d -b "$b" "${TAG}k-$phase-base" </dev/null >/dev/null 2>&1
		base=$(usec_of calx exec "${TAG}k-$phase-base" true) ;;
	delete) calx run -d -b "$b" "${TAG}k-$phase-base" </dev/null >/dev/null 2>&1
		base=$(usec_of calx delete -f "${TAG}k-$phase-base") ;;
	esac
	calx delete -f "${TAG}k-$phase-base" >/dev/null 2>&1
	rm -rf "$b"
	for ((i = 0; i < KILL_TRIALS; i++)); do
		id=${TAG}k-$phase-$i
		b=$(config_for "$id")
		case $phase in
		create)
			kill_at "$(delay "$base")" env "$MARK=$id" \
				"$CALYX" --root "$ROOT" create -b "$b" "$id" ;;
		start)
			calx create -b "$b" "$id" </dev/null >/dev/null 2>&1 || FAILS=$((FAILS + 1))
			kill_at "$(delay "$base")" "$CALYX" --root "$ROOT" start "$id" >/dev/null 2>&1 ;;
		run)
			# foreground: the container is calyx's child and tied to it
			if ((i % 2)); then
				kill_at "$(delay "$base")" env "$MARK=$id" \
					"$CALYX" --root "$ROOT" run -b "$b" "$id" </dev/null >/dev/null 2>&1
			else
				kill_at "$(delay "$base")" env "$MARK=$id" \
					"$CALYX" --root "$ROOT" run -d -b "$b" "$id" </dev/null >/dev/null 2>&1
			fi ;;
		exec)
			calx run -d -b "$b" "$id" </dev/null >/dev/null 2>&1 || FAILS=$((FAILS + 1))
			kill_at "$(delay "$base")" env "$MARK=$id" \
				"$CALYX" --root "$ROOT" exec "$id" sleep 1000 ;;
		delete)
			calx run -d -b "$b" "$id" </dev/null >/dev/null 2>&1 || FAILS=$((FAILS + 1))
			kill_at "$(delay "$base")" "$CALYX" --root "$ROOT" delete -f "$id" >/dev/null 2>&1 ;;
		esac
		settle "$id" "$b"
		rm -rf "$b"
	done
	report "kill-9 $phase" "$KILL_TRIALS" "$RES" "$FAILS" "kill within 0-$((base * 13 / 10))us"
}

# Parallel creates: PAR_WIDTH distinct IDs at once, and PAR_WIDTH creates
# of one ID at once (exactly one wins, the others fail cleanly).
parallel_distinct()
{
	local r j id pids=() n=0 left
	RES=0 FAILS=0
	for ((r = 0; r < PAR_ROUNDS; r++)); do
		pids=()
		for ((j = 0; j < PAR_WIDTH; j++)); do
			id=${TAG}pd-$r-$j
			config_for "$id" >/dev/null
			calx create -b "$S/b-$id" "$id" </dev/null >> "$S/log" 2>&1 &
			pids+=($!)
		done
		for j in "${pids[@]}"; do
			wait "$j" || FAILS=$((FAILS + 1))
			n=$((n + 1))
		done
		for ((j = 0; j < PAR_WIDTH; j++)); do
			id=${TAG}pd-$r-$j
			calx delete -f "$id" >> "$S/log" 2>&1 || FAILS=$((FAILS + 1))
			left=$(residue "$id")
			[[ -z $left ]] || { RES=$((RES + 1)); echo "$left" >> "$S/log"; }
			rm -rf "$S/b-$id"
		done
	done
	report "parallel creates of distinct IDs" "$n" "$RES" "$FAILS"
}

parallel_same()
{
	local r j id pids=() wins left n=0
	RES=0 FAILS=0
	for ((r = 0; r < PAR_ROUNDS; r++)); do
		id=${TAG}ps-$r
		config_for "$id" >/dev/null
		pids=()
		for ((j = 0; j < PAR_WIDTH; j++)); do
			calx create -b "$S/b-$id" "$id" </dev/null > "$S/ps-$j.out" 2>&1 &
			pids+=($!)
		done
		wins=0
		for ((j = 0; j < PAR_WIDTH; j++)); do
			if wait "${pids[j]}"; then
				wins=$((wins + 1))
			elif ! grep -q "already exists" "$S/ps-$j.out"; then
				FAILS=$((FAILS + 1))
				cat "$S/ps-$j.out" >> "$S/log"
			fi
			n=$((n + 1))
		done
		((wins == 1)) || { FAILS=$((FAILS + 1)); echo "$id: $wins creates won" >> "$S/log"; }
		[[ $(calx state "$id" 2>/dev/null | jq -r .status) == created ]] ||
			{ FAILS=$((FAILS + 1)); echo "$id: not created after the race" >> "$S/log"; }
		calx delete -f "$id" >> "$S/log" 2>&1 || FAILS=$((FAILS + 1))
		left=$(residue "$id")
		[[ -z $left ]] || { RES=$((RES + 1)); echo "$left" >> "$S/log"; }
		rm -rf "$S/b-$id"
	done
	report "parallel creates of one ID" "$n" "$RES" "$FAILS" "one wins, the rest say 'already exists'"
}

# Two loops of foreground `run` on the default /calyx parent: one's
# delete must never break the other's create.
run_loops()
{
	local l pids=() fails=0 res=0 id
	for l in a b; do
		(
			f=0 r=0
			for ((i = 0; i < LOOP_RUNS; i++)); do
				id=${TAG}rl$l-$i
				b=$(config_for "$id" default)
				jq '.process.args = ["true"]' "$b/config.json" > "$b/c" && mv "$b/c" "$b/config.json"
				if ! calx run -b "$b" "$id" </dev/null >> "$S/loop-$l.log" 2>&1; then
					f=$((f + 1))
					echo "$id failed" >> "$S/loop-$l.log"
				fi
				[[ -z $(residue "$id") ]] || { r=$((r + 1)); residue "$id" >> "$S/loop-$l.log"; calx delete -f "$id" >/dev/null 2>&1; }
				rm -rf "$b"
			done
			echo "$f $r" > "$S/loop-$l.count"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for l in a b; do
		read -r f r < "$S/loop-$l.count" || { f=1; r=0; }
		fails=$((fails + f)) res=$((res + r))
		cat "$S/loop-$l.log" >> "$S/log" 2>/dev/null
	done
	report "two run loops on the default parent" "$((2 * LOOP_RUNS))" "$res" "$fails"
}

# `delete -f` while a foreground `run` of the ID waits: at once, and the
# run ends with the container.
delete_during_run()
{
	local i id b rpid t0 t1 n=5 left worst=0
	RES=0 FAILS=0
	for ((i = 0; i < n; i++)); do
		id=${TAG}dr-$i
		b=$(config_for "$id")
		calx run -b "$b" "$id" </dev/null >/dev/null 2>&1 &
		rpid=$!
		for ((t = 0; t < 200; t++)); do
			[[ $(calx state "$id" 2>/dev/null | jq -r .status) == running ]] && break
			sleep 0.01
		done
		t0=$(date +%s%N)
		timeout 5 "$CALYX" --root "$ROOT" delete -f "$id" >> "$S/log" 2>&1 || FAILS=$((FAILS + 1))
		t1=$(date +%s%N)
		(((t1 - t0) / 1000000 > worst)) && worst=$(((t1 - t0) / 1000000))
		timeout 5 tail --pid="$rpid" -f /dev/null || { FAILS=$((FAILS + 1)); kill -9 "$rpid"; }
		wait "$rpid"
		left=$(residue "$id")
		[[ -z $left ]] || { RES=$((RES + 1)); echo "$left" >> "$S/log"; calx delete -f "$id" >/dev/null 2>&1; }
		rm -rf "$b"
	done
	((worst < 1000)) || FAILS=$((FAILS + 1))
	report "delete -f during a foreground run" "$n" "$RES" "$FAILS" "slowest delete ${worst}ms"
}

# A corrupt and a missing state.json: list shows the container as broken,
# the error is one line, delete -f removes process, cgroup and state.
bad_record()
{
	local kind id b left out
	RES=0 FAILS=0
	for kind in corrupt missing; do
		id=${TAG}br-$kind
		b=$(config_for "$id")
		calx run -d -b "$b" "$id" </dev/null >> "$S/log" 2>&1 || FAILS=$((FAILS + 1))
		if [[ $kind == corrupt ]]; then
			printf '{"id": "%s", "pid": \n\001garbage' "$id" > "$ROOT/$id/state.json"
			out=$("$CALYX" --root "$ROOT" state "$id" 2>&1)
			[[ $(wc -l <<< "$out") == 1 && $out == *corrupt* ]] ||
				{ FAILS=$((FAILS + 1)); echo "state of a corrupt record: $out" >> "$S/log"; }
		else
			rm "$ROOT/$id/state.json"
		fi
		"$CALYX" --root "$ROOT" list | grep -q "^$id .*broken" ||
			{ FAILS=$((FAILS + 1)); "$CALYX" --root "$ROOT" list >> "$S/log" 2>&1; }
		calx delete -f "$id" >> "$S/log" 2>&1 || FAILS=$((FAILS + 1))
		left=$(residue "$id")
		[[ -z $left ]] || { RES=$((RES + 1)); echo "$left" >> "$S/log"; }
		calx run -d -b "$b" "$id" </dev/null >> "$S/log" 2>&1 ||
			{ FAILS=$((FAILS + 1)); echo "$id blocked after delete -f" >> "$S/log"; }
		calx delete -f "$id" >/dev/null 2>&1
		rm -rf "$b"
	done
	report "corrupt and missing state.json" 2 "$RES" "$FAILS"
}

# A state root on a small full tmpfs: create fails with a clean error and
# leaves no process or cgroup; once there is room the ID works.
full_root()
{
	local id=${TAG}fr b left out fr=$S/full n=0
	RES=0 FAILS=0
	mkdir -p "$fr"
	mount -t tmpfs -o size=64k,nr_inodes=64 tmpfs "$fr" || { SKIPPED=$((SKIPPED + 1)); echo "skip full state root: cannot mount a tmpfs"; return; }
	b=$(config_for "$id")
	# fill it to a few bytes: the state dir may be made, its files not
	head -c 60000 /dev/zero > "$fr/fill" 2>/dev/null
	while head -c 512 /dev/zero > "$fr/fill.$n" 2>/dev/null; do n=$((n + 1)); done
	out=$(env "$MARK=$id" "$CALYX" --root "$fr" create -b "$b" "$id" </dev/null 2>&1) &&
		{ FAILS=$((FAILS + 1)); echo "create on a full root succeeded" >> "$S/log"; }
	[[ $out == *"No space left"* || $out == *"quota"* ]] ||
		{ FAILS=$((FAILS + 1)); echo "full root: $out" >> "$S/log"; }
	left=$(residue "$id" | grep -v "^state")
	[[ -z $left && ! -e $fr/$id ]] || { RES=$((RES + 1)); echo "full root: $left" >> "$S/log"; ls -la "$fr/$id" >> "$S/log" 2>&1; }
	rm -f "$fr"/fill*
	env "$MARK=$id" "$CALYX" --root "$fr" create -b "$b" "$id" </dev/null >> "$S/log" 2>&1 ||
		{ FAILS=$((FAILS + 1)); echo "full root: create after freeing failed" >> "$S/log"; }
	"$CALYX" --root "$fr" delete -f "$id" >> "$S/log" 2>&1
	left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$id")
	[[ -z $left && ! -e $fr/$id ]] || { RES=$((RES + 1)); echo "full root after delete: $left" >> "$S/log"; }
	umount "$fr"
	rm -rf "$b"
	report "full state root (64k tmpfs)" 2 "$RES" "$FAILS" "error: ${out:0:100}"
}

selected()
{
	((${#ONLY[@]} == 0)) && return 0
	local o
	for o in "${ONLY[@]}"; do [[ $o == "$1" ]] && return 0; done
	return 1
}

setup_bundle || { echo "stress: cannot build the rootfs"; echo "stress: 0 passed, 1 failed, 0 skipped"; exit 1; }
: > "$S/log"
t_start=$(date +%s)
for phase in create start run exec delete; do
	selected "kill-$phase" && kill_phase "$phase"
done
selected parallel-distinct && parallel_distinct
selected parallel-same && parallel_same
selected run-loops && run_loops
selected delete-during-run && delete_during_run
selected bad-record && bad_record
selected full-root && full_root
if ((FAILED)); then
	echo "--- log (last 60 lines) ---"
	tail -60 "$S/log"
fi
echo "stress: took $(($(date +%s) - t_start))s"
echo "stress: $PASSED passed, $FAILED failed, $SKIPPED skipped"
((FAILED == 0))
