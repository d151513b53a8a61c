/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the fuzz targets (one per parser entry point).  Each target is
 * a libFuzzer LLVMFuzzerTestOneInput(); replay_main.c feeds it files when
 * built without libFuzzer.  A finding is a crash, a sanitizer report, or
 * a round trip (parse, serialize, parse, serialize) whose two texts differ,
 * which aborts with both texts shown.
 */
#ifndef CALYX_FUZZ_H
#define CALYX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calyx/error.h"
#include "calyx/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz: %s\n--- first:\n%s\n--- second:\n%s\n", what,
		a ? a : "(null)", b ? b : "(null)");
	abort();
}

/* An error must carry a one-line message. */
static inline void fuzz_check_error(calyx_error *err)
{
	if (!err || !err->msg)
		fuzz_fail("error without a message", NULL, NULL);
	if (strchr(err->msg, '\n'))
		fuzz_fail("multi-line error", err->msg, NULL);
	calyx_error_free(&err);
}

/*
 * Serialize spec, parse that, serialize again: both texts must be equal
 * (the serializer is the parser's inverse).  spec is not freed.
 */
void fuzz_round_trip(const struct calyx_spec *spec);

#endif
