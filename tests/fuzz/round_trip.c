/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The round trip every target with a serializer runs (see fuzz.h). */
#include "fuzz.h"
#include "spec/serialize.h"

void fuzz_round_trip(const struct calyx_spec *spec)
{
	calyx_error *err = NULL;
	struct calyx_spec *again = NULL;
	char *first = NULL, *second = NULL;

	if (calyx_spec_serialize(spec, &first, &err) < 0) {
		/* the serializer may refuse only what it cannot write */
		fuzz_check_error(err);
		return;
	}
	if (calyx_spec_parse(first, strlen(first), &again, &err) < 0)
		fuzz_fail(err ? err->msg : "serialized text does not parse",
			  first, NULL);
	if (calyx_spec_serialize(again, &second, &err) < 0)
		fuzz_fail("re-parsed spec does not serialize", first, NULL);
	if (strcmp(first, second) != 0)
		fuzz_fail("round trip changed the spec", first, second);
	free(first);
	free(second);
	calyx_spec_free(again);
}
