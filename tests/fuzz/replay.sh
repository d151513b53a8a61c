#!/usr/bin/env bash
# Replays the seed corpus and every kept crash input through each fuzz
# target, built without libFuzzer or clang: the targets' own
# LLVMFuzzerTestOneInput() with replay_main.c, linked against the project's
# libcalyx_internal.a (the library with its internals, as the calyx binary
# links it).  Takes seconds.
#
#   tests/fuzz/replay.sh            (BUILD=build by default; builds it)
#
# Prints "fuzz: N passed, N failed, N skipped" (one per input file) and
# exits non-zero on any failure.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
CC=${CC:-cc}
FUZZ=$TOP/tests/fuzz
TARGETS=(config process resources seccomp state)
out=$(mktemp -d /tmp/calyx-fuzz-replay.XXXXXX)
trap 'rm -rf "$out"' EXIT

passed=0 failed=0 skipped=0
if [[ ! -f $BUILD/build.ninja ]] || ! ninja -C "$BUILD" libcalyx_internal.a >"$out/build.log" 2>&1; then
	cat "$out/build.log" >&2 2>/dev/null
	echo "fuzz: cannot build libcalyx_internal.a in $BUILD" >&2
	echo "fuzz: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
# shellcheck disable=SC2207
libs=($(pkg-config --libs yajl libseccomp libcap 2>/dev/null || echo -lyajl -lseccomp -lcap))

for t in "${TARGETS[@]}"; do
	bin=$out/replay_$t
	if ! "$CC" -std=gnu17 -O1 -g -D_GNU_SOURCE -Ulinux -Wall -Wextra -Werror \
		-Wno-unused-parameter -I"$TOP/include" -I"$TOP/src" -I"$TOP" -I"$BUILD" \
		"$FUZZ/fuzz_$t.c" "$FUZZ/round_trip.c" "$FUZZ/replay_main.c" \
		"$BUILD/libcalyx_internal.a" "${libs[@]}" -o "$bin" 2>"$out/cc-$t.log"; then
		cat "$out/cc-$t.log" >&2
		echo "fuzz: $t: does not build" >&2
		failed=$((failed + 1))
		continue
	fi
	counts=$("$bin" "$FUZZ/corpus/$t" "$FUZZ/crashes/$t" 2>"$out/run-$t.log" | tail -n 1)
	read -r p f <<<"$counts"
	if [[ -z ${p:-} || -z ${f:-} ]]; then
		cat "$out/run-$t.log" >&2
		echo "fuzz: $t: the replay driver died" >&2
		failed=$((failed + 1))
		continue
	fi
	if ((f > 0)); then
		grep -B1 -A20 'FAILED\|ERROR\|fuzz:' "$out/run-$t.log" | head -60 >&2
	fi
	((p + f > 0)) || skipped=$((skipped + 1))
	passed=$((passed + p)) failed=$((failed + f))
done
echo "fuzz: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
