#!/bin/sh
# The project's CI job: build into a scratch dir, then test the result.
# It runs inside the sandbox: the source is read-only, /build is writable.
set -eu
mkdir -p /build
gcc -O2 -Wall -Werror -o /build/calc /src/calc.c
fail=0
check()
{
	want=$1
	shift
	got=$(/build/calc "$@")
	if [ "$got" = "$want" ]; then
		echo "ok   calc $* = $got"
	else
		echo "FAIL calc $*: want $want, got $got"
		fail=1
	fi
}
check 0
check 5 2 3
check -1 2 -3
check 1000000 999999 1
exit $fail
