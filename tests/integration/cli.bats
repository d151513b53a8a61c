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

@test "help --help and help COMMAND" {
	run calyx help --help
	expect_status 0
	contains "help"
	run calyx help kill
	expect_status 0
	contains "kill"
	calyx_only
	run calyx help --help
	has_line "Usage: calyx help [COMMAND]"
	run calyx help kill
	contains "Usage: calyx kill"
}

@test "process.terminal with stdin not a terminal fails at once" {
	cfg '.process.terminal = true | .process.args = ["sh"]'
	status=0
	timeout 10 "$CALYX" --root "$STATE_ROOT" run -b "$BUNDLE" "$ID" \
		< /dev/null > "$BATS_TEST_TMPDIR/out" 2>&1 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/out")
	[[ $status -ne 124 ]] || fail "run hung with stdin not a terminal"
	[[ $status -ne 0 ]] || fail "run succeeded: $output"
	assert_nothing_left "$ID"
	calyx_only
	contains "process.terminal is true but stdin is not a terminal; use --console-socket or set terminal to false"
}

@test "a foreground run killed by a second SIGTERM (pid 1 ignores the first)" {
	runc_deviates "runc forwards every SIGTERM; the container ignores them"
	# pid 1 of a pid namespace ignores signals it has no handler for
	set_args sleep 1000
	"$CALYX" --root "$STATE_ROOT" run -b "$BUNDLE" "$ID" < /dev/null \
		> "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	wait_for_status "$ID" running
	kill -TERM "$pid"
	sleep 0.3
	pid_alive "$pid" || fail "the first SIGTERM stopped it: $(cat "$BATS_TEST_TMPDIR/out")"
	kill -TERM "$pid"
	status=0
	timeout 10 tail --pid="$pid" -f /dev/null || fail "calyx still runs after a second SIGTERM"
	wait "$pid" || status=$?
	[[ $status -eq 137 ]] || fail "exit $status, want 137: $(cat "$BATS_TEST_TMPDIR/out")"
	assert_nothing_left "$ID"
}

@test "a root bundle run by an unprivileged user: what to do" {
	calyx_only
	[[ $EUID -eq 0 ]] || skip "needs root to switch to an unprivileged user"
	command -v setpriv >/dev/null || skip "setpriv not installed"
	xdg=$BATS_TEST_TMPDIR/xdg
	mkdir -p "$xdg"
	chown 65534:65534 "$xdg"
	chmod -R a+rX "$BUNDLE"
	# the user must reach the bundle: open the test's own temp dirs
	d=$BATS_TEST_TMPDIR
	while [[ $d == /tmp/?* ]]; do
		chmod a+x "$d"
		d=${d%/*}
	done
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		env XDG_RUNTIME_DIR="$xdg" "$CALYX" --root "$xdg/calyx" run -b "$BUNDLE" "$ID"
	expect_error "run as root, or make a rootless bundle with 'calyx spec --rootless'"
	[[ -z $(find "$xdg/calyx" -mindepth 1 -maxdepth 1 2>/dev/null) ]] ||
		fail "state left: $(ls -A "$xdg/calyx")"
}

# The flags a --help text lists: the first column of its option lines.
help_flags()
{
	awk '/^ +-/ { sub(/^ +/, ""); sub(/   .*/, ""); print }' |
		grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ ,]//' | sort -u
}

@test "man: a page for every subcommand, naming every flag its --help lists" {
	calyx_only
	command -v man >/dev/null || skip "man is not installed"
	local cmd page text f missing=""
	for cmd in "" $("$CALYX" --help | awk '/^Commands:/ { c = 1; next }
			c && /^$/ { exit } c { sub(",", "", $1); print $1 }'); do
		[[ $cmd == help ]] && continue
		page=$TOP/man/calyx${cmd:+-$cmd}.8
		[[ -f $page ]] || { missing+=" no page for '$cmd';"; continue; }
		grep -qF "'calyx${cmd:+-$cmd}.8'" "$TOP/man/meson.build" ||
			missing+=" $page not installed;"
		text=$(MANWIDTH=200 man -l "$page" 2>/dev/null)
		# shellcheck disable=SC2086
		for f in $("$CALYX" $cmd --help | help_flags); do
			grep -qE -- "(^|[^a-zA-Z0-9-])$f([^a-zA-Z0-9-]|\$)" <<< "$text" ||
				missing+=" $f not in calyx${cmd:+-$cmd}(8);"
		done
	done
	[[ -z $missing ]] || fail "$missing"
}

@test "completion: bash completes subcommands, flags and container IDs" {
	calyx_only
	local comp=$TOP/completions/calyx.bash
	create_ct "$ID"
	expect_status 0
	# shellcheck disable=SC2016
	run bash -c '
		source "$1" || exit 1
		complete -p calyx || exit 1
		try() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _calyx; echo "${COMPREPLY[*]}"; }
		try "$2" k
		try "$2" run --roo
		try "$2" help st
		try "$2" --root "$3" kill ""
		try "$2" --root "$3" spec ""' _ "$comp" "$CALYX" "$STATE_ROOT"
	expect_status 0
	[[ ${lines[0]} == "complete -F _calyx calyx" ]] || fail "$output"
	[[ ${lines[1]} == kill ]] || fail "calyx k -> ${lines[1]}"
	[[ ${lines[2]} == --rootfs ]] || fail "calyx run --roo -> ${lines[2]}"
	[[ ${lines[3]} == "start state" ]] || fail "calyx help st -> ${lines[3]}"
	[[ ${lines[4]} == "$ID" ]] || fail "calyx kill <TAB> -> ${lines[4]}"
	[[ -z ${lines[5]:-} ]] || fail "calyx spec <TAB> offers IDs: ${lines[5]}"
}

@test "completion: zsh and fish files parse; fish completes like bash" {
	calyx_only
	command -v zsh >/dev/null || skip "zsh is not installed"
	command -v fish >/dev/null || skip "fish is not installed"
	run zsh -n "$TOP/completions/_calyx"
	expect_status 0
	run fish -n "$TOP/completions/calyx.fish"
	expect_status 0
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -s "$CALYX" "$BATS_TEST_TMPDIR/bin/calyx"
	run env PATH="$BATS_TEST_TMPDIR/bin:$PATH" fish -c \
		'source $argv[1]; complete -C "calyx k"; complete -C "calyx exec --tt"' \
		"$TOP/completions/calyx.fish"
	expect_status 0
	has_line kill
	has_line --tty
}

@test "completion: meson install puts the three files where the shells look" {
	calyx_only
	[[ -f $TOP/build/build.ninja ]] || skip "no meson build dir"
	command -v meson >/dev/null || skip "meson is not installed"
	local dest=$BATS_TEST_TMPDIR/dest prefix
	run env DESTDIR="$dest" meson install -C "$TOP/build" --no-rebuild --quiet
	expect_status 0
	prefix=$(meson introspect "$TOP/build" --buildoptions |
		jq -r '.[] | select(.name == "prefix") | .value')
	[[ -f $dest$prefix/share/bash-completion/completions/calyx ]] || fail "no bash file"
	[[ -f $dest$prefix/share/zsh/site-functions/_calyx ]] || fail "no zsh file"
	[[ -f $dest$prefix/share/fish/vendor_completions.d/calyx.fish ]] || fail "no fish file"
}
