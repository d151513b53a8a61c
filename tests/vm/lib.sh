# shellcheck shell=bash
# Shared by the VM tiers (run-cgroup-v2.sh, run-systemd.sh): the result
# line and the skip/fail exits, the qemu run with the guest's TAP followed
# as it comes, and the reading of the guest's results.  A tier sets, before
# sourcing this file: vm_tier (its name in SKIP:/FAIL: lines), vm_label
# (its result line's) and cache (where its job dirs go).

# The tier's result line (and, for tests/run, CALYX_VM_COUNTS).
report()
{
	[[ -n ${CALYX_VM_COUNTS:-} ]] && echo "$1 $2 $3" > "$CALYX_VM_COUNTS"
	echo "$vm_label: $1 passed, $2 failed, $3 skipped"
}

skip_tier()
{
	echo "SKIP: $vm_tier: $*"
	report 0 0 1
	exit 77
}

fail_tier()
{
	echo "FAIL: $vm_tier: $*"
	report 0 1 0
	exit 1
}

# seconds since $1 (an $EPOCHREALTIME), one decimal
since()
{
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

# Makes the job dir $job in $cache, which the guest mounts (uncached) to
# write its results into, with TAP output the host follows, and the exit
# trap that stops the VM and keeps the job as $cache/last-job (with the
# serial console) for a look after a failure.
vm_new_job()
{
	job=$(mktemp -d "$cache/job.XXXXXX") || fail_tier "mktemp in $cache failed"
	chmod 755 "$job"
	: > "$job/tap"
	vm_qpid='' vm_tpid=''
	trap vm_cleanup EXIT
	trap 'exit 130' INT TERM
}

vm_cleanup()
{
	# timeout(1) runs qemu in its own process group, out of reach of a
	# ^C: stop it here (timeout passes the TERM on to qemu)
	if [[ -n $vm_qpid ]] && kill -0 "$vm_qpid" 2>/dev/null; then
		kill "$vm_qpid" 2>/dev/null
		wait "$vm_qpid" 2>/dev/null
	fi
	[[ -n $vm_tpid ]] && kill "$vm_tpid" 2>/dev/null && wait "$vm_tpid"
	rm -rf "$cache/last-job"
	mv "$job" "$cache/last-job" 2>/dev/null || rm -rf "$job"
}

# Runs the guest for at most $1 seconds: qemu with TCG (the host's
# /dev/kvm is not one a stock kernel can use), 2 CPUs, the serial console
# in $job/console.log, the host's / and $job shared over 9p (mount tags
# hostroot and calyxjob), and the arguments after $1 (memory, kernel,
# initrd, command line, disks).  Prints $job/tap as the guest writes it.
# Sets qemu_rc and elapsed (seconds).
vm_run()
{
	local limit=$1 start=$EPOCHREALTIME
	shift
	timeout --kill-after=5 "$limit" qemu-system-x86_64 \
		-accel tcg,thread=multi -cpu max -smp 2 \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$job/console.log" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,multidevs=remap \
		-virtfs "local,path=$job,mount_tag=calyxjob,security_model=passthrough" \
		"$@" < /dev/null > "$job/qemu.out" 2>&1 &
	vm_qpid=$!
	# both in the background: `wait` returns on a signal, a foreground
	# tail would hold the INT/TERM trap (and so qemu) until the VM ends
	tail -n +1 -F --pid="$vm_qpid" "$job/tap" 2>/dev/null &
	vm_tpid=$!
	wait "$vm_qpid"
	qemu_rc=$?
	vm_qpid=
	wait "$vm_tpid"
	vm_tpid=
	elapsed=$(since "$start")
}

vm_console_tail()
{
	echo "--- qemu:"
	tail -20 "$job/qemu.out"
	echo "--- serial console (last 30 lines):"
	tail -30 "$job/console.log"
}

# Skips the tier unless the guest got as far as running its tests (it
# writes $job/booted then); $1 says how far that is ("boot", "reach the
# test service"), $2 is the time the VM had.
vm_require_boot()
{
	local why
	[[ -s $job/booted ]] && return 0
	vm_console_tail
	((qemu_rc == 124 || qemu_rc == 137)) &&
		skip_tier "the VM did not $1 within ${2}s"
	why=$(cat "$job/init.err" 2>/dev/null)
	skip_tier "the VM did not $1 (qemu exit $qemu_rc)${why:+: $why}"
}

# Counts the guest's results ($job/tap, one plan per bats run in it;
# bats-rc; residue) and prints the result line: tests that did not run
# count as failed, and the residue check as one test ($1: what its "ok"
# line says was not left; $2: the time the VM had).  Fails if anything did.
vm_results()
{
	local tap=$job/tap n_ok n_fail n_skip planned ran bats_rc
	n_fail=$(grep -c '^not ok' "$tap")
	n_skip=$(grep -cE '^ok .* # skip' "$tap")
	n_ok=$(grep -E '^ok ' "$tap" | grep -vc ' # skip')
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" |
		awk '{ s += $1 } END { print s }')
	ran=$((n_ok + n_fail + n_skip))
	if [[ ! -f $job/bats-rc ]]; then
		vm_console_tail
		if ((qemu_rc == 124 || qemu_rc == 137)); then
			echo "not ok: the VM ran out of time (${2}s) during the tests"
		else
			echo "not ok: the VM stopped before bats finished$(
				[[ -s $job/init.err ]] && echo ": $(cat "$job/init.err")")"
		fi
		n_fail=$((n_fail + (${planned:-0} > ran ? ${planned:-0} - ran : 1)))
	else
		bats_rc=$(cat "$job/bats-rc")
		if ((bats_rc != 0 && n_fail == 0)); then
			n_fail=$((${planned:-0} > ran ? ${planned:-0} - ran : 1))
		elif [[ -n $planned ]] && ((planned > ran)); then
			n_fail=$((n_fail + planned - ran))
		fi
		# the guest's residue check counts as one test, as on the host
		if [[ -s $job/residue ]]; then
			sed 's/^/residue: /' "$job/residue"
			echo "not ok: the tests left residue in the VM"
			n_fail=$((n_fail + 1))
		else
			echo "ok: no $1 left in the VM"
			n_ok=$((n_ok + 1))
		fi
	fi
	report "$n_ok" "$n_fail" "$n_skip"
	((n_fail == 0))
}
