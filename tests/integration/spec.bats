#!/usr/bin/env bats
# `spec` and `features`.

bats_require_minimum_version 1.5.0
load helpers

@test "spec writes a valid config.json that runs once terminal is false" {
	dir=$BATS_TEST_TMPDIR/gen
	mkdir "$dir"
	(cd "$dir" && calyx spec)
	jq -e . "$dir/config.json" >/dev/null
	validate_schema config-schema.json "$dir/config.json"
	jq -e '.process.terminal == true' "$dir/config.json"
	cp -a "$BUNDLE/rootfs" "$dir/rootfs"
	jq '.process.terminal = false' "$dir/config.json" > "$dir/c.tmp"
	mv "$dir/c.tmp" "$dir/config.json"
	pin_cgroup_path run -b "$dir" "$ID"
	run bash -c 'echo "echo spec-ok" | "$@"' _ "$CALYX" --root "$STATE_ROOT" \
		run -b "$dir" "$ID"
	expect_status 0
	has_line spec-ok
	assert_nothing_left "$ID"
}

@test "spec -b writes into the bundle dir" {
	dir=$BATS_TEST_TMPDIR/gen
	mkdir "$dir"
	run calyx spec -b "$dir"
	expect_status 0
	[ -f "$dir/config.json" ]
	[ ! -e config.json ] || [ "$(pwd)" = "$dir" ]
}

@test "spec refuses to overwrite an existing config.json" {
	dir=$BATS_TEST_TMPDIR/gen
	mkdir "$dir"
	echo '{"keep": 1}' > "$dir/config.json"
	run --separate-stderr calyx spec -b "$dir"
	[ "$status" -ne 0 ]
	[ "$(jq -c . "$dir/config.json")" = '{"keep":1}' ]
}

@test "spec --rootless adds a user namespace with mappings" {
	dir=$BATS_TEST_TMPDIR/gen
	mkdir "$dir"
	calyx spec --rootless -b "$dir"
	validate_schema config-schema.json "$dir/config.json"
	jq -e '(.linux.namespaces | map(.type) | index("user")) != null
		and (.linux.uidMappings | length) >= 1
		and (.linux.gidMappings | length) >= 1
		and (.linux.namespaces | map(.type) | index("network")) == null' \
		"$dir/config.json"
}

@test "spec: ociVersion is 1.3.0" {
	calyx_only
	dir=$BATS_TEST_TMPDIR/gen
	mkdir "$dir"
	calyx spec -b "$dir"
	[ "$(jq -r .ociVersion "$dir/config.json")" = 1.3.0 ]
}

@test "features output validates against features-schema.json" {
	calyx features > "$BATS_TEST_TMPDIR/features.json"
	validate_schema features-schema.json "$BATS_TEST_TMPDIR/features.json"
	jq -e '(.ociVersionMin | type == "string")
		and (.ociVersionMax | type == "string")
		and (.hooks | index("createRuntime")) != null
		and (.linux.namespaces | index("mount")) != null
		and (.mountOptions | index("ro")) != null' \
		"$BATS_TEST_TMPDIR/features.json"
}

@test "features: ociVersionMax is 1.3.0 and lists all hook kinds" {
	calyx_only
	run calyx features
	expect_status 0
	echo "$output" | jq -e '.ociVersionMax == "1.3.0"
		and (.hooks | sort) == (["createContainer", "createRuntime",
			"poststart", "poststop", "prestart", "startContainer"] | sort)'
}
