#!/usr/bin/env bats
# libcalyx as other programs consume it: installed by `meson install`,
# found through calyx.pc, its headers plain C17/gnu17/C++, its shared
# library exporting the API and nothing else.

bats_require_minimum_version 1.5.0
load helpers

# Installs the build into a staging directory once for the file.
setup_file()
{
	common_setup_file
	[[ $(runtime_name) == calyx* ]] || return 0
	BUILD=$(cd "$(dirname "$CALYX")/../.." && pwd)
	export BUILD
	export DEST=$BATS_FILE_TMPDIR/dest
	meson install -C "$BUILD" --no-rebuild --quiet --destdir "$DEST" >&2
	local pc
	pc=$(find "$DEST" -name calyx.pc -path '*/pkgconfig/*' | head -1)
	[[ -n $pc ]] || return 0
	# the staged tree as if installed: pkg-config prefixes its paths
	# (variables too) with the sysroot
	export PKG_CONFIG_PATH=${pc%/calyx.pc} PKG_CONFIG_SYSROOT_DIR=$DEST
	LIBDIR=$(pkg-config --variable=libdir calyx)
	export LIBDIR
}

# `cc` with the installed headers and library.
build_example()
{
	run -0 pkg-config --exists calyx
	# shellcheck disable=SC2046 # pkg-config prints several words
	cc -Wall -Wextra -Werror -o "$BATS_TEST_TMPDIR/hello" \
		"$TOP/examples/libcalyx/hello.c" $(pkg-config --cflags --libs calyx) "$@"
}

@test "meson install ships libcalyx (shared and static), its headers and calyx.pc" {
	calyx_only
	[[ -n ${PKG_CONFIG_PATH:-} ]] || fail "no calyx.pc installed under $DEST"
	run -0 pkg-config --modversion calyx
	[[ $output == "$("$CALYX" --version | sed -n 's/^calyx version \([^ ]*\).*/\1/p')" ]] ||
		fail "calyx.pc version $output"
	local inc
	inc=$(pkg-config --variable=includedir calyx)
	for h in api.h calyx.h cleanup.h error.h log.h sandbox.h spec.h; do
		[[ -f $inc/calyx/$h ]] || fail "calyx/$h not installed"
	done
	# and every header of include/calyx is installed
	for h in "$TOP"/include/calyx/*.h; do
		[[ -f $inc/calyx/${h##*/} ]] || fail "calyx/${h##*/} not installed"
	done
	[[ -f $LIBDIR/libcalyx.a && -L $LIBDIR/libcalyx.so ]] ||
		fail "libcalyx.a/.so not installed: $(ls "$LIBDIR")"
}

