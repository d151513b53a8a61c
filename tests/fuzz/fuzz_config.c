/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json: parse, validate, round trip. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	calyx_error *err = NULL;
	struct calyx_spec *spec = NULL;

	if (calyx_spec_parse((const char *)data, size, &spec, &err) < 0) {
		fuzz_check_error(err);
		return 0;
	}
	if (calyx_spec_validate(spec, &err) < 0)
		fuzz_check_error(err);
	fuzz_round_trip(spec);
	calyx_spec_free(spec);
	return 0;
}
