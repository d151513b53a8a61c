#!/usr/bin/env bash
# Runs libFuzzer targets with ASan+UBSan (clang).  See tests/fuzz/README.md.
#
#   tests/fuzz/fuzz.sh [-t SECONDS] [TARGET...]     (default: all, 120 s each)
#
# Builds libcalyx_internal.a instrumented in build-fuzz/ (clang, -fsanitize=
# fuzzer-no-link,address,undefined), each target against it, then fuzzes
# from the seed corpus.  New inputs go to build-fuzz/corpus/<target>/ (not
# the repository); a crash input is written to tests/fuzz/crashes/<target>/
# so that it is kept, and replay.sh replays it from then on.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ=$TOP/tests/fuzz
BUILD=${BUILD_FUZZ:-$TOP/build-fuzz}
CC=${FUZZ_CC:-clang}
secs=120
while getopts t: o; do
	case $o in
	t) secs=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
targets=("$@")
((${#targets[@]})) || targets=(config process resources seccomp state)

if [[ -z ${FUZZ_CC:-} ]]; then
	# shellcheck source=../helpers/deps.sh
	. "$(dirname "$0")/../helpers/deps.sh"
	calyx_install_deps fuzz || exit 2
fi
command -v "$CC" >/dev/null || { echo "fuzz: $CC not installed" >&2; exit 2; }
san=address,undefined
if [[ ! -f $BUILD/build.ninja ]]; then
	CC=$CC meson setup "$BUILD" "$TOP" -Db_sanitize=$san -Db_lundef=false \
		-Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer" >/dev/null
fi
ninja -C "$BUILD" libcalyx_internal.a >/dev/null
# shellcheck disable=SC2207
libs=($(pkg-config --libs yajl libseccomp libcap))

rc=0
for t in "${targets[@]}"; do
	bin=$BUILD/fuzz_$t
	"$CC" -std=gnu17 -O1 -g -D_GNU_SOURCE -Ulinux -fno-omit-frame-pointer \
		-fsanitize=fuzzer,$san -fno-sanitize-recover=undefined \
		-I"$TOP/include" -I"$TOP/src" -I"$TOP" -I"$BUILD" \
		"$FUZZ/fuzz_$t.c" "$FUZZ/round_trip.c" "$BUILD/libcalyx_internal.a" "${libs[@]}" -o "$bin"
	mkdir -p "$BUILD/corpus/$t" "$FUZZ/crashes/$t"
	echo "fuzz: $t for $secs s"
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ASAN_OPTIONS=detect_leaks=1 \
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$FUZZ/crashes/$t/" \
		"$BUILD/corpus/$t" "$FUZZ/corpus/$t" 2>"$BUILD/fuzz-$t.log" ||
		{ rc=1; echo "fuzz: $t FOUND A CRASH: see $BUILD/fuzz-$t.log and $FUZZ/crashes/$t/" >&2; }
	grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$BUILD/fuzz-$t.log" | sed 's/^/  /'
done
exit $rc