@test "the public headers compile alone as gnu17, strict C17 and C++" {
	calyx_only
	local inc h
	inc=$(pkg-config --variable=includedir calyx)
	for h in api calyx cleanup error log sandbox spec; do
		printf '#include <calyx/%s.h>\nint main(void) { return 0; }\n' "$h" \
			> "$BATS_TEST_TMPDIR/t.c"
		cp "$BATS_TEST_TMPDIR/t.c" "$BATS_TEST_TMPDIR/t.cc"
		# no -D_GNU_SOURCE, no -Ulinux: what a consumer's plain cc does
		run -0 gcc -Wall -Wextra -Werror -I"$inc" -c "$BATS_TEST_TMPDIR/t.c" \
			-o /dev/null
		run -0 gcc -std=c17 -pedantic -Wall -Wextra -Werror -I"$inc" \
			-c "$BATS_TEST_TMPDIR/t.c" -o /dev/null
		run -0 g++ -std=c++17 -Wall -Wextra -Werror -I"$inc" \
			-c "$BATS_TEST_TMPDIR/t.cc" -o /dev/null
	done
	# no reserved identifiers: _x at file scope, _X or __ anywhere (C++)
	run grep -nE '(^|[^A-Za-z0-9_])_[A-Za-z_]|[A-Za-z0-9]__[A-Za-z0-9]' "$inc"/calyx/*.h
	output=$(grep -vE '__attribute__|__cplusplus|__VA_ARGS__|__typeof__' <<< "$output" || true)
	[[ -z $output ]] || fail "reserved identifiers: $output"
	# and the functions get C linkage from C++
	printf '#include <calyx/calyx.h>\nint main() { return calyx_id_validate("x", nullptr); }\n' \
		> "$BATS_TEST_TMPDIR/t.cc"
	run -0 g++ -std=c++17 -I"$inc" "$BATS_TEST_TMPDIR/t.cc" -o "$BATS_TEST_TMPDIR/t" \
		-L"$LIBDIR" -lcalyx -Wl,-rpath,"$LIBDIR"
	run -0 "$BATS_TEST_TMPDIR/t"
}

@test "calyx/cleanup.h holds the API's objects in C and C++" {
	calyx_only
	local inc
	inc=$(pkg-config --variable=includedir calyx)
	cat > "$BATS_TEST_TMPDIR/c.c" <<'C'
#include <fcntl.h>
#include <string.h>

#include <calyx/cleanup.h>

static char *dup_of(const char *s)
{
	CALYX_AUTO_FREE char *copy = strdup(s);

	return CALYX_TAKE_PTR(copy);
}

int main(void)
{
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char *kept = dup_of("x");
	CALYX_AUTO_CLOSE int fd = open("/dev/null", O_RDONLY);
	CALYX_AUTO_CLOSE int taken = CALYX_TAKE_FD(fd);
	CALYX_AUTO_STATE struct calyx_state *state = NULL;

	(void)state;
	return calyx_id_validate("../x", &err) < 0 && err && kept && fd == -1 &&
	       taken >= 0 ? 0 : 1;
}
C
	cp "$BATS_TEST_TMPDIR/c.c" "$BATS_TEST_TMPDIR/c.cc"
	run -0 gcc -Wall -Wextra -Werror -I"$inc" "$BATS_TEST_TMPDIR/c.c" \
		-o "$BATS_TEST_TMPDIR/c" -L"$LIBDIR" -lcalyx -Wl,-rpath,"$LIBDIR"
	run -0 "$BATS_TEST_TMPDIR/c"
	run -0 g++ -Wall -Wextra -Werror -I"$inc" "$BATS_TEST_TMPDIR/c.cc" \
		-o "$BATS_TEST_TMPDIR/c++" -L"$LIBDIR" -lcalyx -Wl,-rpath,"$LIBDIR"
	run -0 "$BATS_TEST_TMPDIR/c++"
}

# The CLI is a client of the public API: its sources, alone with the
# installed headers (and the two headers the build generates), compile and
# link against the installed libcalyx.so.
@test "the calyx CLI builds against the installed library alone" {
	calyx_only
	local src=$BATS_TEST_TMPDIR/cli inc
	inc=$(pkg-config --variable=includedir calyx)
	mkdir -p "$src/cli"
	cp "$TOP"/src/cli/*.[ch] "$src/cli/"
	cp "$BUILD/config.h" "$BUILD/git_commit.h" "$src/"
	# shellcheck disable=SC2046
	run -0 gcc -std=gnu17 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
		-Wno-missing-field-initializers -Werror -I"$src" -I"$inc" \
		-o "$BATS_TEST_TMPDIR/calyx-client" "$src"/cli/*.c \
		-L"$LIBDIR" -lcalyx $(pkg-config --libs libseccomp) -Wl,-rpath,"$LIBDIR"
	run -0 "$BATS_TEST_TMPDIR/calyx-client" --version
	contains "calyx version"
}

@test "the shared libcalyx exports exactly the CALYX_PUBLIC API" {
	calyx_only
	local want got
	# the name after each CALYX_PUBLIC marker in the installed headers
	want=$(cat "$(pkg-config --variable=includedir calyx)"/calyx/*.h |
		awk '/^CALYX_PUBLIC$/ { getline; if (match($0, /calyx_[a-z0-9_]+\(/))
			print substr($0, RSTART, RLENGTH - 1) }' | sort)
	[[ $(wc -l <<< "$want") -gt 30 ]] || fail "too few CALYX_PUBLIC: $want"
	got=$(nm -D --defined-only "$LIBDIR/libcalyx.so" |
		awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort)
	if grep -v '^calyx_' <<< "$got"; then
		fail "exported without the calyx_ prefix"
	fi
	[[ $got == "$want" ]] ||
		fail "exports differ from the API: $(diff <(echo "$want") <(echo "$got"))"
	# internals (the JSON object helpers, the string lists) stay inside
	if nm -D "$LIBDIR/libcalyx.so" | grep -wE 'obj_get|get_string|strv_free'; then
		fail "internals exported"
	fi
}

@test "the static libcalyx.a defines the same API and keeps its internals local" {
	calyx_only
	local want got
	want=$(nm -D --defined-only "$LIBDIR/libcalyx.so" |
		awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort)
	# global definitions only: a static consumer's own get_string or
	# strv_free must not clash with ours
	got=$(nm -g --defined-only "$LIBDIR/libcalyx.a" | awk 'NF == 3 { print $3 }' | sort -u)
	[[ $got == "$want" ]] ||
		fail "archive globals differ from the API: $(diff <(echo "$want") <(echo "$got"))"
}

@test "examples/libcalyx runs a container through the installed library" {
	calyx_only
	build_example -Wl,-rpath,"$LIBDIR"
	cfg '.process.args = ["/bin/sh", "-c", "echo hello from libcalyx; exit 3"]'
	run -0 "$BATS_TEST_TMPDIR/hello" "$BUNDLE" "$ID" "$STATE_ROOT"
	has_line "hello from libcalyx"
	has_line "container $ID exited with status 3"
	assert_nothing_left "$ID"
	# the error path: the message names what is wrong
	run -1 "$BATS_TEST_TMPDIR/hello" "$BUNDLE" "../x" "$STATE_ROOT"
	contains "hello: "
}

@test "examples/libcalyx links against the static libcalyx.a too" {
	calyx_only
	# a program with functions of the names libcalyx uses inside
	printf 'int get_string(void) { return 0; }\nint strv_free(void) { return 0; }\n' \
		> "$BATS_TEST_TMPDIR/own.c"
	# shellcheck disable=SC2046
	cc -Wall -Werror -o "$BATS_TEST_TMPDIR/hello-static" "$BATS_TEST_TMPDIR/own.c" \
		"$TOP/examples/libcalyx/hello.c" $(pkg-config --cflags calyx) \
		"$LIBDIR/libcalyx.a" $(pkg-config --static --libs-only-l calyx | sed 's/-lcalyx//')
	run -0 ldd "$BATS_TEST_TMPDIR/hello-static"
	[[ $output != *libcalyx* ]] || fail "libcalyx.so linked: $output"
	cfg '.process.args = ["/bin/sh", "-c", "echo static ok"]'
	run -0 "$BATS_TEST_TMPDIR/hello-static" "$BUNDLE" "$ID" "$STATE_ROOT"
	has_line "static ok"
}

@test "exec through the library gives the caller its CPUs back after execCPUAffinity.initial" {
	calyx_only
	(($(nproc) >= 2)) || skip "needs two CPUs to see the affinity change"
	cat > "$BATS_TEST_TMPDIR/affinity.c" <<'C'
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>

#include <calyx/calyx.h>

static int cpus(void)
{
	cpu_set_t s;

	return sched_getaffinity(0, sizeof(s), &s) == 0 ? CPU_COUNT(&s) : -1;
}

int main(int argc, char **argv)
{
	struct calyx_context ctx = { .state_root = argv[1], .log = { .fd = -1 } };
	char *args[] = { "/bin/true", NULL };
	struct calyx_exec_options opts = { .args = args };
	calyx_error *err = NULL;
	int before = cpus(), status;

	if (argc < 3 || calyx_container_exec(&ctx, argv[2], &opts, &status, &err) < 0) {
		fprintf(stderr, "exec: %s\n", err ? err->msg : "usage");
		return 1;
	}
	printf("status %d cpus before %d after %d\n", status, before, cpus());
	return 0;
}
C
	# shellcheck disable=SC2046
	cc -Wall -Werror -o "$BATS_TEST_TMPDIR/affinity" "$BATS_TEST_TMPDIR/affinity.c" \
		$(pkg-config --cflags --libs calyx) -Wl,-rpath,"$LIBDIR"
	cfg '.process.args = ["/bin/sleep", "100"]
	     | .process.execCPUAffinity.initial = "0"'
	run_detached "$ID"
	expect_status 0
	run -0 "$BATS_TEST_TMPDIR/affinity" "$STATE_ROOT" "$ID"
	[[ $output =~ ^status\ 0\ cpus\ before\ ([0-9]+)\ after\ ([0-9]+)$ ]] || fail "$output"
	((BASH_REMATCH[1] >= 2)) || skip "the test runs on one CPU only"
	[[ ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] ||
		fail "the caller was left on ${BASH_REMATCH[2]} CPU(s): $output"
}
