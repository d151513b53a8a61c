#!/usr/bin/env bats
# Global options, --version, --help, logging.

bats_require_minimum_version 1.5.0
load helpers

@test "--version shows version, commit, spec and libseccomp" {
	run calyx --version
	expect_status 0
	[[ ${lines[0]} == *version* ]]
	contains "commit: "
	contains "spec: "
	contains "libseccomp: "
}

@test "--version: calyx, its spec version 1.3.0" {
	calyx_only
	run calyx --version
	[[ ${lines[0]} =~ ^calyx\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "$output"
	has_line "spec: 1.3.0"
	[[ $output =~ commit:\ [0-9a-f]{7,}|commit:\ unknown ]] || fail "$output"
}

@test "--help lists the subcommands" {
	run calyx --help
	expect_status 0
	for c in create start run state kill delete list spec features; do
		[[ $output =~ (^|$'\n')\ +$c\  ]] || fail "--help lacks $c: $output"
	done
}

@test "COMMAND --help works for each subcommand" {
	for c in create start run state kill delete list spec features; do
		run calyx "$c" --help
		expect_status 0
		[[ $output == *"$c"* ]] || fail "$c --help: $output"
	done
}

@test "--log with --log-format json writes level/msg/time lines on an error" {
	log=$BATS_TEST_TMPDIR/log.json
	run "$CALYX" --root "$STATE_ROOT" --log "$log" --log-format json state nope
	[ "$status" -ne 0 ]
	[ -s "$log" ] || fail "nothing logged"
	while read -r l; do
		echo "$l" | jq -e 'has("level") and has("msg") and has("time")' \
			>/dev/null || fail "bad log line: $l"
	done < "$log"
	grep -q '"level":"error"' "$log" || fail "no error line: $(cat "$log")"
}

@test "--log with the text format" {
	log=$BATS_TEST_TMPDIR/log.txt
	run "$CALYX" --root "$STATE_ROOT" --log "$log" state nope
	[ "$status" -ne 0 ]
	[ -s "$log" ] || fail "error not logged"
}

@test "--debug logs the steps of a run" {
	log=$BATS_TEST_TMPDIR/log.json
	pin_cgroup_path run -b "$BUNDLE" "$ID"
	run "$CALYX" --root "$STATE_ROOT" --debug --log "$log" --log-format json \
		run -b "$BUNDLE" "$ID"
	expect_status 0
	grep -q '"level":"debug"' "$log" || fail "no debug lines: $(cat "$log")"
}

@test "--root is created when missing" {
	root=$BATS_TEST_TMPDIR/new/root
	pin_cgroup_path run -b "$BUNDLE" "$ID"
	run "$CALYX" --root "$root" run -b "$BUNDLE" "$ID"
	expect_status 0
	run "$CALYX" --root "$root" list -q
	expect_status 0
	[ -z "$output" ]
}
