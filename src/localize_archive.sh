#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed libcalyx.a: every object of the build's archive linked into
# one (ld -r), whose hidden symbols -- everything not CALYX_PUBLIC -- are
# then made local, so a static consumer sees the API and nothing else (no
# clash with its own get_string or strv_free).
#   localize_archive.sh LD OBJCOPY AR IN.a OUT.a
set -eu
ld=$1 objcopy=$2 ar=$3 in=$4 out=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ld" -r --whole-archive "$in" -o "$tmp/libcalyx.o"
"$objcopy" --localize-hidden "$tmp/libcalyx.o"
rm -f "$out"
"$ar" rcsD "$out" "$tmp/libcalyx.o"
