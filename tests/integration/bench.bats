#!/usr/bin/env bats
# tests/bench/run.sh's density section runs (issue 18). Not a timed test:
# with 20 containers per runtime it must complete, print every row for
# every runtime, and leave no container, process, cgroup or mount behind.
# The benchmark installs what it compares against (the deps set `bench`)
# as it always does.

load helpers

setup() { :; }
teardown() { :; }

# The benchmark's table line LABEL with VALUE for each of $runtimes.
row_of()
{
	local line _rt
	line=$(printf '%-26s' "$1")
	for _rt in "${runtimes[@]}"; do
		line+=$(printf '  %10s' "$2")
	done
	printf '%s\n' "$line"
}

@test "bench: the density section runs with 20 containers and leaves nothing" {
	calyx_only
	local tag line row re runtimes=()
	run timeout 300 env CALYX="$CALYX" "$TOP/tests/bench/run.sh" \
		--only density --density 20 --runs 3
	expect_status 0
	tag=$(sed -n 's/.*; tag \(calyx-bench-[^ ]*\)$/\1/p' <<< "$output")
	[[ -n $tag ]] || fail "no tag in the header:"$'\n'"$output"
	for line in "${lines[@]}"; do
		[[ $line != warning:* && $line != *failed* ]] ||
			fail "the benchmark reported: $line"$'\n'"$output"
	done

	# the runtimes it compared: the columns of its first table
	read -ra runtimes < <(sed -n 's/^batch  *//p' <<< "$output")
	[[ ${runtimes[0]} == calyx ]] || fail "calyx is not compared:"$'\n'"$output"
	for row in "start 1-10" "start 11-20" "last/first" list "state ID" \
		"exec ID /bin/true" "delete -f" "slab (/proc/meminfo)" \
		"cgroup memory.usage" "container process PSS" "one launcher" \
		"two at once"; do
		# a number in every column (slab deltas are system-wide: they
		# can come out negative with other work on the host)
		# shellcheck disable=SC2001 # one sed beats four substitutions
		re="^$(sed 's/[][().*]/\\&/g' <<< "$row")( +-?[0-9]+(\.[0-9]+)?x?){${#runtimes[@]}}\$"
		grep -Eq "$re" <<< "$output" ||
			fail "row '$row' is missing or has a gap:"$'\n'"$output"
	done
	has_line "$(row_of "container processes" 20)"
	has_line "$(row_of "runtime processes kept" 0)"
	has_line "$(row_of "left after teardown" none)"

	# and nothing of it on the host
	[[ -z $(find /sys/fs/cgroup -maxdepth 3 -name "$tag*" 2>/dev/null) ]] ||
		fail "cgroups left: $(find /sys/fs/cgroup -maxdepth 3 -name "$tag*")"
	! grep -lsazxF "CALYX_BENCH_MARK=$tag" /proc/[0-9]*/environ ||
		fail "container processes left"
	! grep -qF "$tag" /proc/self/mountinfo || fail "mounts left"
}
